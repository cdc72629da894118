"""Real receivers for the notification sinks: an HTTP endpoint and an SMTP server.

`HookReceiver` is a Starlette app on `ThreadedServer` that records every POST (any path) and
answers with the status configured for that path (200 by default). `SmtpTestServer` is a
small asyncio SMTP server on its own thread speaking EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA,
RSET, NOOP and QUIT — enough for smtplib — and can be told to refuse at the greeting, at
RCPT or after DATA. No STARTTLS: tests turn it off (and check a sink that wants it fails).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from integrations.serving import ThreadedServer

# Addresses the tests configure for the named audiences.
IT, SECURITY, HR = "it-desk@corp.example", "secops@corp.example", "people@corp.example"

# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    json: Any


class HookReceiver:
    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.status: dict[str, int] = {}  # path -> status to answer
        app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])
        self.server = ThreadedServer(app, name="notify-receiver")

    async def _receive(self, request: Request) -> PlainTextResponse:
        path = "/" + request.path_params["path"]
        self.posts.append(Post(path, dict(request.headers), await request.json()))
        status = self.status.get(path, 200)
        return PlainTextResponse("ok" if status < 400 else "no_service", status_code=status)

    def url(self, path: str) -> str:
        return self.server.url + path

    def posts_to(self, path: str) -> list[Post]:
        return [p for p in self.posts if p.path == path]

    def start(self) -> HookReceiver:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()


# --- SMTP ------------------------------------------------------------------------------------

Refusal = Literal["greeting", "rcpt", "data"] | None


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_to: list[str]
    raw: bytes
    auth_user: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpTestServer:
    refuse: Refusal = None
    users: dict[str, str] = field(default_factory=dict)  # non-empty: AUTH PLAIN required
    host: str = "127.0.0.1"
    port: int = 0
    mails: list[ReceivedMail] = field(default_factory=list)
    failed_logins: list[str] = field(default_factory=list)

    def start(self) -> SmtpTestServer:
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            server = self._loop.run_until_complete(
                self._loop.create_server(lambda: _Session(self), self.host, 0)
            )
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            server.close()
            self._loop.close()

        self._thread = threading.Thread(target=run, name="smtp-test-server", daemon=True)
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError("SMTP test server did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


class _Session(asyncio.Protocol):
    def __init__(self, server: SmtpTestServer) -> None:
        self.server = server
        self.buffer = b""
        self.in_data = False
        self.awaiting_auth = False
        self.data_lines: list[bytes] = []
        self.mail_from: str | None = None
        self.rcpt_to: list[str] = []
        self.user: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.server.refuse == "greeting":
            self.reply("554 5.3.2 service refused for this test")
            transport.close()
        else:
            self.reply("220 notify-test ESMTP")

    def reply(self, line: str) -> None:
        self.transport.write(line.encode() + b"\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            if self.in_data:
                self.data_line(line)
            elif self.awaiting_auth:
                self.awaiting_auth = False
                self.check_login(line.decode())
            else:
                self.command(line.decode("utf-8", "replace"))

    def data_line(self, line: bytes) -> None:
        if line != b".":
            self.data_lines.append(line[1:] if line.startswith(b".") else line)
            return
        self.in_data = False
        if self.server.refuse == "data":
            self.reply("554 5.7.1 message rejected for this test")
        else:
            self.server.mails.append(
                ReceivedMail(
                    self.mail_from or "",
                    list(self.rcpt_to),
                    b"\r\n".join(self.data_lines) + b"\r\n",
                    self.user,
                )
            )
            self.reply("250 2.0.0 queued")
        self.mail_from, self.rcpt_to, self.data_lines = None, [], []

    def command(self, line: str) -> None:
        verb, _, arg = line.partition(" ")
        verb = verb.upper()
        if verb == "EHLO":
            extensions = ["8BITMIME"] + (["AUTH PLAIN"] if self.server.users else [])
            lines = ["notify-test", *extensions]
            for ext in lines[:-1]:
                self.reply(f"250-{ext}")
            self.reply(f"250 {lines[-1]}")
        elif verb == "HELO":
            self.reply("250 notify-test")
        elif verb == "AUTH":
            mechanism, _, initial = arg.partition(" ")
            if mechanism.upper() != "PLAIN":
                self.reply("504 5.5.4 mechanism not supported")
            elif initial:
                self.check_login(initial)
            else:
                self.awaiting_auth = True
                self.reply("334 ")
        elif verb == "MAIL":
            if self.server.users and self.user is None:
                self.reply("530 5.7.0 authentication required")
                return
            self.mail_from = _address(arg)
            self.reply("250 2.1.0 ok")
        elif verb == "RCPT":
            if self.mail_from is None:
                self.reply("503 5.5.1 need MAIL first")
            elif self.server.refuse == "rcpt":
                self.reply(f"550 5.1.1 <{_address(arg)}>: recipient address rejected")
            else:
                self.rcpt_to.append(_address(arg))
                self.reply("250 2.1.5 ok")
        elif verb == "DATA":
            if not self.rcpt_to:
                self.reply("503 5.5.1 need RCPT first")
            else:
                self.in_data = True
                self.reply("354 end data with <CR><LF>.<CR><LF>")
        elif verb in {"RSET", "NOOP"}:
            if verb == "RSET":
                self.mail_from, self.rcpt_to = None, []
            self.reply("250 2.0.0 ok")
        elif verb == "QUIT":
            self.reply("221 2.0.0 bye")
            self.transport.close()
        else:
            self.reply("502 5.5.2 command not implemented")

    def check_login(self, encoded: str) -> None:
        try:
            _, user, password = base64.b64decode(encoded).decode().split("\0")
        except (ValueError, binascii.Error):
            self.reply("501 5.5.2 cannot decode")
            return
        if self.server.users.get(user) == password:
            self.user = user
            self.reply("235 2.7.0 authentication successful")
        else:
            self.server.failed_logins.append(user)
            self.reply("535 5.7.8 authentication credentials invalid")


def _address(arg: str) -> str:
    """`FROM:<a@b> BODY=8BITMIME` -> `a@b`."""
    _, _, rest = arg.partition(":")
    return rest.strip().split(" ", 1)[0].strip("<>")
