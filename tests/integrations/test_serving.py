"""A server's port is ours from the moment it is picked: nothing else can bind it (nor land an
outgoing connection on it) before the server starts. CI once lost the reliability suite to a
port picked free, then taken by the Temporal dev server's sockets before the simulator bound it.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from integrations.serving import (
    PortInUseError,
    ReservedPort,
    ThreadedServer,
    check_port_free,
    port_for_child,
)


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


def test_a_port_for_a_child_is_never_one_the_kernel_hands_out_by_itself() -> None:
    """A child process binds its port seconds later, after starting a Temporal dev server: the
    port must come from below the ephemeral range, where port-0 binds and outgoing connections
    never land, and a process never gets the same one twice."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = [port_for_child() for _ in range(20)]
    assert len(set(ports)) == 20
    assert all(port < low for port in ports)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))  # an ephemeral port, as the dev server's sockets get
        assert held.getsockname()[1] >= low
    for port in ports[:3]:
        _bind(port)  # free when handed out
