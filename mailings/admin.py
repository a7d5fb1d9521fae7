from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin_display import short_date, truncated
from portal.admin_filters import LabelledValuesFilter, LanguageFilter
from portal.admin_tools import SafeChangelistMixin

from . import services, template_labels
from .models import MailPreference, OutboxMessage

admin.site.index_template = "admin/portal_index.html"


class TemplateFilter(LabelledValuesFilter):
    """"Password reset", not "account/password_reset_key" (mailings.template_labels)."""

    def label(self, value):
        return template_labels.label(value)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SafeChangelistMixin, admin.ModelAdmin):
    # The status, attempts and sending time first: what staff look for (visible at 1280 px without
    # scrolling: tests/community/test_browser_admin_lists.py). The subject is cut to one line; the
    # template, language and creation time are filters (with their labels) and on the detail page.
    list_display = ["short_subject", "short_recipient", "status", "attempts", "sent"]
    list_display_links = ["short_subject"]
    list_filter = [
        "status", ("template", TemplateFilter), "essential", "sensitive", ("language", LanguageFilter),
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["recipient", "dedupe_key", "subject"]
    date_hierarchy = "created_at"
    actions = ["resend", "cancel"]
    readonly_fields = [
        "dedupe_key", "recipient", "language", "template", "subject", "essential", "sensitive", "status", "attempts",
        "next_attempt_at", "sending_started_at", "last_error", "cause", "created_at", "sent_at", "shown_headers",
        "attachment_names",
    ]
    fields = readonly_fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The preview, with the reminders' preference and unsubscribe links cut (they act without a sign-in).
        message = self.get_object(request, object_id) if object_id else None
        if message is not None and not message.sensitive:
            extra_context = {**(extra_context or {}), "preview_text": services.personal_links_masked(message.body_text),
                             "preview_html": services.personal_links_masked(message.body_html)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("extra headers"))
    def shown_headers(self, obj):
        return "\n".join(f"{name}: {services.personal_links_masked(value)}" for name, value in obj.headers.items()
                         ) or "—"

    @admin.display(description=_("subject"), ordering="subject")
    def short_subject(self, obj):
        return truncated(obj.subject)

    @admin.display(description=_("recipient"), ordering="recipient")
    def short_recipient(self, obj):
        return truncated(obj.recipient)

    @admin.display(description=_("sent"), ordering="sent_at")
    def sent(self, obj):
        return short_date(obj.sent_at, with_time=True)


    @admin.display(description=_("attachments"))
    def attachment_names(self, obj):
        return ", ".join(a["filename"] for a in obj.attachments) or "—"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the outbox is the record of what the portal said

    @admin.action(description=_("Send again (a new attempt, same dedupe key)"), permissions=["change"])
    def resend(self, request, queryset):
        result = services.outbox_resend(messages=list(queryset))
        count = result.queued
        self.message_user(request, ngettext("%d email queued again.", "%d emails queued again.", count) % count)
        if result.content_removed:
            self.message_user(
                request,
                ngettext(
                    "%d email carried a personal link and was sent: its content was removed, so it cannot be "
                    "sent again. The person asks for a new link (password reset, verification email), or use "
                    "“Send the invitation again” on the invitation.",
                    "%d emails carried a personal link and were sent: their content was removed, so they cannot "
                    "be sent again. The person asks for a new link (password reset, verification email), or use "
                    "“Send the invitation again” on the invitation.",
                    result.content_removed,
                ) % result.content_removed,
                messages.WARNING,
            )

    @admin.action(description=_("Cancel (do not send)"), permissions=["change"])
    def cancel(self, request, queryset):
        count = services.outbox_cancel(messages=list(queryset))
        level = messages.SUCCESS if count else messages.WARNING
        self.message_user(
            request, ngettext("%d email cancelled.", "%d emails cancelled.", count) % count
            + (" " + str(_("Only queued or failed emails can be cancelled.")) if count < queryset.count() else ""),
            level,
        )


@admin.register(MailPreference)
class MailPreferenceAdmin(SafeChangelistMixin, admin.ModelAdmin):
    list_display = ["email", "reminders", "updated_at"]
    list_filter = ["reminders"]
    search_fields = ["email"]
    exclude = ["link_secret"]  # the link itself: staff never need to see it
    actions = ["revoke_links"]

    @admin.action(description=_("Revoke the preference links sent so far (e.g. a forwarded reminder)"),
                  permissions=["change"])
    def revoke_links(self, request, queryset):
        count = 0
        for preference in queryset:
            services.preferences_revoke_links(email=preference.email)
            count += 1
        self.message_user(request, ngettext(
            "%d address has a new link; the links sent before no longer work.",
            "%d addresses have a new link; the links sent before no longer work.", count) % count)
