from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        from community import steps

        from . import audit, receivers  # noqa: F401 - receivers connect, actions register, on import
        from .steps import WebinarStep

        steps.register(WebinarStep())

        from .views_board import register_staff_page

        register_staff_page()
