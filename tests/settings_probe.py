"""Read settings modules under other environments, several at a time, in one fresh process.

A settings module is read once per process, so a test cannot reload one under another environment in its
own. Each probe used to start a Python of its own (about 0.3 s of CPU before reading anything); one
process now reads every environment a test file asks about: for each, it sets exactly that environment,
imports the module again (every project module is forgotten first, so that none keeps what it read from
the previous environment) and reports the names asked for, or the error that stopped the import.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PROBE = """
import importlib, json, os, sys
PROJECT = {"config", "portal", "mailings", "community", "surveys", "events"}
for module, names, environ in json.loads(sys.stdin.read()):
    os.environ.clear()
    os.environ.update(environ)
    # The settings and any project module they import read the environment when imported: all afresh.
    for loaded in [m for m in sys.modules if m.split(".")[0] in PROJECT]:
        del sys.modules[loaded]
    try:
        settings = importlib.import_module(module)
    except Exception as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
    else:
        print(json.dumps({"values": {name: repr(getattr(settings, name)) for name in names}}))
"""


@dataclass(frozen=True)
class Reading:
    values: dict  # name -> repr() of the setting
    error: str  # "ImproperlyConfigured: ..." when the module refused to load, else ""


def read_settings(cases: list[tuple[str, tuple[str, ...], dict[str, str]]]) -> list[Reading]:
    """``cases``: (settings module, setting names, the whole environment) for each reading."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, input=json.dumps([[m, list(n), e] for m, n, e in cases]),
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(cases), result.stdout
    return [Reading(values=line.get("values", {}), error=line.get("error", "")) for line in lines]
