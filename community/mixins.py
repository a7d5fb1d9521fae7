from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from . import second_factor


class ApprovedMemberRequiredMixin(LoginRequiredMixin):
    """Member pages: approved members only.

    A pending or rejected member is sent to the page that says so; a signed-in person without a
    membership (staff) gets 403, unless the view allows staff (`allow_staff`, checked again by the view).
    Staff open such a page after their second factor, as in the admin: it shows them what only staff see
    (a proposed organisation's page).
    """

    allow_staff = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.allow_staff and request.user.is_staff:
            redirect_to_second_factor = second_factor.staff_second_factor_redirect(request)
            if redirect_to_second_factor is not None:
                return redirect_to_second_factor
        else:
            if request.member is None:
                raise PermissionDenied
            if not request.member.is_approved:
                return redirect("community:membership_status")
        return super().dispatch(request, *args, **kwargs)
