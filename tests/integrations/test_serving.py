"""A server's port is ours from the moment it is picked: nothing else can bind it (nor land an
outgoing connection on it) before the server starts. CI once lost the reliability suite to a
port picked free, then taken by the Temporal dev server's sockets before the simulator bound it.
"""

from __future__ import annotations

import errno
import socket

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from integrations.serving import PortInUseError, ReservedPort, ThreadedServer, check_port_free


def _app() -> Starlette:
    return Starlette(routes=[Route("/", lambda _request: PlainTextResponse("here"))])


def _bind(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", port))


def test_a_reserved_port_cannot_be_bound_by_anyone_else_until_released() -> None:
    reserved = ReservedPort()
    with pytest.raises(OSError) as caught:
        _bind(reserved.port)
    assert caught.value.errno == errno.EADDRINUSE
    with pytest.raises(PortInUseError):
        check_port_free("127.0.0.1", reserved.port, "a child process")

    reserved.release()
    reserved.release()  # idempotent
    _bind(reserved.port)  # a child process can have it now
    with pytest.raises(RuntimeError, match="already taken or released"):
        reserved.take()


def test_a_threaded_server_holds_its_port_from_construction_and_serves_on_it() -> None:
    server = ThreadedServer(_app(), name="held")
    with pytest.raises(OSError):
        _bind(server.port)  # between construction and start: still ours
    with server:
        assert httpx.get(server.url + "/", timeout=5).text == "here"


def test_an_explicit_port_in_use_is_named_in_the_error() -> None:
    with ThreadedServer(_app(), name="first") as first:
        second = ThreadedServer(_app(), port=first.port, name="second")
        with pytest.raises(PortInUseError, match=rf"port {first.port} .*needed by second"):
            second.start()
