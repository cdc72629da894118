"""Service settings: one pydantic-settings model read from the environment and `.env`.

The environment variable names are the public interface (documented in `.env.example`).
Secrets are `SecretStr` so they never appear in a repr, a log line or an error message.

Validation happens in two layers:
- type/shape problems (bad URL, unknown mode, non-numeric port) are found when the model is
  built;
- what a *command* needs (the worker needs Okta credentials, the webhook receiver needs the
  signing key...) is checked by `Settings.problems_for(...)`, because `lifecycle sim okta`
  must not fail for lack of a Temporal API key.
Both report through `SettingsError`, one message per problem naming the variable; the CLI
turns that into exit code 2 without a traceback.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Credentials the simulators accept when no real ones are configured (`lifecycle dev`, tests).
# They only ever open the local simulators, so they are not secrets.
SIM_OKTA_TOKEN = "sim-okta-token"
# A second admin's token the Okta simulator accepts (an IT admin changing Okta by hand).
SIM_OKTA_ADMIN_TOKEN = "sim-okta-admin-token"
SIM_BAMBOOHR_KEY = "sim-bamboohr-key"
SIM_WEBHOOK_KEY = "sim-webhook-signing-key"
SIM_OKTA_HOOK_SECRET = "sim-okta-hook-secret"


class Mode(StrEnum):
    DRY_RUN = "dry-run"
    APPLY = "apply"


_WEBHOOK_KEY_REQUIRED = (
    "BAMBOOHR_WEBHOOK_KEY: required to verify webhook signatures "
    "(the privateKey BambooHR returned when the webhook was created)"
)


_OKTA_HOOK_SECRET_REQUIRED = (
    "OKTA_EVENT_HOOK_SECRET: required to check Okta event hook deliveries (the value Okta "
    "sends in the Authorization header; `lifecycle setup okta-hooks` registers it)"
)


class SettingsError(Exception):
    """Raised with one human-readable message per problem; each names its variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


Need = Literal["temporal", "okta", "bamboohr", "webhook", "okta_hooks", "audit", "codec"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=os.environ.get("LIFECYCLE_ENV_FILE", ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        validate_default=True,
    )

    # --- Temporal -------------------------------------------------------------------------
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "employee-lifecycle"
    temporal_api_key: SecretStr | None = None
    temporal_tls_cert_path: Path | None = None
    temporal_tls_key_path: Path | None = None
    temporal_tls_ca_path: Path | None = None

    # --- BambooHR -------------------------------------------------------------------------
    bamboohr_subdomain: str | None = None
    bamboohr_api_key: SecretStr | None = None
    bamboohr_base_url: str | None = None
    bamboohr_webhook_key: SecretStr | None = None
    bamboohr_timeout_seconds: float = Field(default=30.0, gt=0)

    # --- Okta -----------------------------------------------------------------------------
    okta_org_url: str | None = None
    okta_api_token: SecretStr | None = None
    okta_client_id: str | None = None
    okta_private_key_path: Path | None = None
    okta_private_key_id: str | None = None
    okta_scopes: str = "okta.users.manage okta.groups.manage okta.schemas.manage"
    okta_max_concurrency: int = Field(default=20, ge=1, le=200)
    # Share of each rate-limit window left for others (admins, other integrations) in the
    # org. Each point costs throughput: a wave that spills past a window's end waits a minute.
    okta_rate_limit_reserve: float = Field(default=0.02, ge=0, le=0.5)
    okta_timeout_seconds: float = Field(default=30.0, gt=0)
    # Changes made in Okta by someone else (lifecycle/tamper.py). The shared secret Okta sends
    # with every event hook delivery; our own actor ids (changes by them are ours) besides the
    # ones found by asking Okta (`/users/me` for a token, the client id for a service app).
    okta_event_hook_secret: SecretStr | None = None
    okta_actor_ids: str = ""

    # --- Behaviour ------------------------------------------------------------------------
    lifecycle_mode: Mode | None = None
    lifecycle_policy: Path = Path("config/policy.yaml")
    lifecycle_audit_url: str = "sqlite:///.data/audit.db"
    lifecycle_data_dir: Path = Path(".data")
    lifecycle_poll_interval_seconds: int = Field(default=300, ge=10)
    lifecycle_drift_cron: str = "0 3 * * *"
    # The System Log read for changes made in Okta (the fallback for orgs without event
    # hooks; harmless beside them: each event is judged once). 0 turns it off.
    lifecycle_okta_log_poll_seconds: int = Field(default=60, ge=0)
    lifecycle_log_level: str = "INFO"
    lifecycle_log_format: Literal["json", "text"] = "json"

    # --- Webhook receiver -----------------------------------------------------------------
    lifecycle_webhook_host: str = "127.0.0.1"
    lifecycle_webhook_port: int = Field(default=8090, ge=1, le=65535)
    lifecycle_webhook_max_bytes: int = Field(default=262_144, ge=1024)
    lifecycle_webhook_tolerance_seconds: int = Field(default=300, ge=1)
    # --- Okta event hook receiver ---------------------------------------------------------
    lifecycle_okta_hooks_host: str = "127.0.0.1"
    lifecycle_okta_hooks_port: int = Field(default=8091, ge=1, le=65535)

    # --- Local stack (`lifecycle dev`) -----------------------------------------------------
    lifecycle_dev_temporal_port: int = Field(default=7233, ge=1, le=65535)
    lifecycle_dev_ui_port: int = Field(default=8233, ge=1, le=65535)
    lifecycle_sim_okta_port: int = Field(default=8081, ge=1, le=65535)
    lifecycle_sim_okta_admin_token: SecretStr = SecretStr(SIM_OKTA_ADMIN_TOKEN)
    lifecycle_sim_bamboohr_port: int = Field(default=8082, ge=1, le=65535)
    lifecycle_sim_seed: int = 42
    lifecycle_sim_employees: int = Field(default=200, ge=1, le=100_000)

    # --- Observability --------------------------------------------------------------------
    lifecycle_otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_exporter_otlp_endpoint: str | None = None
    lifecycle_metrics_port: int | None = Field(default=None, ge=1, le=65535)

    # --- Payload encryption and codec server ----------------------------------------------
    lifecycle_encryption_keys: SecretStr | None = None
    lifecycle_encryption_key_id: str | None = None
    lifecycle_codec_port: int = Field(default=8089, ge=1, le=65535)
    lifecycle_codec_token: SecretStr | None = None
    lifecycle_codec_cors_origins: str = "http://localhost:8233"

    # --- Notifications --------------------------------------------------------------------
    lifecycle_notify_sinks: str = "log"
    lifecycle_notify_webhook_url: str | None = None
    lifecycle_notify_slack_url: SecretStr | None = None
    lifecycle_smtp_host: str | None = None
    lifecycle_smtp_port: int = Field(default=587, ge=1, le=65535)
    lifecycle_smtp_user: str | None = None
    lifecycle_smtp_password: SecretStr | None = None
    lifecycle_smtp_from: str | None = None
    lifecycle_smtp_starttls: bool = True

    @field_validator(
        "bamboohr_base_url", "okta_org_url", "lifecycle_notify_webhook_url", mode="before"
    )
    @classmethod
    def _url(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        text = str(value).strip().rstrip("/")
        if not text.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL, e.g. https://example.okta.com")
        host = text.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
        if text.startswith("http://") and host not in {"localhost", "127.0.0.1", "::1", "[::1]"}:
            raise ValueError("plain http is only allowed for localhost (simulators); use https")
        return text

    @field_validator(
        "bamboohr_subdomain",
        "okta_client_id",
        "okta_private_key_id",
        "lifecycle_encryption_key_id",
        "lifecycle_smtp_host",
        "lifecycle_smtp_user",
        "lifecycle_smtp_from",
        "otel_exporter_otlp_endpoint",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(
        "temporal_api_key",
        "bamboohr_api_key",
        "bamboohr_webhook_key",
        "okta_api_token",
        "okta_event_hook_secret",
        "lifecycle_encryption_keys",
        "lifecycle_codec_token",
        "lifecycle_notify_slack_url",
        "lifecycle_smtp_password",
        "okta_private_key_path",
        "temporal_tls_cert_path",
        "temporal_tls_key_path",
        "temporal_tls_ca_path",
        "lifecycle_mode",
        "lifecycle_metrics_port",
        mode="before",
    )
    @classmethod
    def _blank_optional(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bamboohr_subdomain")
    @classmethod
    def _subdomain(cls, value: str | None) -> str | None:
        if value is not None and not value.replace("-", "").isalnum():
            raise ValueError("must be the company's BambooHR subdomain (letters, digits, '-')")
        return value

    @field_validator("lifecycle_log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return upper

    # --- Derived values -------------------------------------------------------------------
    @property
    def okta_is_simulated(self) -> bool:
        return self.okta_org_url is None

    @property
    def bamboohr_is_simulated(self) -> bool:
        return self.bamboohr_base_url is None and self.bamboohr_subdomain is None

    @property
    def bamboohr_url(self) -> str | None:
        """Base URL of the BambooHR API (`.../api/v1` is appended by the client)."""
        if self.bamboohr_base_url:
            return self.bamboohr_base_url
        if self.bamboohr_subdomain:
            return f"https://{self.bamboohr_subdomain}.bamboohr.com"
        return None

    @property
    def effective_mode(self) -> Mode:
        """Real credentials default to dry-run until the operator switches to apply."""
        if self.lifecycle_mode is not None:
            return self.lifecycle_mode
        if self.okta_org_url and not _is_local(self.okta_org_url):
            return Mode.DRY_RUN
        return Mode.APPLY

    def problems_for(self, *needs: Need) -> list[str]:
        """Problems that stop a command needing `needs`; one message per problem."""
        problems: list[str] = []
        if "temporal" in needs:
            cert, key = self.temporal_tls_cert_path, self.temporal_tls_key_path
            if (cert is None) != (key is None):
                missing = "TEMPORAL_TLS_KEY_PATH" if key is None else "TEMPORAL_TLS_CERT_PATH"
                problems.append(
                    f"{missing}: must be set together with "
                    f"{'TEMPORAL_TLS_CERT_PATH' if key is None else 'TEMPORAL_TLS_KEY_PATH'}"
                    " (mTLS needs both a client certificate and its key)"
                )
            for name in ("temporal_tls_cert_path", "temporal_tls_key_path", "temporal_tls_ca_path"):
                path = getattr(self, name)
                if path is not None and not path.is_file():
                    problems.append(f"{name.upper()}: file not found: {path}")
        if "okta" in needs:
            problems += self._okta_problems()
        if "bamboohr" in needs and not self.bamboohr_is_simulated:
            if self.bamboohr_api_key is None:
                problems.append(
                    "BAMBOOHR_API_KEY: required when BAMBOOHR_SUBDOMAIN or BAMBOOHR_BASE_URL is set"
                )
        if "webhook" in needs and self.bamboohr_webhook_key is None and not self.bamboohr_is_local:
            problems.append(_WEBHOOK_KEY_REQUIRED)
        if "okta_hooks" in needs and self.okta_event_hook_secret is None:
            if not self.okta_is_simulated and not _is_local(self.okta_org_url or ""):
                problems.append(_OKTA_HOOK_SECRET_REQUIRED)
        if "audit" in needs and not self.lifecycle_audit_url.startswith(
            ("sqlite:///", "postgresql://", "postgres://")
        ):
            problems.append(
                "LIFECYCLE_AUDIT_URL: must start with sqlite:/// or postgresql:// "
                "(e.g. sqlite:///.data/audit.db)"
            )
        if "codec" in needs and self.lifecycle_encryption_keys is None:
            problems.append(
                "LIFECYCLE_ENCRYPTION_KEYS: required for the codec server "
                "(comma-separated key-id:base64-key pairs)"
            )
        return problems

    def _okta_problems(self) -> list[str]:
        problems: list[str] = []
        if self.okta_is_simulated:
            return problems
        if self.okta_api_token is not None and self.okta_client_id is not None:
            problems.append(
                "OKTA_API_TOKEN: set either OKTA_API_TOKEN or OKTA_CLIENT_ID + "
                "OKTA_PRIVATE_KEY_PATH, not both"
            )
        elif self.okta_api_token is None and self.okta_client_id is None:
            problems.append(
                "OKTA_API_TOKEN: required when OKTA_ORG_URL is set "
                "(or use OKTA_CLIENT_ID + OKTA_PRIVATE_KEY_PATH)"
            )
        if self.okta_client_id is not None:
            if self.okta_private_key_path is None:
                problems.append(
                    "OKTA_PRIVATE_KEY_PATH: required with OKTA_CLIENT_ID (private_key_jwt)"
                )
            elif not self.okta_private_key_path.is_file():
                problems.append(
                    f"OKTA_PRIVATE_KEY_PATH: file not found: {self.okta_private_key_path}"
                )
        elif self.okta_private_key_path is not None:
            problems.append("OKTA_CLIENT_ID: required with OKTA_PRIVATE_KEY_PATH")
        return problems

    def require(self, *needs: Need) -> Settings:
        problems = self.problems_for(*needs)
        if problems:
            raise SettingsError(problems)
        return self

    # Credentials as the clients see them: the simulator defaults when simulated.
    def okta_token(self) -> SecretStr | None:
        if self.okta_api_token is not None:
            return self.okta_api_token
        return SecretStr(SIM_OKTA_TOKEN) if self.okta_is_simulated else None

    def bamboohr_key(self) -> SecretStr:
        if self.bamboohr_api_key is not None:
            return self.bamboohr_api_key
        return SecretStr(SIM_BAMBOOHR_KEY)

    @property
    def bamboohr_is_local(self) -> bool:
        """The embedded simulator, or a simulator on this machine (tests, `lifecycle dev`)."""
        url = self.bamboohr_url
        return self.bamboohr_is_simulated or (
            url is not None and urlsplit(url).hostname in {"127.0.0.1", "localhost", "::1"}
        )

    def webhook_key(self) -> SecretStr:
        """The signing key webhooks are checked with. The simulator's well-known key is a
        fallback only for a local simulator: against a real BambooHR it would let anyone who
        has read this repository forge terminations."""
        if self.bamboohr_webhook_key is not None:
            return self.bamboohr_webhook_key
        if self.bamboohr_is_local:
            return SecretStr(SIM_WEBHOOK_KEY)
        raise SettingsError([_WEBHOOK_KEY_REQUIRED])

    def okta_hook_secret(self) -> SecretStr:
        """The secret event hook deliveries must carry. The simulator's well-known value is a
        fallback only for a local Okta: against a real org anyone could forge events."""
        if self.okta_event_hook_secret is not None:
            return self.okta_event_hook_secret
        if self.okta_is_simulated or _is_local(self.okta_org_url or ""):
            return SecretStr(SIM_OKTA_HOOK_SECRET)
        raise SettingsError([_OKTA_HOOK_SECRET_REQUIRED])

    @property
    def own_okta_actor_ids(self) -> list[str]:
        return [part.strip() for part in self.okta_actor_ids.split(",") if part.strip()]

    def environment(self) -> dict[str, str]:
        """The values set explicitly, as the environment variables they load from: a child
        process (worker, webhook receiver) started with them loads these same settings."""
        env: dict[str, str] = {}
        for name in sorted(self.model_fields_set):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, StrEnum):
                value = value.value
            elif isinstance(value, bool):
                value = "true" if value else "false"
            env[name.upper()] = str(value)
        return env

    def secret_values(self) -> list[str]:
        """Every configured secret value; tests scan output for them."""
        values = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                values.append(value.get_secret_value())
        return values


def _is_local(url: str) -> bool:
    host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host in {"localhost", "127.0.0.1", "::1", "[::1]"}


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning pydantic's errors into one message per variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_input=False, include_url=False):
            name = str(err["loc"][0]).upper() if err["loc"] else "settings"
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise SettingsError(problems) from None
