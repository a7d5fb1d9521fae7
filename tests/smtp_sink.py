"""A real SMTP server for the tests (aiosmtpd on a free loopback port) that counts by dedupe key."""

import asyncio
import email
import socket
import threading
from collections import Counter

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CountingHandler:
    def __init__(self, refuse_first: int = 0, delay: float = 0.0):
        self.refuse_left = refuse_first
        self.refused = 0
        self.delay = delay
        self.received = Counter()
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.refuse_left > 0:
                self.refuse_left -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            message = email.message_from_bytes(envelope.content)
            self.received[message["X-Portal-Dedupe-Key"]] += 1
            self.messages.append(message)
        return "250 OK"

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())


class SmtpSink:
    def __init__(self, **handler_options):
        self.handler = CountingHandler(**handler_options)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
