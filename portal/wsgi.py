"""The WSGI entry's wrapper: each request runs in a frame-stack chunk of its own (config/wsgi.py).

CPython keeps Python frames on a per-thread stack of chunks (16 KiB by default) and, before the fix of
gh-142183 (in 3.14, backported to 3.13 in March 2026), unmaps a chunk as soon as the frame at its start
returns. A page whose calls go back and forth across a chunk boundary (a cell for each row of a list)
maps a fresh chunk each time: in gunicorn's sync worker the admin's organisation list took about
1,950 page faults and 13 ms of CPU per request, the member list and search about 500. Where the
boundaries fall depends on how deep the server calls the application, so no fixed depth is safe for
every page.

A frame that does not fit in the current chunk gets a new one, of the next power of two above its size
plus 1,000 slots. ``_call_in_own_chunk`` reserves just over half a MiB of (untouched) evaluation
stack, so its chunk is 1 MiB and the request's frames (tens of KiB, even deep in the templates) fit
in the other half: one map and one unmap per request, whatever the depth. Measured by
``bench/wsgi_faults.py``; tests/portal/test_wsgi.py checks the frame gets its chunk.
"""

import types

# The frame's size (its reserved stack plus a few slots), in 8-byte slots: 8 × (size + 1,000) must be
# just over 512 KiB for CPython to round the chunk up to 1 MiB, leaving about 520 KiB for the request.
RESERVED_SLOTS = 64_600


def _call(application, environ, start_response):
    return application(environ, start_response)


_call_in_own_chunk = types.FunctionType(
    _call.__code__.replace(co_stacksize=RESERVED_SLOTS, co_name="_call_in_own_chunk"),
    _call.__globals__,
    "_call_in_own_chunk",
)


class OwnFrameChunk:
    """WSGI middleware: the application called from a frame that starts a 1 MiB chunk of its own."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        return _call_in_own_chunk(self.application, environ, start_response)
