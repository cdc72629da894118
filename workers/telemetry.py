"""Traces and metrics for every process of the service.

Traces (OpenTelemetry) follow one HR change across processes:

    webhook receipt (receiver span, `starters/webhook/app.py`)
      └ SignalWithStartWorkflow:EmployeeLifecycle   (Temporal client, TracingInterceptor)
          └ RunWorkflow / StartActivity:...          (worker, workflow side; headers carry it)
              └ RunActivity:set_okta_status          (worker, activity side)
                  └ POST /api/v1/users/{id}/lifecycle/deactivate  (httpx instrumentation)

The exporter is chosen by `LIFECYCLE_OTEL_EXPORTER` (`none` | `console` | `otlp`, the latter
over HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://otel-collector:4318`).

No PII or secrets in spans: span names and attributes carry ids, methods and paths with ids.
Okta's "get user by login" puts the login (an e-mail address) in the URL path, and
list/search calls put it in the query string, so HTTP spans get a redacted URL
(`redact_url`): no query string, and any path segment that is a login or contains `@`/`%` is
replaced. Paths outside the vendors' API trees (`/api/...`, `/oauth2/...`) are dropped whole:
notification webhooks (Slack's above all) carry their credential in the path.

Metrics: the Temporal SDK's own metrics (`temporal_*`: task latencies, polls, failures,
schedule-to-start) on a Prometheus endpoint when `LIFECYCLE_METRICS_PORT` is set. Only the
worker serves them (one endpoint per process; CLI verbs must not fight over the port).
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanProcessor,
)
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from lifecycle.settings import Settings, SettingsError

log = logging.getLogger(__name__)

SERVICE_NAME = "bamboohr-okta-lifecycle"
TRACER_NAME = "bamboohr_okta_lifecycle"

# Okta object ids (`00u…` users, `00g…` groups) and plain numeric ids (BambooHR employees).
_ID_SEGMENT = re.compile(r"^(0[0-9A-Za-z]{5,40}|\d{1,20}|me|default)$")
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_.\-]{1,80}$")
_AFTER_USERS = {"users"}
_API_PREFIXES = ("/api/", "/oauth2/")


# --- redaction ----------------------------------------------------------------------------


def redact_path(path: str) -> str:
    """A URL path fit for a span: ids stay, logins and anything odd become placeholders."""
    if path in ("", "/"):
        return path
    if not path.startswith(_API_PREFIXES):
        return "/{redacted}"  # not Okta's or BambooHR's API: e.g. a Slack webhook's secret path
    out: list[str] = []
    previous = ""
    for segment in path.split("/"):
        if not segment:
            out.append(segment)
            continue
        if previous in _AFTER_USERS and not _ID_SEGMENT.match(segment):
            out.append("{login}")  # GET /api/v1/users/{login}: the login is an e-mail/name
        elif "@" in segment or "%" in segment or not _SAFE_SEGMENT.match(segment):
            out.append("{redacted}")
        else:
            out.append(segment)
        previous = segment
    return "/".join(out)


def redact_url(url: str) -> str:
    """Scheme, host, port and redacted path; never the query string (filters carry logins)."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return (
        f"{parts.scheme}://{host}{redact_path(parts.path)}"
        if parts.scheme
        else redact_path(parts.path)
    )


_URL_ATTRIBUTES = ("url.full", "http.url")
_PATH_ATTRIBUTES = ("http.target", "url.path")


def _redact_request_span(span: Any, request: Any) -> None:
    if not span.is_recording():
        return
    url = redact_url(str(request.url))
    method = request.method.decode() if isinstance(request.method, bytes) else request.method
    path = urlsplit(url).path or "/"
    span.update_name(f"{method} {path}")
    attributes = getattr(span, "attributes", None) or {}
    for key in _URL_ATTRIBUTES:
        if key in attributes:
            span.set_attribute(key, url)
    for key in _PATH_ATTRIBUTES:
        if key in attributes:
            span.set_attribute(key, path)
    if "url.query" in attributes:
        span.set_attribute("url.query", "")
    span.set_attribute("url.template", path)


def _annotate_response_span(span: Any, request: Any, response: Any) -> None:
    if not span.is_recording() or response.headers is None:
        return
    # Okta's org-wide rate limit as the server sees it: what the governor follows.
    for header, attribute in (
        ("x-rate-limit-limit", "okta.rate_limit.limit"),
        ("x-rate-limit-remaining", "okta.rate_limit.remaining"),
    ):
        value = response.headers.get(header)
        if value is not None and value.isdigit():
            span.set_attribute(attribute, int(value))


async def _async_request_hook(span: Any, request: Any) -> None:
    _redact_request_span(span, request)


async def _async_response_hook(span: Any, request: Any, response: Any) -> None:
    _annotate_response_span(span, request, response)


# --- tracing ------------------------------------------------------------------------------


def tracing_interceptor(tracer_provider: trace.TracerProvider | None = None) -> TracingInterceptor:
    """Client + worker interceptor. Workflows started by schedules or the CLI carry no
    trace parent: `always_create_workflow_spans` still gives them spans (a root each)."""
    provider = tracer_provider or trace.get_tracer_provider()
    return TracingInterceptor(provider.get_tracer(TRACER_NAME), always_create_workflow_spans=True)


def has_tracing(interceptors: Sequence[Any]) -> bool:
    return any(isinstance(i, TracingInterceptor) for i in interceptors)


def instrument_httpx(tracer_provider: trace.TracerProvider | None = None) -> None:
    """HTTP client spans for every httpx client of the process (Okta, BambooHR, notify)."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        return
    instrumentor.instrument(
        tracer_provider=tracer_provider,
        request_hook=_redact_request_span,
        response_hook=_annotate_response_span,
        async_request_hook=_async_request_hook,
        async_response_hook=_async_response_hook,
    )


def uninstrument_httpx() -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()


def span_exporter(settings: Settings) -> SpanExporter | None:
    kind = settings.lifecycle_otel_exporter
    if kind == "none":
        return None
    if kind == "console":
        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    base = settings.otel_exporter_otlp_endpoint
    if not base:
        raise SettingsError(
            [
                "OTEL_EXPORTER_OTLP_ENDPOINT: required with LIFECYCLE_OTEL_EXPORTER=otlp "
                "(the collector's OTLP/HTTP base URL, e.g. http://otel-collector:4318)"
            ]
        )
    base = base.rstrip("/")
    # The base URL is the collector's; traces go to its /v1/traces (as the OTel env var says).
    endpoint = base if base.endswith("/v1/traces") else f"{base}/v1/traces"
    return OTLPSpanExporter(endpoint=endpoint)


def build_tracer_provider(
    settings: Settings,
    *,
    processor: SpanProcessor | None = None,
    service_name: str | None = None,
) -> TracerProvider | None:
    """A provider exporting as the settings say (or to `processor`); None when off."""
    if processor is None:
        exporter = span_exporter(settings)
        if exporter is None:
            return None
        processor = BatchSpanProcessor(exporter)
    # OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES (e.g. set per compose service) still win.
    attributes = {"service.name": service_name} if service_name else {}
    resource = Resource.create(attributes)
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(processor)
    return provider


_lock = threading.Lock()
_global_provider: TracerProvider | None = None


def setup_tracing(settings: Settings) -> TracerProvider | None:
    """Once per process: the global provider, httpx spans, flush at exit. None when off."""
    global _global_provider
    with _lock:
        if _global_provider is not None:
            return _global_provider
        provider = build_tracer_provider(settings)
        if provider is None:
            return None
        trace.set_tracer_provider(provider)
        instrument_httpx(provider)
        atexit.register(provider.shutdown)
        _global_provider = provider
        log.info(
            "tracing on", extra={"exporter": settings.lifecycle_otel_exporter, "action": "startup"}
        )
        return provider


def shutdown_tracing() -> None:
    """Flush what is buffered (the worker calls this on SIGTERM before exiting)."""
    provider = _global_provider
    if provider is not None:
        provider.force_flush()


# --- metrics ------------------------------------------------------------------------------


def metrics_runtime(settings: Settings, host: str = "0.0.0.0") -> Runtime | None:
    """A Temporal runtime serving the SDK metrics at http://host:PORT/metrics, or None.

    Bound on all interfaces by default so Prometheus can scrape a container; the endpoint
    carries counters and latencies labelled with namespace, task queue and workflow/activity
    *types* only (no ids, no payloads).
    """
    port = settings.lifecycle_metrics_port
    if port is None:
        return None
    return Runtime(
        telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"{host}:{port}"))
    )
