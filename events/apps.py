from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        from community import steps

        from . import audit, receivers  # noqa: F401 - receivers connect, actions register, on import
        from .steps import WebinarStep
        from .steps_applications import DaysStep

        steps.register(WebinarStep())
        steps.register(DaysStep())

        from .staff_programme import register_staff_entries as register_programme_staff_entries

        register_programme_staff_entries()

        from . import reviews  # noqa: F401 - registers its audit actions
        from .views_reviews import register_staff_entries as register_review_pages

        register_review_pages()

        from .views_board import register_staff_page

        register_staff_page()
