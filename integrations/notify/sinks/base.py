"""What every notification sink is, and the error texts sinks may report.

A sink delivers one rendered `Message` to one channel. It raises on failure; the notifier
turns any exception into a short text for the activity result. Those texts end up in the
workflow history, so they carry no secret and no mail address: sinks raise `SinkError` with
a text they built themselves, and anything else goes through `describe_error`.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from integrations.notify.redact import clean_error_text
from integrations.notify.templates import Message


@runtime_checkable
class Sink(Protocol):
    name: str

    async def send(self, message: Message, audiences: Sequence[str]) -> None:
        """Deliver or raise; must not swallow its own failure."""
        ...


class SinkError(Exception):
    """A delivery failure whose text is safe to report."""


def describe_error(exc: BaseException) -> str:
    """A one-line, secret-free, address-free description of a sink failure."""
    if isinstance(exc, SinkError):
        text = str(exc)
    elif isinstance(exc, TimeoutError):
        text = "timed out"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in exc.recipients.values()})
        text = f"SMTP server refused all {len(exc.recipients)} recipient(s) ({', '.join(codes)})"
    elif isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        reply_text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        text = f"SMTP {exc.smtp_code}: {reply_text}"
    elif isinstance(exc, OSError) and exc.strerror:
        text = f"{type(exc).__name__}: {exc.strerror}"
    else:
        detail = str(exc)
        text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return clean_error_text(text)


def split_audiences(audiences: Sequence[str]) -> tuple[list[str], list[str]]:
    """(named audiences such as "it", explicit addresses), each de-duplicated in order."""
    roles: list[str] = []
    addresses: list[str] = []
    for audience in audiences:
        value = audience.strip()
        if not value:
            continue
        target = addresses if "@" in value else roles
        if value.lower() not in {t.lower() for t in target}:
            target.append(value if "@" in value else value.lower())
    return roles, addresses


def describe_audiences(audiences: Sequence[str]) -> list[str]:
    """Audiences for a log line: named ones as they are, addresses masked."""
    roles, addresses = split_audiences(audiences)
    return roles + [_mask(a) for a in addresses]


def _mask(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
