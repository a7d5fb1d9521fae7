from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


class ApprovedMemberRequiredMixin(LoginRequiredMixin):
    """Member pages: approved members only.

    A pending or rejected member is sent to the page that says so; a signed-in person without a
    membership (staff) gets 403, unless the view allows staff (`allow_staff`, checked again by the view).
    """

    allow_staff = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not (self.allow_staff and request.user.is_staff):
            if request.member is None:
                raise PermissionDenied
            if not request.member.is_approved:
                return redirect("community:membership_status")
        return super().dispatch(request, *args, **kwargs)
