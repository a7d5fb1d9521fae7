"""Under .ci/run a missing service fails the suite; on a laptop it skips."""

from pathlib import Path

import pytest
from _pytest.outcomes import Failed, Skipped

from .conftest import require_service


def test_missing_service_fails_when_required(settings):
    settings.PORTAL_REQUIRE_SERVICES = True
    with pytest.raises(Failed, match="required service missing: Redis"):
        require_service("Redis")


def test_missing_service_skips_otherwise(settings):
    settings.PORTAL_REQUIRE_SERVICES = False
    with pytest.raises(Skipped):
        require_service("Redis")


def test_ci_script_requires_the_services_and_runs_make_test():
    script = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "export PORTAL_REQUIRE_SERVICES=1" in script
    assert "export PORTAL_REQUIRE_BROWSER=1" in script
    assert "\nmake test" in script
    assert "postgres://" in script and "redis://" in script
