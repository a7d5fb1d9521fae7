"""The secretariat's staff pages (see community/staff.py for the mixin and the registries)."""

from django.views.generic import TemplateView

from .staff import StaffPermissionRequiredMixin, todo_counts


class StaffTodoView(StaffPermissionRequiredMixin, TemplateView):
    """The secretariat's front page: what waits, each count linked to the filtered admin list."""

    permission_required = "community.view_member"
    template_name = "staff/todo.html"

    def get_template_names(self):
        # htmx's "Refresh" swaps only the list of items.
        if self.request.htmx:
            return ["staff/_todo_items.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        return super().get_context_data(todo_items=todo_counts(self.request.user), **kwargs)
