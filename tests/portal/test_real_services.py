"""The real parts: PostgreSQL as the database and Redis as cache and broker.

On a laptop without them these tests skip; under .ci/run (PORTAL_REQUIRE_SERVICES=1) they fail.
"""

import os

import pytest
import redis
from django.db import connection
from django.urls import reverse

from ..conftest import require_service

# One xdist worker runs these: the rate-limit test's cache.clear() empties the whole Redis database.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("redis")]


def redis_test_url():
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    url = redis_test_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        require_service(f"Redis at {url}")
    return url


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        require_service("PostgreSQL (set DATABASE_URL=postgres://...)")


def test_suite_runs_on_postgresql(postgresql):
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    assert int(version.split(".")[0]) >= 13


def test_postgresql_enforces_case_insensitive_unique_email(postgresql):
    from django.db import IntegrityError, transaction

    from community.models import User

    User.objects.create_user("someone@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="SOMEONE@example.org")


def test_login_rate_limit_is_shared_through_redis(client, settings, member, redis_url):
    """allauth's limit on failed logins lives in Redis, so every web process sees the same count."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url,
                    "KEY_PREFIX": f"ratelimit-test-{os.getpid()}"}
    }
    from django.core.cache import cache

    cache.clear()
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": member.user.email, "password": "wrong"})
        assert response.status_code == 200
    response = client.post(reverse("account_login"), {"login": member.user.email, "password": "wrong"})
    assert "Too many failed login attempts" in response.content.decode()
    keys = redis.Redis.from_url(redis_url).keys(f"ratelimit-test-{os.getpid()}*")
    assert keys, "the rate-limit counters are not in Redis"
    cache.clear()


def test_healthz_checks_the_real_broker(client, broker_at, redis_url):
    broker_at(redis_url)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_the_portal_cache_reuses_one_redis_client_and_keeps_every_operation(redis_url):
    """portal.cache.PortalRedisCache: one redis.Redis per pool (Django builds one per call), and the
    cache's operations work as Django's."""
    from portal.cache import PortalRedisCache

    cache = PortalRedisCache(redis_url, {"KEY_PREFIX": f"portal-cache-test-{os.getpid()}"})
    client = cache._cache.get_client()
    assert cache._cache.get_client("any key") is client and cache._cache.get_client(write=True) is client
    cache.set("a", {"b": [1, 2]}, 30)
    assert cache.get("a") == {"b": [1, 2]}
    assert cache.add("a", "other", 30) is False and cache.add("c", 3, 30) is True
    assert cache.get_many(["a", "c", "missing"]) == {"a": {"b": [1, 2]}, "c": 3}
    assert cache.incr("c") == 4
    cache.delete_many(["a", "c"])
    assert cache.get("a") is None and cache.get("c") is None
    assert cache._cache.get_client() is client


def test_production_and_bench_settings_use_the_portal_cache():
    from config.settings.base import caches_for

    assert caches_for("redis://redis.internal:6379/1")["default"]["BACKEND"] == "portal.cache.PortalRedisCache"
