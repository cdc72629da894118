"""Validate real HTTP exchanges with the BambooHR simulator against the trimmed official spec.

`BambooHRContract.check(response)` (an httpx response hook) validates, with openapi-core:
- the request, whenever the simulator accepted it (2xx): a request the spec forbids must not
  succeed;
- the response (status, body) whenever the spec documents that status for the operation
  (XML bodies: only that the media type is documented, openapi-core reads no XML);
- BambooHR's error convention the spec leaves implicit: every 4xx/5xx carries its text in
  `X-BambooHR-Error-Message`.
The spec's server is `https://{companyDomain}.bamboohr.com`: the adapter presents every
request as sent there (legacy `/api/gateway.php/{company}/v1` paths folded onto `/api/v1`),
so the simulator's address does not matter. Webhook payloads are checked with
`check_webhook(name, body)` against the spec's `webhooks:` section.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = Path(__file__).resolve().parents[2] / "contracts" / "bamboohr-openapi.trimmed.yaml"
LEGACY = re.compile(r"^/api/gateway\.php/[^/]+/v1/")
ERROR_HEADER = "X-BambooHR-Error-Message"
XML_TYPES = {"application/xml", "text/xml"}


def spec_path(raw_path: bytes) -> str:
    path = unquote(raw_path.split(b"?", 1)[0].decode())
    path = LEGACY.sub("/api/v1/", path)
    return path.rstrip("/") if len(path) > 1 else path


class OpenApiRequest:
    """openapi-core's Request protocol over an httpx.Request."""

    host_url = "https://acme.bamboohr.com"

    def __init__(self, request: httpx.Request) -> None:
        self.method = request.method.lower()
        self.path = spec_path(request.url.raw_path)
        self.full_url_pattern = self.host_url + self.path
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "").lower()


class OpenApiWebhookRequest:
    """openapi-core's WebhookRequest protocol: a payload the simulator POSTed to a receiver."""

    def __init__(self, name: str, body: bytes, content_type: str = "application/json") -> None:
        self.name = name
        self.method = "post"
        self.body = body
        self.content_type = content_type
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(),
            header=Headers([("Content-Type", content_type)]),
            cookie=ImmutableMultiDict(),
        )


class OpenApiResponse:
    """openapi-core's Response protocol over an httpx.Response."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.data = response.content or None
        self.headers = Headers(list(response.headers.items()))
        self.content_type = response.headers.get("content-type", "").lower()


class BambooHRContract:
    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.openapi = OpenAPI.from_file_path(str(path))
        self.raw: dict[str, Any] = yaml.safe_load(path.read_text())
        self.operations = {
            (method.upper(), template): op
            for template, item in self.raw["paths"].items()
            for method, op in item.items()
            if method in {"get", "post", "put", "delete", "patch"}
        }
        # Literal paths before templated ones: /employees/directory is not /employees/{id}.
        ordered = sorted(self.operations.items(), key=lambda kv: kv[0][1].count("{"))
        self._patterns = [
            (method, re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"), op)
            for (method, template), op in ordered
        ]
        self.checked: dict[str, set[int]] = {}

    def operation_for(self, method: str, path: str) -> dict[str, Any] | None:
        for op_method, pattern, op in self._patterns:
            if op_method == method.upper() and pattern.match(path):
                return op
        return None

    def check(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        path = spec_path(request.url.raw_path)
        if not path.startswith("/api/"):
            return
        op = self.operation_for(request.method, path)
        assert op is not None, f"{request.method} {path} is not an operation of the trimmed spec"
        status = response.status_code
        if status >= 400:
            assert response.headers.get(ERROR_HEADER), (
                f"{request.method} {path} -> {status} without {ERROR_HEADER}"
            )
        if 200 <= status < 300:
            sent = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if sent in XML_TYPES:
                assert sent in op.get("requestBody", {}).get("content", {}), f"{sent} body"
            else:
                self.openapi.validate_request(OpenApiRequest(request))
        documented = op.get("responses", {}).get(str(status))
        if documented is None:
            return
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media in XML_TYPES:
            # openapi-core cannot validate XML against a schema: the media type must be listed.
            assert media in documented.get("content", {}), f"{media} not documented"
        else:
            self.openapi.validate_response(OpenApiRequest(request), OpenApiResponse(response))
        self.checked.setdefault(op["operationId"], set()).add(status)

    def check_webhook(self, name: str, body: bytes) -> None:
        self.openapi.validate_request(OpenApiWebhookRequest(name, body))

    def request_is_valid(self, request: httpx.Request) -> bool:
        try:
            self.openapi.validate_request(OpenApiRequest(request))
        except Exception:
            return False
        return True
