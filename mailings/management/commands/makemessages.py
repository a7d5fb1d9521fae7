from pathlib import Path

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    """Django's makemessages, also reading the emails' Markdown templates (``templates/**/*.md``), so
    that ``make messages`` (and a plain ``manage.py makemessages``) keeps their strings. Other
    Markdown files (README, docs) are not templates and are left out."""

    def handle(self, *args, **options):
        extensions = options.get("extensions") or ["html", "txt", "py"]
        options["extensions"] = [*extensions, "md"]
        return super().handle(*args, **options)

    def find_files(self, root):
        return [
            found for found in super().find_files(root)
            if not found.file.endswith(".md") or "templates" in Path(found.path).parts
        ]
