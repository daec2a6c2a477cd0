"""The server the browser tests visit closes every response, even one whose reader left."""

import gc
import socket
import struct
import sys
import time

import pytest

pytestmark = pytest.mark.commits


def test_a_dropped_connection_leaves_no_file_open(live_server, monkeypatch):
    # A browser (Lighthouse does this) asks for a file and resets the connection while the
    # server drains it; the development server alone would leave the file open.
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    host, port = live_server.removeprefix("http://").split(":")
    for _ in range(40):
        reader = socket.create_connection((host, int(port)))
        reader.sendall(b"GET /static/css/site.css HTTP/1.1\r\nHost: localhost\r\n\r\n")
        time.sleep(0.003)
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        reader.close()
    time.sleep(0.5)
    gc.collect()
    assert [str(u.exc_value) for u in unraisable] == []
