"""Members, organisations and editions: who takes part, for whom, and in which year."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from portal.querysets import BulkWriteHookQuerySet

from . import timezones
from .addresses import normalize_email

# The staff group (made by a data migration; community/migrations/_secretariat.py keeps its own copy).
SECRETARIAT_GROUP = "Secretariat"


class UserManager(BaseUserManager):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """The portal's one canonical form (community/addresses.py); raises ValidationError."""
        return normalize_email(email or "")

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="unique_user_email_case_insensitive"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        # The admin's forms and full_clean(): the canonical address before the uniqueness check.
        super(AbstractUser, self).clean()
        try:
            self.email = normalize_email(self.email)
        except ValidationError as error:
            raise ValidationError({"email": error.messages}) from None


class Region(models.TextChoices):
    AFRICA = "africa", _("Africa")
    ASIA_PACIFIC = "asia_pacific", _("Asia-Pacific")
    EUROPE = "europe", _("Europe")
    LATIN_AMERICA = "latin_america", _("Latin America and the Caribbean")
    MIDDLE_EAST = "middle_east", _("Middle East and West Asia")
    NORTH_AMERICA = "north_america", _("North America")


class OrganisationKind(models.TextChoices):
    CITY = "city", _("City")
    METROPOLITAN_AREA = "metropolitan_area", _("Metropolitan area")
    REGIONAL_GOVERNMENT = "regional_government", _("Regional government")
    OTHER = "other", _("Other")


class OrganisationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed (awaiting confirmation)")
    MEMBER = "member", _("Member")
    FORMER = "former", _("Former member")


class OrganisationQuerySet(BulkWriteHookQuerySet):
    def bulk_written(self):
        # Bulk writes send no signal: they retire the cached proposed organisations themselves
        # (community.proposed_organisations; saves and deletes do through its signals).
        from .proposed_organisations import GENERATION

        GENERATION.renew()

    def confirmed(self):
        """Confirmed member organisations (not proposed, not former)."""
        return self.filter(status=OrganisationStatus.MEMBER)

    def proposed(self):
        return self.filter(status=OrganisationStatus.PROPOSED)


DUPLICATE_ORGANISATION_MESSAGE = _("An organisation with this name is already registered in this country.")


class Organisation(models.Model):
    """A member city, metropolitan area or regional government."""

    name = models.CharField(_("name"), max_length=200)
    country = CountryField(_("country"))
    region = models.CharField(_("world region"), max_length=20, choices=Region.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    population = models.PositiveBigIntegerField(_("population"), null=True, blank=True)
    website = models.URLField(_("website"), blank=True)
    status = models.CharField(
        _("membership status"),
        max_length=20,
        choices=OrganisationStatus.choices,
        default=OrganisationStatus.PROPOSED,
        help_text=_("Organisations proposed at sign-up wait for the secretariat to confirm or merge them."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "country",
                name="unique_organisation_name_country",
                violation_error_message=DUPLICATE_ORGANISATION_MESSAGE,
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=OrganisationStatus.values), name="organisation_status_valid"
            ),
            models.CheckConstraint(condition=models.Q(region__in=Region.values), name="organisation_region_valid"),
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"
            ),
        ]

    def __str__(self):
        code = self.country_code
        return f"{self.name} ({code})" if code else self.name

    @property
    def country_code(self) -> str:
        """The stored code ("ES"), read as django-countries' own field does, without the Country object
        it makes anew at each read (a fifth of a 100-row staff list's time)."""
        if "country" not in self.__dict__:  # deferred
            return self.country.code or ""
        return self.__dict__["country"] or ""


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# Read from disk once (about 70 ms), not at each validation.
KNOWN_TIME_ZONES = timezones.KNOWN  # read once, with the curated list


def validate_time_zone(value):
    if value not in KNOWN_TIME_ZONES:
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value}, code="invalid")


LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class MemberQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=MemberStatus.APPROVED)


class Member(models.Model):
    """A city manager's membership: the person, their organisation and their preferences."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="members", verbose_name=_("organisation")
    )
    job_title = models.CharField(_("job title"), max_length=200)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    privacy_notice_version = models.CharField(_("privacy notice version"), max_length=20)
    privacy_consented_at = models.DateTimeField(_("privacy notice accepted"))
    status = models.CharField(
        _("membership status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.PENDING
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("status changed by"),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["user__last_name", "user__first_name", "user__email"]
        indexes = [
            # The admin's members list: newest first.
            models.Index(fields=["joined_at", "id"], name="member_joined_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=MemberStatus.values), name="member_status_valid"),
            models.CheckConstraint(
                condition=models.Q(preferred_language__in=LANGUAGE_CODES), name="member_language_valid"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} <{self.user.email}>"

    @property
    def full_name(self):
        return self.user.get_full_name() or self.user.email

    @property
    def is_approved(self):
        return self.status == MemberStatus.APPROVED


class MembershipInvitationQuerySet(models.QuerySet):
    def pending(self):
        """Not used yet (expired ones included: their link fails, a new one can be sent)."""
        return self.filter(accepted_at__isnull=True)


class MembershipInvitation(models.Model):
    """Staff invite a person by email; the signed link gives them a pre-approved membership."""

    email = models.EmailField(_("email address"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("organisation")
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en",
        help_text=_("The invitation email is written in this language, and the new member's preference starts here."),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    link_version = models.PositiveIntegerField(
        _("link version"), default=1, editable=False,
        help_text=_("Raised each time the invitation is sent again: only the latest link works."),
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    member = models.OneToOneField(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
        verbose_name=_("member"),
    )

    objects = MembershipInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership invitation")
        verbose_name_plural = _("membership invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True),
                name="unique_pending_invitation_email",
                violation_error_message=_("This person already has an invitation that is not used yet."),
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organisation.name}"

    def clean(self):
        try:
            self.email = normalize_email(self.email)
        except ValidationError as error:
            raise ValidationError({"email": error.messages}) from None

    @property
    def is_used(self):
        return self.accepted_at is not None


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (staff only)")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class EditionQuerySet(BulkWriteHookQuerySet):
    def bulk_written(self):
        # Bulk writes send no signal: they retire the cached current edition themselves
        # (community.current_edition; saves and deletes do through its signals).
        from .current_edition import GENERATION

        GENERATION.renew()

    def visible(self):
        return self.exclude(status=EditionStatus.DRAFT)

    def current(self):
        """The open edition of the latest year, else the latest one members can see."""
        return (
            self.filter(status=EditionStatus.OPEN).order_by("-year").first()
            or self.visible().order_by("-year").first()
        )


class Edition(models.Model):
    """One year of the community, with its theme. Surveys, events and selections belong to one.

    ``theme`` and ``description`` are written in each language (``theme_en``, ``theme_fr``...,
    community/translation.py); reading ``theme`` gives the active language's, else the English."""

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    theme = models.CharField(_("theme"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EditionStatus.choices, default=EditionStatus.DRAFT
    )

    objects = EditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=models.Q(year__gte=2000, year__lte=2100), name="edition_year_range"),
            models.CheckConstraint(condition=models.Q(status__in=EditionStatus.values), name="edition_status_valid"),
            # theme_en is added by community/translation.py; English is what other languages fall back to.
            models.CheckConstraint(
                condition=models.Q(theme_en__isnull=False) & ~models.Q(theme_en=""), name="edition_theme_in_english"
            ),
        ]

    def __str__(self):
        return f"{self.year}: {self.theme}"


class AuditEntryQuerySet(models.QuerySet):
    def for_object(self, obj):
        from django.contrib.contenttypes.models import ContentType

        return self.filter(target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk))


class AuditEntry(models.Model):
    """A staff decision (who, what, on what, when, before and after), written by the service that
    took it, in the same transaction. Never changed nor deleted: written through community.audit.record."""

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # Kept as text too: the entry still says who once the account is gone.
    actor_repr = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    # The codes are registered by each app (community.audit.register_actions), not fixed choices here.
    action = models.CharField(_("action"), max_length=64)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", verbose_name=_("kind of object")
    )
    target_id = models.CharField(_("object id"), max_length=64)
    target_repr = models.CharField(_("object"), max_length=300)
    before = models.JSONField(_("before"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField(_("reason"), blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)  # nobody may add, change or delete one, not even in the admin
        indexes = [
            models.Index(fields=["action", "-created_at"], name="audit_action_created"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_created"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(action=""), name="audit_action_not_blank"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr or '—'}: {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("An audit entry is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("An audit entry is never deleted.")
