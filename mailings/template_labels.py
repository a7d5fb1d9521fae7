"""Human names of the outbox's templates, for staff ("Password reset", not
``account/password_reset_key``). The apps that write emails register theirs in ``ready()``
(mailings knows no domain app); a template nobody named is shown with its code made readable."""

from django.utils.translation import gettext_lazy as _

_labels: dict = {
    "error_report": _("Error report to the secretariat"),
}


def register(labels: dict) -> None:
    """``{template code: translated label}``, from an app's ``ready()``."""
    _labels.update(labels)


def label(template: str) -> str:
    if template in _labels:
        return _labels[template]
    # e.g. "portrait_submitted" -> "Portrait submitted", "account/login_code" -> "Login code"
    readable = template.rsplit("/", 1)[-1].replace("_", " ").strip()
    return readable[:1].upper() + readable[1:] if readable else template
