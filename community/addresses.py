"""Email addresses in one canonical form, so that look-alikes cannot become a second account.

Every address the portal stores or compares (sign-up, allauth's add-email, invitations, imports,
the admin forms, ``User.objects.create_user``) goes through ``normalize_email``. Pure functions: the
data migration that reports existing look-alikes imports this module too.
"""

import contextlib
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Characters that render as nothing (or as a blank) but are not Unicode "format" (Cf) characters.
# Mail systems and IDNA drop several of them, so "ana@x\u200b.org" is delivered to ana@x.org.
_OTHER_INVISIBLES = {
    "\u034f",  # combining grapheme joiner
    "\u115f", "\u1160", "\u3164", "\uffa0",  # Hangul fillers
    "\u17b4", "\u17b5",  # Khmer inherent vowels
    "\u180b", "\u180c", "\u180d", "\u180f",  # Mongolian variation selectors
    "\u2800",  # braille blank
    *(chr(code) for code in range(0xFE00, 0xFE10)),  # variation selectors
}
# Cf: format (U+200B-U+200D, U+2060, U+FEFF, U+00AD...); Cc: controls; Co/Cs/Cn: private, surrogates,
# unassigned; Z*: spaces and separators (an address has none).
_REFUSED_CATEGORIES = {"Cf", "Cc", "Co", "Cs", "Cn", "Zs", "Zl", "Zp"}

INVALID_MESSAGE = _("Enter a valid email address.")
INVISIBLE_MESSAGE = _(
    "This email address contains a space, an invisible or a formatting character. Type it again by hand."
)


def _has_invisible(value: str) -> bool:
    return any(
        unicodedata.category(char) in _REFUSED_CATEGORIES or char in _OTHER_INVISIBLES
        or 0xE0000 <= ord(char) <= 0xE0FFF  # tags and variation selectors supplement
        for char in value
    )


def normalize_email(value: str) -> str:
    """The canonical form of an address: NFKC, no invisible characters, the domain in IDNA (ASCII),
    all in lower case. Raises ValidationError (a message for the form) for what cannot be normalised."""
    if not isinstance(value, str):
        raise ValidationError(INVALID_MESSAGE, code="invalid")
    value = value.strip()
    if _has_invisible(value):
        raise ValidationError(INVISIBLE_MESSAGE, code="invisible")
    value = unicodedata.normalize("NFKC", value)
    if _has_invisible(value):  # NFKC can produce some (e.g. from compatibility spaces)
        raise ValidationError(INVISIBLE_MESSAGE, code="invisible")
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(INVALID_MESSAGE, code="invalid")
    try:
        # Python's IDNA codec (nameprep) lower-cases and maps; invisibles were refused above.
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(INVALID_MESSAGE, code="invalid") from None
    return f"{local.lower()}@{ascii_domain.lower()}"


def lookalike_key(value: str) -> str:
    """What an address looks like to a person: invisibles dropped, NFKC, IDNA, lower case. Two stored
    addresses with the same key but different text are look-alikes (one may be an impostor)."""
    value = "".join(char for char in (value or "") if not _has_invisible(char))
    value = unicodedata.normalize("NFKC", value).strip()
    local, _at, domain = value.rpartition("@")
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    return f"{local.casefold()}@{domain.casefold()}"


def lookalike_groups(addresses) -> list[list[str]]:
    """Groups of two or more different addresses that look the same, each group sorted."""
    by_key: dict[str, set[str]] = {}
    for address in addresses:
        by_key.setdefault(lookalike_key(address), set()).add(address)
    return sorted(sorted(group) for group in by_key.values() if len(group) > 1)


def lookalike_report(*, users, email_addresses, invitations) -> list[str]:
    """One line per group of look-alike addresses among accounts (``users``: User rows), allauth's
    addresses and pending invitations, saying where each one is used. Takes querysets, so that the
    data migration (historical models) and ``find_lookalike_accounts`` share it; reads only."""
    where: dict[str, list[str]] = {}
    for pk, email in users.values_list("pk", "email"):
        where.setdefault(email, []).append(f"account #{pk}")
    for user_id, email in email_addresses.values_list("user_id", "email"):
        where.setdefault(email, []).append(f"address of account #{user_id}")
    for pk, email in invitations.filter(accepted_at__isnull=True).values_list("pk", "email"):
        where.setdefault(email, []).append(f"pending invitation #{pk}")
    lines = []
    for group in lookalike_groups(where):
        # ascii(): the invisible character is shown as \u200b rather than hidden again.
        lines.append(" ~ ".join(f"{ascii(address)[1:-1]} ({', '.join(where[address])})" for address in group))
    return lines
