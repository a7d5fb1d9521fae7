from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Site-wide code that belongs to no domain app: health check, language switch, middleware,
    context processors, admin and import helpers. The lowest layer: it imports no app of the project."""

    name = "portal"  # no models, so no verbose_name to translate

    def ready(self):
        from . import (
            admin_tools,  # noqa: F401 - registers the system check that every admin is guarded
            permissions,
        )

        permissions._connect()
