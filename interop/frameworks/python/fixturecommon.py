"""Helpers shared by the Django and Flask fixtures: the users file, the counters and the test-only contract.

The contract every fixture of interop/frameworks serves (see README.md):
    GET  /test/info        {"app", "instance", "versions"}
    GET  /test/counters    {"counts": {KEY: N}, "login_posts": {USER: N}, "logins_ok": {...}, "logins_failed": {...}}
    POST /test/expire-all  ends every server session: {"expired": N}
"""

import os
import threading


def read_users(path):
    """Returns [(name, email, password)] from the users file (testdata/users.txt)."""
    users = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            name, email, password = line.split(" ", 2)
            users.append((name, email, password))
    return users


class Counters:
    """Thread-safe counters of the fixture, keyed by counter name and then by key (a POST key or a user name)."""

    NAMES = ("counts", "login_posts", "logins_ok", "logins_failed")

    def __init__(self):
        self._lock = threading.Lock()
        self._data = {name: {} for name in self.NAMES}

    def add(self, name, key):
        key = key if isinstance(key, str) else ""
        with self._lock:
            m = self._data[name]
            m[key] = m.get(key, 0) + 1
            return m[key]

    def snapshot(self):
        with self._lock:
            return {name: dict(m) for name, m in self._data.items()}


def loopback(addr):
    """Reports whether a remote address is on the loopback interface (the test-only endpoints serve only those)."""
    return addr == "::1" or (addr or "").startswith("127.")


def env(name):
    """Returns a LIMPET_FW_* setting that start.sh passes to every fixture."""
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is not set; start the fixture with interop/frameworks/start.sh")
    return value
