from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self):
        from . import checks, receivers, steps  # noqa: F401 - receivers and checks register on import
        from .staff import register_community_entries

        # The dashboard's own steps; surveys and events register theirs in their ready().
        steps.register(steps.ProfileStep())
        register_community_entries()
