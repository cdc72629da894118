"""The codec server: lets the Temporal Web UI (and `temporal --codec-endpoint`) show the
plaintext of encrypted payloads without the Temporal server ever holding the keys.

Temporal's remote codec protocol:
- `POST /decode` and `POST /encode`, body and answer `{"payloads": [{"metadata": {"encoding":
  "<base64>", ...}, "data": "<base64>"}, ...]}` (the protobuf JSON form of `Payloads`);
- the UI sends `X-Namespace` (logged as context; one codec serves the deployment's keys);
- cross-origin from the UI's origin, with a CORS preflight for `Authorization`,
  `Content-Type` and `X-Namespace`;
- with `LIFECYCLE_CODEC_TOKEN` set, every encode/decode needs `Authorization: Bearer
  <token>` (wrong or missing → 401). In the UI: "Pass the user access token" or a proxy that
  adds the header. Decoded payloads are employee PII: without a token, bind the server to
  localhost only (the default) and let nothing else reach it.

`GET /health` answers without a token (for container health checks) and reveals nothing.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.api.common.v1 import Payloads

from lifecycle.settings import Settings
from workers.codec import CodecError, EncryptionCodec

log = logging.getLogger("lifecycle.codec")

MAX_BODY_BYTES = 16 * 1024 * 1024  # a page of history in the UI; Temporal caps payloads at 2 MB
ALLOWED_HEADERS = ["Authorization", "Content-Type", "X-Namespace"]


def cors_origins(settings: Settings) -> list[str]:
    """The Web UI origins allowed to call us. Unset: the local UI of `lifecycle dev`
    (LIFECYCLE_DEV_UI_PORT); a `localhost` origin also admits its `127.0.0.1` spelling."""
    if "lifecycle_codec_cors_origins" in settings.model_fields_set:
        configured = settings.lifecycle_codec_cors_origins.split(",")
    else:
        configured = [f"http://localhost:{settings.lifecycle_dev_ui_port}"]
    origins: list[str] = []
    for origin in (o.strip().rstrip("/") for o in configured):
        if not origin:
            continue
        spellings = [origin]
        if origin.startswith("http://localhost:"):
            spellings.append(origin.replace("http://localhost:", "http://127.0.0.1:", 1))
        origins += [o for o in spellings if o not in origins]
    return origins


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def create_codec_app(settings: Settings, codec: EncryptionCodec | None = None) -> Starlette:
    settings.require("codec")
    codec = codec or EncryptionCodec.from_settings(settings)
    token = settings.lifecycle_codec_token
    expected = f"Bearer {token.get_secret_value()}".encode() if token is not None else None

    def authorized(request: Request) -> bool:
        if expected is None:
            return True
        given = request.headers.get("authorization", "").encode("utf-8", "replace")
        return hmac.compare_digest(given, expected)

    async def read_payloads(request: Request) -> Payloads | JSONResponse:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return _error(413, "payload_too_large", f"body larger than {MAX_BODY_BYTES} bytes")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _error(413, "payload_too_large", f"body larger than {MAX_BODY_BYTES} bytes")
        payloads = Payloads()
        try:
            json_format.Parse(body or b"{}", payloads, ignore_unknown_fields=True)
        except (json_format.ParseError, UnicodeDecodeError, ValueError):
            return _error(400, "invalid_body", 'expected {"payloads": [...]} (Temporal codec JSON)')
        return payloads

    def answer(payloads: list[Any]) -> JSONResponse:
        out = json_format.MessageToDict(Payloads(payloads=payloads))
        return JSONResponse({"payloads": out.get("payloads", [])})

    async def transform(request: Request, direction: str) -> Response:
        if not authorized(request):
            log.warning(
                "codec request refused",
                extra={"action": f"codec.{direction}", "status": 401},
            )
            return JSONResponse(
                {"error": "unauthorized", "message": "missing or wrong bearer token"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        parsed = await read_payloads(request)
        if isinstance(parsed, JSONResponse):
            return parsed
        try:
            if direction == "decode":
                result = codec.decode_sync(parsed.payloads)
            else:
                result = codec.encode_sync(parsed.payloads)
        except CodecError as exc:
            log.warning("codec %s failed", direction, extra={"action": f"codec.{direction}"})
            return _error(400, "cannot_decode", str(exc))
        log.info(
            "codec %s",
            direction,
            extra={
                "action": f"codec.{direction}",
                "payloads": len(result),
                "namespace": request.headers.get("x-namespace"),
            },
        )
        return answer(result)

    async def decode(request: Request) -> Response:
        return await transform(request, "decode")

    async def encode(request: Request) -> Response:
        return await transform(request, "encode")

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/decode", decode, methods=["POST"]),
            Route("/encode", encode, methods=["POST"]),
            # Some setups give the UI a per-namespace endpoint: /{namespace}/decode.
            Route("/{namespace}/decode", decode, methods=["POST"]),
            Route("/{namespace}/encode", encode, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=cors_origins(settings),
                allow_methods=["POST", "OPTIONS"],
                allow_headers=ALLOWED_HEADERS,
                allow_credentials=True,
                max_age=600,
            )
        ],
    )
