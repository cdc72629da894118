"""Telemetry set-up: which exporter the settings choose, URL redaction for HTTP spans, and
a traced process exporting a redacted HTTP span with the console exporter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import ConsoleSpanExporter

from lifecycle.settings import Settings, SettingsError
from workers.telemetry import build_tracer_provider, redact_path, redact_url, span_exporter

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/users/ada.lovelace%40acme.example", "/api/v1/users/{login}"),
        ("/api/v1/users/ada.lovelace@acme.example", "/api/v1/users/{login}"),
        ("/api/v1/users/adalovelace", "/api/v1/users/{login}"),
        ("/api/v1/users/00u1abcdEFGH2345ijkl", "/api/v1/users/00u1abcdEFGH2345ijkl"),
        (
            "/api/v1/users/00u1abcdEFGH2345ijkl/lifecycle/deactivate",
            "/api/v1/users/00u1abcdEFGH2345ijkl/lifecycle/deactivate",
        ),
        (
            "/api/v1/groups/00g1abcdEFGH2345ijkl/users/00u1abcdEFGH2345ijkl",
            "/api/v1/groups/00g1abcdEFGH2345ijkl/users/00u1abcdEFGH2345ijkl",
        ),
        ("/api/v1/users/me", "/api/v1/users/me"),
        ("/api/v1/users", "/api/v1/users"),
        ("/api/v1/employees/1042/tables/jobInfo", "/api/v1/employees/1042/tables/jobInfo"),
        ("/api/gateway.php/acme/v1/employees/7/", "/api/gateway.php/acme/v1/employees/7/"),
        ("/api/v1/x/some%20thing", "/api/v1/x/{redacted}"),
        ("/oauth2/v1/token", "/oauth2/v1/token"),
        # Outside the vendors' API trees the path may be a credential (Slack webhooks).
        ("/services/T0001/B0002/Xk9sSecretToken", "/{redacted}"),
        ("/hook", "/{redacted}"),
        ("/", "/"),
    ],
)
def test_paths_keep_ids_and_lose_logins(path: str, expected: str) -> None:
    assert redact_path(path) == expected


def test_urls_lose_the_query_string() -> None:
    url = 'https://acme.okta.com/api/v1/users?search=profile.login+eq+"ada@acme.example"&limit=2'
    assert redact_url(url) == "https://acme.okta.com/api/v1/users"
    assert redact_url("http://127.0.0.1:8081/api/v1/users/a%40b.example") == (
        "http://127.0.0.1:8081/api/v1/users/{login}"
    )


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_exporter_follows_the_settings() -> None:
    assert span_exporter(settings()) is None
    assert build_tracer_provider(settings()) is None
    console = span_exporter(settings(lifecycle_otel_exporter="console"))
    assert isinstance(console, ConsoleSpanExporter)
    with pytest.raises(SettingsError, match="OTEL_EXPORTER_OTLP_ENDPOINT"):
        span_exporter(settings(lifecycle_otel_exporter="otlp"))
    otlp = span_exporter(
        settings(
            lifecycle_otel_exporter="otlp", otel_exporter_otlp_endpoint="http://collector:4318/"
        )
    )
    assert otlp is not None
    assert otlp._endpoint == "http://collector:4318/v1/traces"  # type: ignore[attr-defined]


def test_service_name_defaults_to_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    provider = build_tracer_provider(settings(lifecycle_otel_exporter="console"))
    assert provider is not None
    assert provider.resource.attributes["service.name"] == "bamboohr-okta-lifecycle"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "lifecycle-worker")
    provider = build_tracer_provider(settings(lifecycle_otel_exporter="console"))
    assert provider is not None
    assert provider.resource.attributes["service.name"] == "lifecycle-worker"


PROGRAM = r"""
import asyncio, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
import httpx
from lifecycle.settings import Settings
from workers.telemetry import setup_tracing

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("X-Rate-Limit-Remaining", "41")
        self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a):
        pass

server = HTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
setup_tracing(Settings(_env_file=None, lifecycle_otel_exporter="console"))
async def main():
    async with httpx.AsyncClient() as http:
        url = f"http://127.0.0.1:{server.server_port}/api/v1/users/grace.hopper%40acme.example"
        await http.get(url, params={"filter": 'profile.login eq "grace.hopper@acme.example"'})
asyncio.run(main())
"""


def test_console_exporter_prints_a_redacted_http_span_at_exit(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "LIFECYCLE_"))}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        env={**env, "PYTHONPATH": str(REPO), "LIFECYCLE_ENV_FILE": str(tmp_path / "none")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "grace.hopper" not in done.stdout + done.stderr
    spans = []
    decoder, text = json.JSONDecoder(), done.stdout.strip()
    while text:
        span, end = decoder.raw_decode(text)
        spans.append(span)
        text = text[end:].strip()
    [span] = spans
    assert span["name"] == "GET /api/v1/users/{login}"
    assert span["attributes"]["okta.rate_limit.remaining"] == 41
    assert span["resource"]["attributes"]["service.name"] == "bamboohr-okta-lifecycle"
