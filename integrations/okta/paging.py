"""Okta's `Link` header paging: follow `rel="next"` until there is none.

The `after` cursor inside the next link is opaque; the client never builds it. A next link
is followed by its path and query only, against the org URL the client was configured
with: a link pointing at another host must never receive the credentials.
"""

from __future__ import annotations

import re

import httpx

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")
_REL = re.compile(r'rel\s*=\s*"?([^";]+)"?', re.IGNORECASE)


def parse_links(values: list[str]) -> dict[str, str]:
    """`Link` header values (one or several, each possibly comma-separated) -> {rel: url}."""
    links: dict[str, str] = {}
    for value in values:
        for match in _LINK.finditer(value):
            url, params = match.group(1).strip(), match.group(2)
            rel = _REL.search(params or "")
            if rel:
                for name in rel.group(1).split():
                    links.setdefault(name.lower(), url)
    return links


def next_link(response: httpx.Response) -> str | None:
    """The path and query of the `rel="next"` link, or None on the last page."""
    url = parse_links(response.headers.get_list("link")).get("next")
    if not url:
        return None
    parsed = httpx.URL(url)
    target = parsed.raw_path.decode("ascii")
    return target or None
