"""A small openapi-core adapter for contract tests: validate requests a client sent (or a
simulator logged) against a trimmed vendor spec in this folder.

    spec = ContractSpec("bamboohr-openapi.trimmed.yaml", host_url="https://acme.bamboohr.com")
    spec.validate(SpecRequest.from_httpx(request))  # raises openapi-core's error if invalid

Requests are presented as sent to the spec's server (`host_url`), so the simulator's address
does not matter. Literal paths win over templated ones (`/employees/changed` is not
`/employees/{id}`), as the vendors route them.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

HERE = Path(__file__).resolve().parent
_METHODS = {"get", "post", "put", "patch", "delete"}


@dataclass
class SpecRequest:
    """openapi-core's Request protocol over plain values."""

    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    content_type: str = ""
    host_url: str = ""

    @classmethod
    def from_httpx(cls, request: httpx.Request) -> SpecRequest:
        raw = request.url.raw_path.decode()
        path, _, query = raw.partition("?")
        return cls(
            method=request.method,
            path=unquote(path),
            query=query,
            headers=list(request.headers.items()),
            body=request.content or None,
            content_type=request.headers.get("content-type", ""),
        )

    # --- what openapi-core reads (through `_Protocol`) ----------------------------------------
    @property
    def full_url_pattern(self) -> str:
        return self.host_url + self.path

    @property
    def parameters(self) -> RequestParameters:
        return RequestParameters(
            query=ImmutableMultiDict(parse_qsl(self.query, keep_blank_values=True)),
            header=Headers(self.headers),
            cookie=ImmutableMultiDict(),
        )

    @property
    def mimetype(self) -> str:
        return self.content_type.lower()


class ContractSpec:
    def __init__(self, file_name: str, *, host_url: str) -> None:
        path = HERE / file_name
        self.host_url = host_url
        self.openapi = OpenAPI.from_file_path(str(path))
        self.raw: dict[str, Any] = yaml.safe_load(path.read_text())
        operations = [
            (method.upper(), template, op)
            for template, item in self.raw.get("paths", {}).items()
            for method, op in item.items()
            if method in _METHODS
        ]
        operations.sort(key=lambda o: o[1].count("{"))
        self._patterns = [
            (method, re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"), op)
            for method, template, op in operations
        ]

    def operation_id(self, method: str, path: str) -> str | None:
        for op_method, pattern, op in self._patterns:
            if op_method == method.upper() and pattern.match(path):
                return str(op.get("operationId"))
        return None

    def validate(self, request: SpecRequest) -> str:
        """Validate one request; returns its operationId. Raises when the spec forbids it."""
        operation = self.operation_id(request.method, request.path)
        assert operation is not None, f"{request.method} {request.path} is not in the spec"
        request.host_url = self.host_url
        with warnings.catch_warnings():
            # openapi-core warns about security schemes it does not evaluate (oauth2).
            warnings.simplefilter("ignore", UserWarning)
            self.openapi.validate_request(_Protocol(request))
        return operation


class _Protocol:
    """The attribute names openapi-core's Request protocol expects."""

    def __init__(self, request: SpecRequest) -> None:
        self.method = request.method.lower()
        self.path = request.path
        self.host_url = request.host_url
        self.full_url_pattern = request.full_url_pattern
        self.parameters = request.parameters
        self.body = request.body
        self.content_type = request.mimetype
