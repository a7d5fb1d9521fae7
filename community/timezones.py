"""The time zones a person picks from: one canonical ``Area/City`` zone per place, grouped by area.

``zoneinfo.available_timezones()`` lists ~600 names, among them "Factory", "localtime", "W-SU",
"Etc/GMT+5" and old spellings ("Asia/Calcutta"). People pick from ``zone.tab`` (the tz database's
list of places, one or more per country) plus UTC; the old spellings a browser may still report
map to their canonical zone (``ALIASES``, from the links of ``tzdata.zi``). Everything is read once,
at import, from the files ``zoneinfo`` itself reads (its TZPATH, else the ``tzdata`` package).
"""

import unicodedata
import zoneinfo
from datetime import datetime
from importlib import resources
from pathlib import Path

from django.utils.translation import gettext_lazy as _

UTC = "UTC"

# The areas of zone.tab, in the order of the list; their names are translated, the cities' are not.
AREAS = {
    "Africa": _("Africa"),
    "America": _("Americas"),
    "Antarctica": _("Antarctica"),
    "Arctic": _("Arctic"),
    "Asia": _("Asia"),
    "Atlantic": _("Atlantic Ocean"),
    "Australia": _("Australia"),
    "Europe": _("Europe"),
    "Indian": _("Indian Ocean"),
    "Pacific": _("Pacific Ocean"),
}


def reading_key(text: str) -> str:
    """Sort text the way people read names: accents and case aside ("São Paulo" before "Seoul",
    "Île-de-France" among the I's, "eThekwini" among the E's). Python's own order is by code point."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _tz_file(name: str) -> str:
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


def _read_zones(known: frozenset[str]) -> tuple[str, ...]:
    zones = {
        columns[2]
        for line in _tz_file("zone.tab").splitlines()
        if line and not line.startswith("#") and len(columns := line.split("\t")) >= 3
    }
    if not zones:  # no zone.tab anywhere: the Area/City names, without the old spellings
        zones = {name for name in known if name.split("/", 1)[0] in AREAS}
    return tuple(sorted(zone for zone in zones if zone in known and zone.split("/", 1)[0] in AREAS))


def _read_aliases(zones: frozenset[str]) -> dict[str, str]:
    links = {}
    for line in _tz_file("tzdata.zi").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            links[parts[2]] = parts[1]
    aliases = {}
    for alias, target in links.items():
        for _step in range(5):  # a link to a link
            if target in zones or target not in links:
                break
            target = links[target]
        if target in zones and alias not in zones:
            aliases[alias] = target
    for name in ("Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "Etc/GMT", "GMT", "UCT", "Universal", "Zulu"):
        aliases[name] = UTC
    return aliases


KNOWN = frozenset(zoneinfo.available_timezones())
ZONES: tuple[str, ...] = (UTC, *_read_zones(KNOWN))
_ZONE_SET = frozenset(ZONES)
ALIASES: dict[str, str] = _read_aliases(_ZONE_SET)


UTC_ZONE = zoneinfo.ZoneInfo(UTC)


def zone(name, default=UTC_ZONE):
    """The ``ZoneInfo`` named ``name``, or ``default`` when it is blank or unknown (a stored value
    from before a tzdata update, a posted form): pages and emails never fail on a zone."""
    try:
        return zoneinfo.ZoneInfo(name) if name else default
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return default


def canonical(name: str) -> str:
    """The zone of the list for a name: itself, the zone an old spelling links to, or ``name``."""
    return name if name in _ZONE_SET else ALIASES.get(name, name)


def city_label(zone: str) -> str:
    """ "America/Argentina/Buenos_Aires" → "Buenos Aires (Argentina)"."""
    parts = zone.replace("_", " ").split("/")
    if len(parts) == 1:
        return parts[0]
    return parts[-1] if len(parts) == 2 else f"{parts[-1]} ({', '.join(parts[1:-1])})"


def zone_label(value) -> str:
    """The zone a date is given in, as the sign-up list names it ("Toronto", "Buenos Aires (Argentina)",
    "UTC"): from a zone name, a zone, or an aware datetime. Abbreviations ("CET", "-03") are ambiguous
    or missing for many zones; the pages all say it this one way."""
    if isinstance(value, datetime):
        value = value.tzinfo
    name = getattr(value, "key", None) or str(value or "")  # a ZoneInfo's name, or "UTC"
    return city_label(canonical(name)) if name else ""


def _grouped() -> list[tuple[str, list[tuple[str, str]]]]:
    groups = {area: [] for area in AREAS}
    for zone in ZONES[1:]:
        groups[zone.split("/", 1)[0]].append((zone, city_label(zone)))
    return [(area, sorted(items, key=lambda item: reading_key(item[1]))) for area, items in groups.items() if items]


# Area code (untranslated) → [(zone, city label)], sorted by city.
GROUPED_ZONES = _grouped()


def choices():
    """For a ChoiceField: UTC, then one group per area (labels translated when rendered)."""
    return [(UTC, _("UTC (Coordinated Universal Time)")),
            *((AREAS[area], items) for area, items in GROUPED_ZONES)]
