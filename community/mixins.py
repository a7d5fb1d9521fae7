from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from .models import MemberStatus


class ApprovedMemberRequiredMixin(LoginRequiredMixin):
    """Member pages: approved members only.

    A pending or rejected member is sent to the page that says so; a signed-in person without a
    membership (staff) gets 403, unless the view allows staff (`allow_staff`, checked again by the view).
    """

    allow_staff = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        member = request.member
        if member is None:
            if self.allow_staff and request.user.is_staff:
                return super().dispatch(request, *args, **kwargs)
            raise PermissionDenied
        if member.status != MemberStatus.APPROVED:
            if self.allow_staff and request.user.is_staff:
                return super().dispatch(request, *args, **kwargs)
            return redirect("community:membership_status")
        return super().dispatch(request, *args, **kwargs)
