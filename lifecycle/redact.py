"""Personal data out of text that is logged or kept in error messages: e-mail addresses (an
Okta login is one; also URL-encoded, as in a "get user by login" path) become `<email>`.

One home for the rule: the log handler masks every line with it, and error messages that
end up in Temporal history, `status` and alerts are built with it.
"""

from __future__ import annotations

import re

EMAIL = re.compile(
    r"[A-Za-z0-9._%+\-']+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
)
EMAIL_MASK = "<email>"


def mask_emails(text: str) -> str:
    return EMAIL.sub(EMAIL_MASK, text)
