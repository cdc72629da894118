"""E-mail through an SMTP relay: one message per notification to the resolved recipients.

smtplib blocks, so each delivery runs in a worker thread (with smtplib's own socket timeout,
so an abandoned thread still ends). STARTTLS is on by default and never silently skipped:
a server that does not offer it fails the delivery. Port 465 means implicit TLS (SMTPS).
Audiences resolve through `NotifyConfig` ("it", "security", "hr"); explicit addresses (the
manager's) are used as they are when they look like one address.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from pydantic import SecretStr

from integrations.notify.config import NotifyConfig, is_address
from integrations.notify.redact import register_secrets
from integrations.notify.sinks.base import SinkError, split_audiences
from integrations.notify.templates import Message

logger = logging.getLogger(__name__)

SMTPS_PORT = 465


class SmtpSink:
    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        recipients: NotifyConfig,
        user: str | None = None,
        password: SecretStr | None = None,
        starttls: bool = True,
        timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host, self._port = host, port
        self._sender = sender
        self._envelope_from = parseaddr(sender)[1] or sender
        self._recipients = recipients
        self._user = user
        self._password = password
        if password is not None:
            register_secrets(password.get_secret_value())
        self._starttls = starttls
        self._timeout = timeout
        self._tls_context = tls_context

    def __repr__(self) -> str:
        return f"SmtpSink(host={self._host!r}, port={self._port}, user={self._user!r})"

    def resolve(self, audiences: Sequence[str]) -> list[str]:
        """Recipient addresses for `audiences`, de-duplicated, in order."""
        roles, explicit = split_audiences(audiences)
        found: list[str] = []
        for role in roles:
            addresses = self._recipients.addresses(role)
            if not addresses:
                logger.debug("no e-mail address for audience %r", role)
            found += addresses
        for address in explicit:
            if is_address(address):
                found.append(address)
            else:
                logger.warning("skipping a malformed recipient address")
        unique: dict[str, str] = {}
        for address in found:
            unique.setdefault(address.lower(), address)
        return list(unique.values())

    async def send(self, message: Message, audiences: Sequence[str]) -> None:
        recipients = self.resolve(audiences)
        if not recipients:
            named = ", ".join(split_audiences(audiences)[0]) or "none"
            raise SinkError(f"no e-mail recipient for the audiences ({named})")
        email = self.compose(message, recipients)
        await asyncio.to_thread(self._deliver, email, recipients)

    def compose(self, message: Message, recipients: Sequence[str]) -> EmailMessage:
        email = EmailMessage()
        email["Subject"] = message.subject
        email["From"] = self._sender
        email["To"] = ", ".join(recipients)
        email["Date"] = formatdate(usegmt=True)
        # An explicit domain: make_msgid would otherwise do a (slow) FQDN lookup.
        email["Message-ID"] = make_msgid(domain=self._envelope_from.rpartition("@")[2] or None)
        # RFC 3834: keeps vacation auto-replies away from the service's mailbox.
        email["Auto-Submitted"] = "auto-generated"
        email["X-Lifecycle-Event"] = message.event
        if message.severity == "alert":
            email["Importance"] = "high"
        email.set_content(message.text)
        return email

    def _deliver(self, email: EmailMessage, recipients: list[str]) -> None:
        context = self._tls_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if self._port == SMTPS_PORT:
            smtp = smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=context)
        else:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        with smtp:
            smtp.ehlo()
            if self._starttls and self._port != SMTPS_PORT:
                smtp.starttls(context=context)
                smtp.ehlo()
            if self._user:
                password = self._password.get_secret_value() if self._password else ""
                smtp.login(self._user, password)
            refused = smtp.send_message(email, from_addr=self._envelope_from, to_addrs=recipients)
        if refused:
            codes = sorted({str(code) for code, _ in refused.values()})
            raise SinkError(
                f"SMTP server refused {len(refused)} of {len(recipients)} recipient(s) "
                f"({', '.join(codes)})"
            )
