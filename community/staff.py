"""Staff pages: the pages of the secretariat that are not the admin's changelists (the to-do
page now; the survey results and the selection board later).

- ``StaffPermissionRequiredMixin``: the one permission check of every staff page.
- ``staff_pages``: the registry of staff pages, listed on the admin's index, in the staff menu
  and on the changelists they relate to.
- ``todo_registry``: the items of the secretariat's to-do page (members waiting for approval...).

Higher apps register their pages and items in their ``AppConfig.ready``::

    from community.staff import StaffPage, TodoItem, staff_pages, todo_registry

    staff_pages.register(StaffPage(key="survey-results", title=_("Survey results"),
                                   url_name="surveys:staff_results", permission="surveys.view_portrait"))
    todo_registry.register(TodoItem(key="portraits-not-submitted", ...))
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import QuerySet
from django.urls import reverse


class StaffPermissionRequiredMixin(PermissionRequiredMixin):
    """A staff page: ``is_staff`` and the named ``permission_required`` (a superuser has every one).

    Anonymous visitors go to the login page and come back (``next``); a signed-in person without
    the permission gets the portal's 403 page (Django's AccessMixin does both).
    """

    def has_permission(self):
        user = self.request.user
        return user.is_active and user.is_staff and super().has_permission()

    def handle_no_permission(self):
        # The 403 page then says that a permission is missing, not that the page is for members.
        self.request.staff_page_denied = True
        return super().handle_no_permission()


class Registry:
    """Entries keyed by ``key``, kept in ``order`` then registration order."""

    def __init__(self):
        self._entries = {}

    def register(self, entry):
        if entry.key in self._entries:
            raise ValueError(f"{entry.key!r} is already registered")
        self._entries[entry.key] = entry
        return entry

    def unregister(self, key: str) -> None:
        self._entries.pop(key, None)

    def __iter__(self):
        return iter(sorted(self._entries.values(), key=lambda entry: entry.order))

    def __len__(self):
        return len(self._entries)

    def visible_to(self, user) -> list:
        """The entries this user may see (staff with the entry's permission)."""
        if not (user.is_active and user.is_staff):
            return []
        return [entry for entry in self if user.has_perm(entry.permission)]


@dataclass(frozen=True)
class StaffPage:
    """A staff page, as the admin's index and the staff menu list it."""

    key: str
    title: str
    url_name: str
    permission: str
    description: str = ""
    # The changelists ("app_label.model_name") whose object tools link to this page.
    changelists: tuple[str, ...] = ()
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class TodoItem:
    """One line of the to-do page: how many things wait, and the filtered admin list that shows them.

    ``queryset`` returns the things waiting; the page counts them in one query. ``url_name`` and
    ``query`` give the list, filtered with filters that list declares, so that it shows the same number.
    """

    key: str
    title: str
    permission: str
    queryset: Callable[[], QuerySet]
    url_name: str
    query: dict[str, str] = field(default_factory=dict)
    description: str = ""
    order: int = 100

    def count(self) -> int:
        return self.queryset().count()

    @property
    def url(self) -> str:
        url = reverse(self.url_name)
        return f"{url}?{urlencode(self.query)}" if self.query else url


staff_pages = Registry()
todo_registry = Registry()


def staff_pages_for_changelist(user, model_label: str) -> list[StaffPage]:
    return [page for page in staff_pages.visible_to(user) if model_label in page.changelists]


def staff_landing_url(user) -> str:
    """Where staff land after logging in: the to-do page when they may see it, else the admin."""
    page = next((page for page in staff_pages.visible_to(user) if page.key == "todo"), None)
    return page.url if page else reverse("admin:index")


def todo_counts(user) -> list[tuple[TodoItem, int]]:
    """The to-do items this user may see, with their counts: one query per item, whatever the data."""
    return [(item, item.count()) for item in todo_registry.visible_to(user)]


def register_community_entries() -> None:
    """Community's own staff page and to-do items (called from CommunityConfig.ready)."""
    from django.utils.translation import gettext_lazy as _

    from mailings.models import OutboxMessage, OutboxStatus

    from .models import Member, MembershipInvitation, MemberStatus, Organisation, OrganisationStatus

    staff_pages.register(StaffPage(
        key="todo", title=_("To do"), url_name="community:staff_todo", permission="community.view_member",
        description=_("What waits for the secretariat: approvals, organisations, invitations, failed emails."),
        changelists=("community.member", "community.organisation", "community.membershipinvitation",
                     "mailings.outboxmessage"),
        order=0,
    ))
    for item in (
        TodoItem(
            key="members-pending", title=_("Members waiting for approval"), permission="community.view_member",
            queryset=lambda: Member.objects.filter(status=MemberStatus.PENDING),
            url_name="admin:community_member_changelist", query={"status__exact": MemberStatus.PENDING},
            description=_("Approve or reject them (select, then choose the action)."), order=10,
        ),
        TodoItem(
            key="organisations-proposed", title=_("Proposed organisations to confirm or merge"),
            permission="community.view_organisation",
            queryset=lambda: Organisation.objects.proposed(),
            url_name="admin:community_organisation_changelist", query={"status__exact": OrganisationStatus.PROPOSED},
            description=_("Their members wait until the organisation is confirmed or merged into another."),
            order=20,
        ),
        TodoItem(
            key="invitations-unused", title=_("Invitations not used yet"),
            permission="community.view_membershipinvitation",
            queryset=lambda: MembershipInvitation.objects.pending(),
            url_name="admin:community_membershipinvitation_changelist", query={"accepted_at__isempty": "1"},
            description=_("Send a fresh link to those that have expired."), order=30,
        ),
        TodoItem(
            key="emails-failed", title=_("Emails that could not be sent"), permission="mailings.view_outboxmessage",
            queryset=lambda: OutboxMessage.objects.failed(),
            url_name="admin:mailings_outboxmessage_changelist", query={"status__exact": OutboxStatus.FAILED},
            description=_("Read the error, correct the address if needed, and send them again."), order=40,
        ),
    ):
        todo_registry.register(item)
