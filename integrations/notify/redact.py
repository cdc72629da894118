"""Keeping secrets (the Slack webhook URL, the SMTP password) out of logs and error texts.

A Slack incoming-webhook URL *is* the credential, and httpx logs every request URL at INFO
level; SMTP servers may echo parts of a failed login. Every sink registers its secrets here:
`scrub` removes them from the error texts the notifier returns, and a filter installed on the
HTTP libraries' loggers rewrites their records before any handler sees them.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

MASK = "***"
_MAX_ERROR_CHARS = 300
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# Secrets shorter than this would mask innocent substrings ("x", "1"), and are not worth much.
_MIN_SECRET_CHARS = 4


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: tuple[str, ...] = ()

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            merged = set(self._values) | {v for v in values if len(v) >= _MIN_SECRET_CHARS}
            # Longest first: a URL is masked whole before its path would be.
            self._values = tuple(sorted(merged, key=len, reverse=True))

    @property
    def values(self) -> tuple[str, ...]:
        return self._values


_registry = _Registry()


def secret_forms(value: str) -> list[str]:
    """The value plus the parts of it that are secret on their own (a webhook URL's path)."""
    forms = [value]
    if value.startswith(("http://", "https://")):
        parts = urlsplit(value)
        if len(parts.path) > 1:
            forms.append(parts.path + (f"?{parts.query}" if parts.query else ""))
            forms.append(parts.path)
        if parts.query:
            forms.append(parts.query)
    return forms


def register_secrets(*values: str | None) -> None:
    """Remember secret values process-wide and make sure HTTP library logs are filtered."""
    forms = [form for value in values if value for form in secret_forms(value)]
    if forms:
        _registry.add(forms)
        install_log_filter()


def scrub(text: str, extra: Iterable[str] = ()) -> str:
    for value in (*_registry.values, *extra):
        if value and value in text:
            text = text.replace(value, MASK)
    return text


def mask_addresses(text: str) -> str:
    """Error texts end up in activity results (workflow history): no mail addresses there."""
    return _ADDRESS.sub("<address>", text)


def clean_error_text(text: str) -> str:
    text = mask_addresses(scrub(" ".join(text.split())))
    if len(text) > _MAX_ERROR_CHARS:
        text = text[: _MAX_ERROR_CHARS - 1] + "…"
    return text


class SecretFilter(logging.Filter):
    """Rewrites a record's message with every registered secret masked; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _registry.values:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's problem, not ours
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# Filters apply only to records logged on that exact logger (not to children), hence the list.
_FILTERED_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
_filter = SecretFilter()


def install_log_filter() -> None:
    """Idempotent: attach the filter to the loggers of the libraries that see our secrets."""
    for name in _FILTERED_LOGGERS:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
