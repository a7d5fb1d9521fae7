"""Under .ci/run a missing service fails the suite; on a laptop it skips."""

import pytest
from _pytest.outcomes import Failed, Skipped

from ..conftest import require_service


def test_missing_service_fails_when_required(settings):
    settings.PORTAL_REQUIRE_SERVICES = True
    with pytest.raises(Failed, match="required service missing: Redis"):
        require_service("Redis")


def test_missing_service_skips_otherwise(settings):
    settings.PORTAL_REQUIRE_SERVICES = False
    with pytest.raises(Skipped):
        require_service("Redis")
