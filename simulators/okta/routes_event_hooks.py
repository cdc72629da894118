"""`/api/v1/eventHooks...`: create, list, get, replace, delete (INACTIVE only), activate,
deactivate, verify. Delivery itself is `HookDispatcher`'s (event_hooks.py)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from simulators.okta.actors import Actor
from simulators.okta.api_support import (
    ACTOR_KEY,
    base_url,
    empty_response,
    json_body,
    json_response,
)
from simulators.okta.event_hooks import EventHookRegistry, HookDispatcher, hook_json
from simulators.okta.routing import ApiRouter


def event_hook_routes(registry: EventHookRegistry, dispatcher: HookDispatcher) -> ApiRouter:
    router = ApiRouter()

    def render(request: Request, hook: dict[str, Any]) -> Response:
        return json_response(hook_json(hook, base_url(request)))

    @router.add("GET", "/api/v1/eventHooks", "listEventHooks")
    async def list_hooks(request: Request) -> Response:
        base = base_url(request)
        return json_response([hook_json(h, base) for h in registry.all()])

    @router.add("POST", "/api/v1/eventHooks", "createEventHook")
    async def create_hook(request: Request) -> Response:
        actor: Actor = request.scope[ACTOR_KEY]
        return render(request, registry.create(json_body(request), actor.id))

    @router.add("GET", "/api/v1/eventHooks/{eventHookId}", "getEventHook")
    async def get_hook(request: Request) -> Response:
        return render(request, registry.get(request.path_params["eventHookId"]))

    @router.add("PUT", "/api/v1/eventHooks/{eventHookId}", "replaceEventHook")
    async def replace_hook(request: Request) -> Response:
        hook_id = request.path_params["eventHookId"]
        registry.get(hook_id)  # 404 before a body complaint
        return render(request, registry.replace(hook_id, json_body(request)))

    @router.add("DELETE", "/api/v1/eventHooks/{eventHookId}", "deleteEventHook")
    async def delete_hook(request: Request) -> Response:
        registry.delete(request.path_params["eventHookId"])
        return empty_response(204)

    @router.add("POST", "/api/v1/eventHooks/{eventHookId}/lifecycle/activate", "activateEventHook")
    async def activate(request: Request) -> Response:
        return render(request, registry.set_status(request.path_params["eventHookId"], "ACTIVE"))

    @router.add(
        "POST", "/api/v1/eventHooks/{eventHookId}/lifecycle/deactivate", "deactivateEventHook"
    )
    async def deactivate(request: Request) -> Response:
        hook_id = request.path_params["eventHookId"]
        return render(request, registry.set_status(hook_id, "INACTIVE"))

    @router.add("POST", "/api/v1/eventHooks/{eventHookId}/lifecycle/verify", "verifyEventHook")
    async def verify(request: Request) -> Response:
        return render(request, await dispatcher.verify(request.path_params["eventHookId"]))

    return router
