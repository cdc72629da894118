"""Parsing and masking of `LIFECYCLE_AUDIT_URL`.

Accepted forms:
- `sqlite:///relative/path.db` (relative to the working directory), `sqlite:////abs/path.db`,
  `sqlite:///:memory:` (tests only: nothing survives the process);
- `postgresql://user:password@host:5432/db?...` or `postgres://...` (any libpq URI; e.g.
  `?options=-csearch_path%3Daudit` keeps the tables in the schema `audit`).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from integrations.audit.errors import AuditStoreError

SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
_MASK = "***"
_SECRET_PARAMS = {"password", "sslpassword"}


def mask_url(url: str) -> str:
    """The URL with its password (userinfo or `password=` parameter) replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        # Unparseable: show only the scheme; the rest could hold anything.
        return url.split(":", 1)[0] + "://" + _MASK
    netloc, query, changed = parts.netloc, parts.query, False
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:{_MASK}@{hostport}"
            changed = True
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(key.lower() in _SECRET_PARAMS for key, _ in pairs):
            masked = [(k, _MASK if k.lower() in _SECRET_PARAMS else v) for k, v in pairs]
            query = urlencode(masked, safe="*")
            changed = True
    if not changed:
        return url  # rebuilding would alter e.g. sqlite:////abs/path
    text = f"{parts.scheme}://{netloc}{parts.path}"
    if query:
        text += f"?{query}"
    if parts.fragment:
        text += f"#{parts.fragment}"
    return text


def url_secrets(url: str) -> list[str]:
    """Every form in which the URL's password could be echoed back by a driver."""
    found: list[str] = []
    try:
        parts = urlsplit(url)
    except ValueError:
        return found
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if ":" in userinfo:
        found.append(userinfo.split(":", 1)[1])
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in _SECRET_PARAMS:
            found.append(value)
    for raw in list(found):
        found.append(unquote(raw))
    # Longest first, so a password containing another is replaced whole.
    return sorted({s for s in found if s}, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """`text` with every secret replaced by `***`."""
    for secret in secrets:
        text = text.replace(secret, _MASK)
    return text


def sqlite_path(url: str) -> str:
    """The file path of a `sqlite:///` URL (`:memory:` kept as is)."""
    if not url.startswith(SQLITE_PREFIX):
        raise AuditStoreError(
            f"not a SQLite URL: {mask_url(url)} (expected sqlite:///path/to/audit.db)"
        )
    path, _, query = url[len(SQLITE_PREFIX) :].partition("?")
    if query:
        raise AuditStoreError(f"SQLite audit URL takes no parameters: {mask_url(url)}")
    path = unquote(path)
    if not path:
        raise AuditStoreError(
            "SQLite audit URL names no file (expected sqlite:///path/to/audit.db)"
        )
    if path == ":memory:":
        return path
    return str(Path(path))


def is_postgres_url(url: str) -> bool:
    return url.startswith(POSTGRES_PREFIXES)
