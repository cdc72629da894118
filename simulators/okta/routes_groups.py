"""`/api/v1/groups...`: list/search, create (OKTA_GROUP), read, members, add/remove member."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from simulators.okta.api_support import (
    base_url,
    empty_response,
    group_json,
    json_body,
    json_response,
    limit_param,
    paged_response,
    user_json,
)
from simulators.okta.errors import validation_failed
from simulators.okta.routing import ApiRouter
from simulators.okta.search import GROUP_FILTER, GROUP_SEARCH, compile_expression
from simulators.okta.store import OktaStore

MAX_LIMIT = 10_000  # the spec's maximum; also Okta's default page size for groups
Q_DEFAULT_LIMIT = 300  # the spec: "The default limit for a query is 300 results"
MEMBERS_DEFAULT_LIMIT = 1000


def group_routes(store: OktaStore) -> ApiRouter:
    router = ApiRouter()

    def render(request: Request, group: dict[str, Any]) -> dict[str, Any]:
        expand = request.query_params.get("expand") or ""
        count = store.member_count(group["id"]) if "stats" in expand.split(",") else None
        return group_json(group, base_url(request), count)

    @router.add("GET", "/api/v1/groups", "listGroups")
    async def list_groups(request: Request) -> Response:
        params = request.query_params
        after = params.get("after") or None
        if params.get("search"):
            predicate = compile_expression(params["search"], GROUP_SEARCH)
            page, next_after = store.page_groups(
                predicate,
                after=after,
                limit=limit_param(request, MAX_LIMIT, MAX_LIMIT),
                sort_by=params.get("sortBy") or None,
                descending=(params.get("sortOrder") or "asc").lower() == "desc",
            )
        elif params.get("filter"):
            predicate = compile_expression(params["filter"], GROUP_FILTER)
            page, next_after = store.page_groups(
                predicate, after=after, limit=limit_param(request, MAX_LIMIT, MAX_LIMIT)
            )
        elif "q" in params:
            prefix = params["q"].lower()
            # Paging and `q` are mutually exclusive in Okta: first `limit` matches only.
            page, _ = store.page_groups(
                lambda g: str(g["profile"].get("name", "")).lower().startswith(prefix),
                limit=limit_param(request, Q_DEFAULT_LIMIT, MAX_LIMIT),
            )
            next_after = None
        else:
            page, next_after = store.page_groups(
                after=after, limit=limit_param(request, MAX_LIMIT, MAX_LIMIT)
            )
        return paged_response(request, [render(request, g) for g in page], next_after)

    @router.add("POST", "/api/v1/groups", "addGroup")
    async def add_group(request: Request) -> Response:
        body = json_body(request)
        profile = body.get("profile")
        if not isinstance(profile, dict):
            raise validation_failed("profile", "profile: The field cannot be left blank")
        description = profile.get("description")
        if description is not None and not isinstance(description, str):
            raise validation_failed("description", "description: must be a string")
        name = profile.get("name")
        if not isinstance(name, str):
            raise validation_failed("name", "name: The field cannot be left blank")
        group = store.create_group(name, description)
        return json_response(render(request, group))

    @router.add("GET", "/api/v1/groups/{groupId}", "getGroup")
    async def get_group(request: Request) -> Response:
        return json_response(render(request, store.require_group(request.path_params["groupId"])))

    @router.add("GET", "/api/v1/groups/{groupId}/users", "listGroupUsers")
    async def list_group_users(request: Request) -> Response:
        page, next_after = store.page_group_members(
            request.path_params["groupId"],
            request.query_params.get("after") or None,
            limit_param(request, MEMBERS_DEFAULT_LIMIT, MAX_LIMIT),
        )
        base = base_url(request)
        items = [user_json(u, base, store.schema_id) for u in page]
        return paged_response(request, items, next_after)

    @router.add("PUT", "/api/v1/groups/{groupId}/users/{userId}", "assignUserToGroup")
    async def assign(request: Request) -> Response:
        params = request.path_params
        store.add_member(params["groupId"], params["userId"], okta_groups_only=True)
        return empty_response(204)

    @router.add("DELETE", "/api/v1/groups/{groupId}/users/{userId}", "unassignUserFromGroup")
    async def unassign(request: Request) -> Response:
        params = request.path_params
        store.remove_member(params["groupId"], params["userId"], okta_groups_only=True)
        return empty_response(204)

    return router
