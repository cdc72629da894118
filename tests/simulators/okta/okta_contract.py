"""Validate real HTTP exchanges with the Okta simulator against the trimmed official spec.

`OktaContract.check(response)` validates the httpx request (when the simulator accepted it)
and the response (status, documented headers, body) with openapi-core, plus what the spec
leaves implicit: Okta's exact error shape and the rate-limit headers on every answer.
The spec's server is `https://{yourOktaDomain}`; the adapter presents every request as
sent to that host, so the simulator's address does not matter.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = Path(__file__).resolve().parents[2] / "contracts" / "okta-openapi.trimmed.yaml"
ERROR_KEYS = {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}
# httpx request extension: the test sends what the spec's schema forbids on purpose (where
# the spec's prose and its schema disagree), so only the answer is checked.
SKIP_REQUEST_CHECK = "okta_contract_skip_request"
RATE_HEADERS = ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")


class OpenApiRequest:
    """openapi-core's Request protocol over an httpx.Request."""

    host_url = "https://subdomain.okta.com"

    def __init__(self, request: httpx.Request) -> None:
        self.method = request.method.lower()
        self.path = unquote(request.url.raw_path.split(b"?", 1)[0].decode())
        self.full_url_pattern = self.host_url + self.path
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "").lower()


class OpenApiResponse:
    """openapi-core's Response protocol over an httpx.Response."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.data = response.content or None
        self.headers = Headers(list(response.headers.items()))
        self.content_type = response.headers.get("content-type", "").lower()


class OktaContract:
    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.openapi = OpenAPI.from_file_path(str(path))
        self.raw: dict[str, Any] = yaml.safe_load(path.read_text())
        self.operations = {
            (method.upper(), template): op
            for template, item in self.raw["paths"].items()
            for method, op in item.items()
            if method in {"get", "post", "put", "delete", "patch"}
        }
        self._patterns = [
            (method, re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"), op)
            for (method, template), op in self.operations.items()
        ]
        self.seen: dict[str, set[int]] = {}

    def operation_for(self, method: str, path: str) -> dict[str, Any] | None:
        for op_method, pattern, op in self._patterns:
            if op_method == method.upper() and pattern.match(path):
                return op
        return None

    def check(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        path = unquote(request.url.raw_path.split(b"?", 1)[0].decode())
        if not path.startswith("/api/v1/"):
            return
        for name in RATE_HEADERS:
            assert response.headers.get(name, "").isdigit(), f"{name} missing on {path}"
        if response.status_code >= 400:
            assert_okta_error(response)
        op = self.operation_for(request.method, path)
        if op is None:
            return  # not an operation of the spec (e.g. 404 for an unknown path)
        self.seen.setdefault(op["operationId"], set()).add(response.status_code)
        oa_request = OpenApiRequest(request)
        with warnings.catch_warnings():
            # openapi-core warns about the oauth2 scheme it does not evaluate.
            warnings.simplefilter("ignore", UserWarning)
            if response.status_code < 400 and not request.extensions.get(SKIP_REQUEST_CHECK):
                # The simulator accepted it, so the request must follow the spec too.
                self.openapi.validate_request(oa_request)
            documented = op["responses"].get(str(response.status_code))
            if documented is None:
                # Okta answers some statuses the spec does not list (401, 400 on a bad
                # search); their body is the Error shape, checked above.
                return
            documented = self._resolve(documented)
            if documented.get("content") == {}:
                assert response.content == b"", f"{path}: spec documents no body"
                return
            self.openapi.validate_response(oa_request, OpenApiResponse(response))

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.raw
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node


def assert_okta_error(response: httpx.Response, code: str | None = None) -> dict[str, Any]:
    """The body is exactly Okta's error object (and has `code` when given)."""
    assert response.headers.get("content-type", "").startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == ERROR_KEYS, body
    assert body["errorLink"] == body["errorCode"]
    assert isinstance(body["errorId"], str) and body["errorId"]
    assert isinstance(body["errorSummary"], str) and body["errorSummary"]
    assert all(set(c) == {"errorSummary"} for c in body["errorCauses"])
    if code is not None:
        assert body["errorCode"] == code, body
    return body
