"""Starting and stopping the servers the benchmarks drive: loopback ports, process groups,
logs. Shared by run.py (`make bench`) and scale_out.py."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

HOST = "127.0.0.1"


class ServerFailed(RuntimeError):
    """A server exited or never answered; the message carries the end of its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(found, os.X_OK):
        raise RuntimeError("nginx is not installed (bench/run.sh installs it)")
    return found


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_group(process: subprocess.Popen, name: str, grace: float = 15.0) -> None:
    """SIGTERM the process group (the process started it), then SIGKILL what is left."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in {grace:.0f} s; killing it", flush=True)
    # Workers outlive a killed master only if something went wrong: make sure of it.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def wait_until_answers(port: int, process: subprocess.Popen, log: Path, path: str = "/") -> None:
    """Poll until the server answers below 500, for 60 s at most."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(
                f"server on :{port} exited ({process.returncode}); see {log}:\n" + tail(log)
            )
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            try:
                connection.request("GET", path)
                if connection.getresponse().status < 500:
                    return
            finally:
                connection.close()
        time.sleep(0.25)
    raise ServerFailed(f"server on :{port} did not answer within 60 s; see {log}:\n" + tail(log))


@contextlib.contextmanager
def started(
    command: list[str], env: dict, log: Path, port: int, name: str, cwd: Path
) -> Iterator[subprocess.Popen]:
    """Run `command` in its own process group until the block ends, once it answers on `port`."""
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_answers(port, process, log)
        yield process
    finally:
        stop_group(process, name)
