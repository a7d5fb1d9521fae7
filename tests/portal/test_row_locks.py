"""A row lock taken on a query that joins other tables (select_related) locks the joined rows too on
PostgreSQL: every RSVP would lock its event, every submission its survey, and they would queue behind
each other. Such a lock must name its own table: ``select_for_update(of=("self",))``."""

import ast
from pathlib import Path

from django.conf import settings

APPS = ["community", "mailings", "surveys", "events", "portal"]


def _chain(node):
    """The method names called along a chain like ``A.objects.x().y().z()``."""
    names = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        names.append((node.func.attr, node))
        node = node.func.value
    return names


def test_no_lock_of_joined_rows():
    offenders = []
    for app in APPS:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                chain = _chain(node)
                calls = dict(chain)
                lock = calls.get("select_for_update")
                if lock is None or "select_related" not in calls:
                    continue
                if not any(keyword.arg == "of" for keyword in lock.keywords):
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}")
    assert sorted(set(offenders)) == []


def test_the_check_finds_a_lock_of_joined_rows():
    planted = ast.parse("Invitation.objects.select_for_update().select_related('event').get(pk=1)")
    call = planted.body[0].value
    assert dict(_chain(call)).keys() >= {"select_for_update", "select_related"}
