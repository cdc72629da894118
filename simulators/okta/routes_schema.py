"""`/api/v1/meta/schemas/user/{schemaId}`: read the user schema, add custom attributes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from simulators.okta.api_support import base_url, json_body, json_response
from simulators.okta.errors import not_found
from simulators.okta.routing import ApiRouter
from simulators.okta.store import OktaStore


def schema_routes(store: OktaStore) -> ApiRouter:
    router = ApiRouter()

    def check(schema_id: str) -> None:
        # Only the default user type exists here; it answers to `default` and its own id.
        if schema_id not in {"default", store.schema_id}:
            raise not_found(schema_id, "UserSchema")

    @router.add("GET", "/api/v1/meta/schemas/user/{schemaId}", "getUserSchema")
    async def get_schema(request: Request) -> Response:
        check(request.path_params["schemaId"])
        return json_response(store.schema(base_url(request)))

    @router.add("POST", "/api/v1/meta/schemas/user/{schemaId}", "updateUserProfile")
    async def update_schema(request: Request) -> Response:
        check(request.path_params["schemaId"])
        store.update_schema(json_body(request))
        return json_response(store.schema(base_url(request)))

    return router
