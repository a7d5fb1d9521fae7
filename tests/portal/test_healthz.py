"""Security issue #6, item 8: /healthz names no exception class (nor message) to its callers."""

import logging

import pytest

pytestmark = pytest.mark.django_db


class SecretBackendError(Exception):
    pass


def test_healthz_failure_names_nothing_but_logs_the_cause(client, monkeypatch, caplog):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise SecretBackendError("password authentication failed for user portal at db.internal")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    with caplog.at_level(logging.ERROR, logger="portal.views"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["checks"]["database"] == "error"
    body = response.content.decode()
    assert "SecretBackendError" not in body and "db.internal" not in body
    # Operators still find the cause in the log.
    assert any(record.exc_info and record.exc_info[0] is SecretBackendError for record in caplog.records)


def test_healthz_broker_failure_names_nothing(client, unreachable_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"
