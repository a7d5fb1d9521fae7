"""The WSGI entry runs each request in a frame-stack chunk of its own (portal/wsgi.py): calls that go
back and forth at any depth no longer map a chunk again each time."""

import resource
import sys

from portal.wsgi import OwnFrameChunk


def _down(depth, calls):
    if depth:
        return _down(depth - 1, calls)
    for _ in range(calls):
        _leaf()


def _leaf():
    return None


def _worst_faults(calls=300, depths=range(0, 400)):
    """The most page faults of `calls` calls at one depth, over enough depths to meet a chunk boundary
    (16 KiB chunks, frames of about a dozen 8-byte slots)."""
    worst = 0
    for depth in depths:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        _down(depth, calls)
        worst = max(worst, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    return worst


def test_calls_at_any_depth_stay_in_the_requests_own_chunk():
    inside = OwnFrameChunk(lambda environ, start_response: _worst_faults())(None, None)
    assert inside < 30
    if sys.version_info < (3, 13):  # 3.11 and 3.12 keep the behaviour (security fixes only)
        # What the wrapper is for: at some depth each of the 300 calls mapped a fresh chunk.
        assert _worst_faults() >= 300


def test_the_application_gets_the_request_and_its_answer_is_returned():
    seen = []

    def application(environ, start_response):
        seen.append((environ, start_response))
        return [b"body"]

    environ, start_response = {"PATH_INFO": "/"}, object()
    assert OwnFrameChunk(application)(environ, start_response) == [b"body"]
    assert seen == [(environ, start_response)]


def test_the_production_entry_is_wrapped():
    from config import wsgi

    assert isinstance(wsgi.application, OwnFrameChunk)
