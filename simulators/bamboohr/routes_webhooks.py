"""`/api/v1/webhooks`: create, list, get, replace, delete, delivery log (JSON only, as the
spec defines these operations; errors carry the spec's `{"errors": ...}` body)."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.bamboohr.delivery import WebhookDispatcher
from simulators.bamboohr.dialect import error_headers, json_response
from simulators.bamboohr.webhooks import WebhookRegistry, WebhookRequestError


def refused(exc: WebhookRequestError) -> Response:
    return Response(
        json.dumps(exc.body),
        exc.status,
        headers=error_headers(exc.message),
        media_type="application/json",
    )


async def read_json(request: Request) -> object:
    body = await request.body()
    try:
        return json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise WebhookRequestError(
            400, {"errors": [{"error": "Invalid request body", "issues": ["malformed JSON"]}]}
        ) from None


def routes(registry: WebhookRegistry, dispatcher: WebhookDispatcher) -> list[Route]:
    async def list_or_create(request: Request) -> Response:
        if request.method == "GET":
            return json_response({"webhooks": [h.summary() for h in registry.all()]})
        try:
            hook = registry.create(await read_json(request))
        except WebhookRequestError as exc:
            return refused(exc)
        return json_response(hook.describe(with_key=True), 201)

    async def one(request: Request) -> Response:
        webhook_id = request.path_params["id"]
        try:
            if not webhook_id.isdigit():
                registry.get(webhook_id)  # raises the spec's 404
            if request.method == "GET":
                return json_response(registry.get(webhook_id).describe())
            if request.method == "PUT":
                hook = registry.replace(webhook_id, await read_json(request))
                return json_response(hook.describe())
            registry.delete(webhook_id)
        except WebhookRequestError as exc:
            return refused(exc)
        return Response("Web hook has been deleted.", 200, media_type="text/plain")

    async def log(request: Request) -> Response:
        webhook_id = request.path_params["id"]
        try:
            hook = registry.get(webhook_id)
        except WebhookRequestError as exc:
            return refused(exc)
        entries = [d.log_entry(hook.format) for d in dispatcher.deliveries(hook.id)]
        return json_response(entries[-200:])

    return [
        Route("/api/v1/webhooks", list_or_create, methods=["GET", "POST"]),
        Route("/api/v1/webhooks/{id}/log", log, methods=["GET"]),
        Route("/api/v1/webhooks/{id}", one, methods=["GET", "PUT", "DELETE"]),
    ]
