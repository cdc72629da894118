"""Who the audiences `it`, `security` and `hr` are, and how long a sink may take.

Kept beside the sinks (not in `lifecycle.settings`) because only notifications need them.
Read from the environment and `.env` like the service settings; errors are reported as
`SettingsError`, one message per variable.

    LIFECYCLE_NOTIFY_IT_EMAIL        it@acme.example        (comma-separated list allowed,
    LIFECYCLE_NOTIFY_SECURITY_EMAIL  security@acme.example   empty: nobody by e-mail)
    LIFECYCLE_NOTIFY_HR_EMAIL        hr@acme.example
    LIFECYCLE_NOTIFY_TIMEOUT_SECONDS 10                      per sink and notification
"""

from __future__ import annotations

import os
import re
from typing import Any, Final

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lifecycle.settings import SettingsError

AUDIENCES: Final = ("it", "security", "hr")

# Deliberately simple: an address the SMTP server can take, and nothing that could smuggle a
# header (no spaces, commas, angle brackets or line breaks).
_ADDRESS = re.compile(r"^[^@\s,<>()\"';]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def is_address(value: str) -> bool:
    return bool(_ADDRESS.match(value))


class NotifyConfig(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIFECYCLE_NOTIFY_",
        env_file=os.environ.get("LIFECYCLE_ENV_FILE", ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        validate_default=True,
    )

    it_email: str = "it@acme.example"
    security_email: str = "security@acme.example"
    hr_email: str = "hr@acme.example"
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @field_validator("it_email", "security_email", "hr_email", mode="before")
    @classmethod
    def _addresses(cls, value: Any) -> str:
        parts = [p.strip() for p in str(value or "").split(",") if p.strip()]
        bad = [p for p in parts if not is_address(p)]
        if bad:
            raise ValueError(
                f"not an e-mail address: {bad[0]!r} (comma-separated addresses, e.g. "
                "it@example.com,helpdesk@example.com)"
            )
        return ",".join(parts)

    def addresses(self, audience: str) -> list[str]:
        """Addresses of a named audience; [] for an unknown name or an empty setting."""
        if audience not in AUDIENCES:
            return []
        value: str = getattr(self, f"{audience}_email")
        return [a for a in value.split(",") if a]


def load_notify_config(**overrides: Any) -> NotifyConfig:
    """Build the config, turning pydantic's errors into one message per variable."""
    try:
        return NotifyConfig(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_input=False, include_url=False):
            name = f"LIFECYCLE_NOTIFY_{err['loc'][0]}".upper() if err["loc"] else "settings"
            problems.append(f"{name}: {str(err['msg']).removeprefix('Value error, ')}")
        raise SettingsError(problems) from None
