"""The Metropolitan Portrait: an edition's survey (sections, questions, choices) and the portraits
that organisations fill in jointly (answers with a version each, respondents).

Texts staff type (title, introduction, section, question and choice texts) have one column per
language (surveys/translation.py). Answers to choice questions are rows of ``AnswerChoice`` that
point at the ``Choice`` (protected: a choice in use cannot be deleted), in rank order for rankings.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Edition, Member, Organisation
from community.steps import WatchedQuerySet

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
OTHER_TEXT_MAX = 300


class Survey(models.Model):
    """The edition's questionnaire, open between two aware datetimes."""

    edition = models.OneToOneField(Edition, on_delete=models.PROTECT, related_name="survey",
                                   verbose_name=_("edition"))
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"), help_text=_("Organisations can save and submit until then "
                                                                 "(unless their deadline was extended)."))
    staff_note = models.TextField(_("note for staff"), blank=True,
                                  help_text=_("Shown on the survey's admin page only (e.g. why the dates moved)."))
    opening_announced_at = models.DateTimeField(
        _("opening announced at"), null=True, blank=True, editable=False,
        help_text=_("When the opening announcement went to the approved members (once per survey)."))

    objects = WatchedQuerySet.as_manager()  # cached dashboard steps read it (community.steps)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="survey_closes_after_opening"),
            models.CheckConstraint(condition=models.Q(title_en__isnull=False) & ~models.Q(title_en=""),
                                   name="survey_title_in_english"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The survey must close after it opens.")})

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class Section(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections", verbose_name=_("survey"))
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["survey", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "order"], name="unique_section_order",
                                    violation_error_message=_("Two sections cannot have the same order.")),
        ]

    def __str__(self):
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    SCALE = "scale", _("Scale (1–5)")
    NUMBER = "number", _("Number")
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    RANKING = "ranking", _("Ranking")

    @classmethod
    def with_choices(cls):
        return {cls.SINGLE_CHOICE, cls.MULTIPLE_CHOICE, cls.RANKING}

    @classmethod
    def conditions(cls):
        """Kinds a show-if condition may depend on."""
        return {cls.SINGLE_CHOICE, cls.MULTIPLE_CHOICE}


SCALE_MIN, SCALE_MAX = 1, 5


class Question(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions",
                                verbose_name=_("section"))
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.TextField(_("help text"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    allow_other = models.BooleanField(_("offer “other, please say”"), default=False,
                                      help_text=_("Multiple choice only."))
    scale_min_label = models.CharField(_("label of 1"), max_length=100, blank=True, help_text=_("Scale only."))
    scale_max_label = models.CharField(_("label of 5"), max_length=100, blank=True, help_text=_("Scale only."))
    min_value = models.DecimalField(_("minimum"), max_digits=18, decimal_places=2, null=True, blank=True,
                                    help_text=_("Number only."))
    max_value = models.DecimalField(_("maximum"), max_digits=18, decimal_places=2, null=True, blank=True,
                                    help_text=_("Number only."))
    unit = models.CharField(_("unit"), max_length=50, blank=True, help_text=_("Number only, e.g. km² or %."))
    rank_limit = models.PositiveSmallIntegerField(
        _("rank up to"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Ranking only: how many of the list a member ranks at most (blank: all)."))
    peer_matching = models.BooleanField(
        _("used to suggest peers"), default=False,
        help_text=_("Choice and ranking questions only: organisations that picked the same choices are suggested "
                    "to each other as peers (topics of interest, challenges)."))
    show_if_question = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="dependent_questions",
        verbose_name=_("show only if the answer to"),
        help_text=_("An earlier single or multiple choice question of the same survey."))
    show_if_choices = models.ManyToManyField(
        "Choice", blank=True, related_name="shown_questions", verbose_name=_("includes one of"))

    objects = WatchedQuerySet.as_manager()  # cached dashboard steps read it (community.steps)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["section__order", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["section", "order"], name="unique_question_order",
                                    violation_error_message=_("Two questions of a section cannot have the same "
                                                              "order.")),
            models.CheckConstraint(condition=models.Q(kind__in=QuestionKind.values), name="question_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True) | models.Q(max_value__isnull=True)
                | models.Q(min_value__lte=models.F("max_value")),
                name="question_min_not_above_max"),
            models.CheckConstraint(condition=models.Q(text_en__isnull=False) & ~models.Q(text_en=""),
                                   name="question_text_in_english"),
            models.CheckConstraint(
                condition=models.Q(peer_matching=False)
                | models.Q(kind__in=[QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.RANKING]),
                name="question_peer_matching_on_choices"),
        ]

    def __str__(self):
        return self.text

    @property
    def position(self):
        """Where the question comes in the survey: (section order, order, pk)."""
        return (self.section.order, self.order, self.pk or 0)

    def clean(self):
        errors = {}
        condition = self.show_if_question
        if condition is not None:
            if condition.kind not in QuestionKind.conditions():
                errors["show_if_question"] = _("A condition can only depend on a single or multiple choice question.")
            elif self.section_id and condition.section.survey_id != self.section.survey_id:
                errors["show_if_question"] = _("A condition can only depend on a question of the same survey.")
            elif self.section_id and (condition.pk == self.pk or condition.position >= self.position):
                errors["show_if_question"] = _("A condition can only depend on an earlier question "
                                               "(an earlier section, or earlier in this section).")
        if self.kind != QuestionKind.MULTIPLE_CHOICE and self.allow_other:
            errors["allow_other"] = _("Only a multiple choice question offers “other”.")
        if self.peer_matching and self.kind not in QuestionKind.with_choices():
            errors["peer_matching"] = _("Only choice and ranking questions can be used to suggest peers.")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            errors["max_value"] = _("The maximum cannot be below the minimum.")
        if self.pk and self.section_id:
            # Questions shown on this one's choices: it stays a choice question, and before them.
            dependents = list(Question.objects.filter(show_if_question_id=self.pk).select_related("section"))
            if dependents and self.kind not in QuestionKind.conditions():
                errors["kind"] = _("“%(question)s” is shown on this question's choices: it must stay a single or "
                                   "multiple choice question.") % {"question": dependents[0]}
            elif any(dependent.position <= self.position for dependent in dependents):
                errors["order"] = _("“%(question)s” is shown on this question's choices: this question must come "
                                    "before it.") % {"question": next(d for d in dependents
                                                                       if d.position <= self.position)}
        if self.pk:
            previous = Question.objects.filter(pk=self.pk).values_list("kind", flat=True).first()
            if previous and previous != self.kind and self.answers.exists():
                errors["kind"] = _("Organisations have already answered this question: its kind cannot change "
                                   "(their answers would no longer fit). Add a new question instead.")
        if errors:
            raise ValidationError(errors)

    @property
    def has_choices(self):
        return self.kind in QuestionKind.with_choices()

    @property
    def anchor(self):
        return f"q-{self.pk}"

    @property
    def text_max_length(self):
        return SHORT_TEXT_MAX if self.kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX


class Choice(models.Model):
    """An option of a choice or ranking question. Its ``pk`` is the stable id answers point at."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices",
                                 verbose_name=_("question"))
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.CharField(_("text"), max_length=300)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "order"], name="unique_choice_order",
                                    violation_error_message=_("Two choices cannot have the same order.")),
            models.CheckConstraint(condition=models.Q(text_en__isnull=False) & ~models.Q(text_en=""),
                                   name="choice_text_in_english"),
        ]

    def __str__(self):
        return self.text


class PortraitStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Portrait(models.Model):
    """One organisation's answers to one survey, filled in jointly by its approved members."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="portraits", verbose_name=_("survey"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="portraits",
                                     verbose_name=_("organisation"))
    status = models.CharField(_("status"), max_length=20, choices=PortraitStatus.choices,
                              default=PortraitStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name=_("submitted by"))
    show_to_peers = models.BooleanField(
        _("show to peers"), default=False,
        help_text=_("The organisation agrees to be suggested as a peer to other organisations."))
    deadline_extended_until = models.DateTimeField(
        _("deadline extended until"), null=True, blank=True,
        help_text=_("Set by staff with the action “Extend the deadline”: this organisation can save and submit "
                    "until then."))
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)

    objects = WatchedQuerySet.as_manager()  # cached dashboard steps read it (community.steps)

    class Meta:
        verbose_name = _("portrait")
        verbose_name_plural = _("portraits")
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "organisation"], name="one_portrait_per_organisation",
                                    violation_error_message=_("This organisation already has a portrait for "
                                                              "this survey.")),
            models.CheckConstraint(condition=models.Q(status__in=PortraitStatus.values), name="portrait_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=PortraitStatus.SUBMITTED) | models.Q(submitted_at__isnull=False),
                name="portrait_submitted_has_date"),
        ]

    def __str__(self):
        return f"{self.organisation.name} — {self.survey}"

    @property
    def closes_at(self):
        """This organisation's deadline: the survey's, or the later one staff granted."""
        if self.deadline_extended_until and self.deadline_extended_until > self.survey.closes_at:
            return self.deadline_extended_until
        return self.survey.closes_at

    @property
    def is_submitted(self):
        return self.status == PortraitStatus.SUBMITTED


class Answer(models.Model):
    """One question's answer in a portrait. ``version`` grows by one at each save: a save based on
    an older version is refused (services.answer_save), so no colleague's answer is overwritten unseen.

    ``value``: the text (short/long text), the integer (scale) or the decimal as a string (number);
    null for choice kinds, whose choices are ``AnswerChoice`` rows."""

    portrait = models.ForeignKey(Portrait, on_delete=models.CASCADE, related_name="answers",
                                 verbose_name=_("portrait"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers",
                                 verbose_name=_("question"))
    value = models.JSONField(_("value"), null=True, blank=True)
    other_text = models.CharField(_("other, please say"), max_length=OTHER_TEXT_MAX, blank=True)
    is_answered = models.BooleanField(_("answered"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("last changed by"))
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)
    choices = models.ManyToManyField(Choice, through="AnswerChoice", related_name="answers", blank=True)

    objects = WatchedQuerySet.as_manager()  # cached dashboard steps read it (community.steps)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["portrait", "question__section__order", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["portrait", "question"], name="one_answer_per_question"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="answer_version_positive"),
        ]

    def __str__(self):
        return f"{self.portrait} — {self.question}"


class AnswerChoice(models.Model):
    """A choice picked in an answer; ``rank`` (1 = first) for a ranking, null otherwise."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="picked")
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, related_name="picked")
    rank = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["answer", "rank", "choice__order"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "choice"], name="one_pick_per_choice"),
            models.UniqueConstraint(fields=["answer", "rank"], name="one_choice_per_rank"),
        ]

    def __str__(self):
        return f"{self.rank}. {self.choice_id}" if self.rank else str(self.choice_id)


class Respondent(models.Model):
    """A member who saved at least one answer of a portrait (webinar invitations go to them)."""

    portrait = models.ForeignKey(Portrait, on_delete=models.CASCADE, related_name="respondents",
                                 verbose_name=_("portrait"))
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="respondents",
                               verbose_name=_("member"))
    first_saved_at = models.DateTimeField(_("first save"))
    last_saved_at = models.DateTimeField(_("last save"))

    objects = WatchedQuerySet.as_manager()  # cached dashboard steps read it (community.steps)

    class Meta:
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        ordering = ["portrait", "first_saved_at"]
        constraints = [
            models.UniqueConstraint(fields=["portrait", "member"], name="one_respondent_per_member"),
        ]

    def __str__(self):
        return f"{self.member} — {self.portrait}"
