"""A bounded least-recently-used store of rendered HTML, kept in the process (so a deploy, with new
templates or translations, starts afresh). For HTML whose key names everything it shows: nothing is
ever invalidated, an entry is only pushed out by newer ones."""

from collections import OrderedDict
from threading import Lock


class ProcessLRU:
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = Lock()

    def get(self, key):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def set(self, key, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)
