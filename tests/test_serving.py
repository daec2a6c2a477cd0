"""gunicorn's workers share the connections of a few kept-alive clients
(newsroom/serving.py), and a worker that pauses accepting still takes every connection."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack

import pytest

from newsroom.serving import MAX_ACCEPT_PAUSE, FairWorker, accept_pause
from tests.gunicorn_process import gunicorn, socket_to

pytestmark = pytest.mark.commits

CLIENT_AND_WORKER = "%({x-client}i)s %(p)s"


def _ask(connection, client: str) -> None:
    connection.request("GET", "/healthz", headers={"X-Client": client})
    response = connection.getresponse()
    response.read()
    assert response.status == 200


def _workers_of(log) -> dict[str, set[str]]:
    """Each client's workers, by their process ids, from gunicorn's access log."""
    served: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        client, worker = line.split()
        served.setdefault(client, set()).add(worker.strip("<>"))
    return served


def _held_open(stack: ExitStack, port: int, clients: int) -> list:
    """`clients` connections opened at once, each asked once and kept alive."""
    connections = [stack.enter_context(socket_to(port)) for _ in range(clients)]
    for number, connection in enumerate(connections):
        _ask(connection, f"client-{number}")
    return connections


def _client(port: int, name: str, until: float) -> None:
    """A browser that keeps its connection alive and asks again as soon as answered."""
    with socket_to(port) as connection:
        while time.monotonic() < until:
            _ask(connection, name)


def test_four_kept_alive_clients_are_shared_by_the_workers(tmp_path):
    # Four clients connect at once and keep asking, as four moderators' browsers (or the
    # benchmark's load) do; three workers, as on a 2-core machine.
    log = tmp_path / "access.log"
    logging = ("--access-logfile", str(log), "--access-logformat", CLIENT_AND_WORKER)
    with gunicorn(tmp_path, *logging, WEB_CONCURRENCY="3") as served:
        time.sleep(1)  # every worker up and listening
        until = time.monotonic() + 1
        clients = [
            threading.Thread(target=_client, args=(served.port, f"client-{n}", until))
            for n in range(4)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
    workers = _workers_of(log)
    assert all(len(each) == 1 for each in workers.values()), workers  # kept alive
    held = Counter(next(iter(workers[f"client-{n}"])) for n in range(4))
    assert len(held) == 3, f"three workers, and the four clients held by {len(held)}"


def test_a_worker_holding_many_connections_still_takes_new_ones(tmp_path):
    with gunicorn(tmp_path, WEB_CONCURRENCY="1") as served, ExitStack() as stack:
        _held_open(stack, served.port, 10)
        # The one worker pauses after each; the newcomer is served all the same.
        with socket_to(served.port) as newcomer:
            _ask(newcomer, "newcomer")


def test_a_new_client_is_served_after_a_worker_is_killed(tmp_path):
    log = tmp_path / "access.log"
    logging = ("--access-logfile", str(log), "--access-logformat", CLIENT_AND_WORKER)
    with gunicorn(tmp_path, *logging, WEB_CONCURRENCY="2") as served, ExitStack() as stack:
        time.sleep(1)
        _held_open(stack, served.port, 4)
        killed = next(iter(_workers_of(log)["client-0"]))
        os.kill(int(killed), signal.SIGKILL)
        with socket_to(served.port) as newcomer:
            _ask(newcomer, "newcomer")
    assert _workers_of(log)["newcomer"] != {killed}


def test_the_pause_grows_with_the_connections_held_and_is_bounded():
    assert accept_pause(0) == 0
    assert 0 < accept_pause(1) < accept_pause(2) < accept_pause(4)
    assert accept_pause(1000) == MAX_ACCEPT_PAUSE


@pytest.fixture
def worker():
    """A FairWorker in this process, listening on a free port, that keeps the
    connections it accepts in `worker.taken` instead of serving them."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    config = Config()
    listener = socket.create_server(("127.0.0.1", 0))
    worker = FairWorker(0, os.getpid(), [listener], None, 30, config, Logger(config))
    worker.poller = selectors.DefaultSelector()
    worker.method_queue.init()
    worker.taken = []
    worker.enqueue_req = worker.taken.append
    yield worker
    for conn in worker.taken:
        conn.close()
    worker.poller.close()
    worker.method_queue.close()
    worker.tmp.close()
    listener.close()


def _listening(worker) -> bool:
    return any(key.fileobj in worker.sockets for key in worker.poller.get_map().values())


def test_a_worker_stops_listening_after_a_connection_and_listens_again_after_the_pause(
    worker,
):
    worker.set_accept_enabled(True)
    port = worker.sockets[0].getsockname()[1]
    with socket.create_connection(("127.0.0.1", port)):
        worker.wait_for_and_dispatch_events(timeout=5)
        assert len(worker.taken) == 1
        assert not _listening(worker)
        worker.set_accept_enabled(True)  # what the worker's loop asks at once
        assert not _listening(worker)

        started = time.monotonic()
        worker.wait_for_and_dispatch_events(timeout=5)  # woken by the pause's end
        assert time.monotonic() - started < 2
        worker.set_accept_enabled(True)
        assert _listening(worker)


# A worker's threads asking for the queue's first page at once, in a process that has built
# none of its statements yet: each thread builds and compiles them. The switch interval of a
# microsecond makes the threads take turns inside SQLAlchemy's own first-time work.
FIRST_PAGES_AT_ONCE = """
import sys, threading
from newsroom.moderation import queue
errors, start = [], threading.Barrier(8)
def first_page():
    start.wait()
    try:
        statement = queue._queue_query(False, False, False, False, False, "", False, True, 26)
        queue._plain(statement, frozenset({"status"}))
    except Exception as error:
        errors.append(repr(error))
sys.setswitchinterval(1e-6)
threads = [threading.Thread(target=first_page) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(errors), errors[:1])
"""


def test_a_workers_threads_can_build_the_queues_statements_at_once():
    # While each thread built the statement itself, they failed in about four processes in
    # ten ("Can't determine which FROM clause to join from", or a column of an alias not
    # found), and the worker kept the broken statement: a fifth of the bench's queue pages
    # answered 500. Now one thread builds it (plainsql.built_once) and the others wait.
    outputs = [
        subprocess.run(
            [sys.executable, "-c", FIRST_PAGES_AT_ONCE],
            capture_output=True,
            text=True,
            timeout=60,
        )
        for _ in range(6)
    ]
    # Nothing raised, and SQLAlchemy never warned that a column was not found in its alias.
    assert [run.stdout.strip() for run in outputs] == ["0 []"] * 6, outputs
    assert not [run.stderr for run in outputs if "Did not locate" in run.stderr]
