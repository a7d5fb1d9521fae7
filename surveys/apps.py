from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Metropolitan Portrait")

    def ready(self):
        from community import steps

        from . import audit, peer_views, receivers  # noqa: F401 - receivers connect, actions register, on import
        from .staff_views import register_staff_entries
        from .steps import PortraitStep

        steps.register(PortraitStep())
        register_staff_entries()
        peer_views.register_staff_page()
