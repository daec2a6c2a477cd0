"""The site under its server, as deployed (serve.py, wsgi.py), for tests about what only a
real server does: its workers, its connections, its logs."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Served:
    port: int
    process: subprocess.Popen
    stderr: str = ""  # what the server wrote, once it has stopped

    def workers(self) -> set[int]:
        """The process ids of the workers: the main process's children."""
        found = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # gone meanwhile
                if int(fields[1]) == self.process.pid:
                    found.add(int(entry.name))
        return found


def site_environment(instance: Path, **settings: str) -> dict[str, str]:
    """This process's environment without the site's own settings (nor the tests'
    database), for a process of the site serving `instance` with `settings`."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL"}
        and not name.startswith("NEWSROOM_")
    }
    environment.update(
        NEWSROOM_INSTANCE_PATH=str(instance),
        NEWSROOM_SECRET_KEY="a-secret-for-this-test-only",
        **settings,
    )
    return environment


@contextmanager
def served(instance: Path, **settings: str) -> Iterator[Served]:
    """serve.py serving the site from `instance` with `settings` as its environment's
    NEWSROOM_* and WEB_CONCURRENCY; yields once it listens (the app loaded first: serve.py
    makes it before the workers), and stops it after."""
    port = _free_port()
    environment = site_environment(instance, NEWSROOM_BIND=f"127.0.0.1:{port}", **settings)
    process = subprocess.Popen(
        [sys.executable, "serve.py"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    served = Served(port, process)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket_to(port):
                    break
            except ConnectionRefusedError:
                if process.poll() is not None:
                    raise AssertionError(
                        f"serve.py stopped: {process.stderr.read().decode()}"
                    ) from None
                assert time.monotonic() < deadline, "serve.py didn't listen within 30 s"
                time.sleep(0.1)
        yield served
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
        served.stderr = stderr.decode()


@contextmanager
def socket_to(port: int) -> Iterator[http.client.HTTPConnection]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.connect()
    try:
        yield connection
    finally:
        connection.close()
