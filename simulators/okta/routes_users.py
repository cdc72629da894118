"""`/api/v1/users...`: list/search, create, read, update, replace, the user's groups,
lifecycle operations and session revocation."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from simulators.okta.actors import Actor
from simulators.okta.api_support import (
    ACTOR_KEY,
    base_url,
    bool_param,
    empty_response,
    group_json,
    json_body,
    json_response,
    limit_param,
    paged_response,
    user_json,
)
from simulators.okta.errors import OktaError, not_found, validation_failed
from simulators.okta.lifecycle import Op
from simulators.okta.routing import ApiRouter
from simulators.okta.search import USER_FILTER, USER_SEARCH, compile_expression
from simulators.okta.store import OktaStore

DEFAULT_LIMIT = 200
MAX_LIMIT = 200
Q_DEFAULT_LIMIT = 10  # the spec: "Defaults to 10 if `q` is provided"
Q_FIELDS = ("firstName", "lastName", "email", "login")


def user_routes(store: OktaStore) -> ApiRouter:
    router = ApiRouter()

    def render(request: Request, user: dict[str, Any]) -> dict[str, Any]:
        return user_json(user, base_url(request), store.schema_id)

    @router.add("GET", "/api/v1/users", "listUsers")
    async def list_users(request: Request) -> Response:
        params = request.query_params
        after = params.get("after") or None
        sort_by = params.get("sortBy") or None
        descending = (params.get("sortOrder") or "asc").lower() == "desc"
        if params.get("search"):
            predicate = compile_expression(
                params["search"], USER_SEARCH, store.is_profile_attribute
            )
            page, next_after = store.page_users(
                predicate,
                search_view=True,
                after=after,
                limit=limit_param(request, DEFAULT_LIMIT, MAX_LIMIT),
                sort_by=sort_by,
                descending=descending,
            )
        elif params.get("filter"):
            predicate = compile_expression(params["filter"], USER_FILTER)
            page, next_after = store.page_users(
                predicate, after=after, limit=limit_param(request, DEFAULT_LIMIT, MAX_LIMIT)
            )
        elif "q" in params:
            prefix = params["q"].lower()

            def starts(user: dict[str, Any]) -> bool:
                profile = user["profile"]
                return any(
                    str(profile.get(name, "")).lower().startswith(prefix) for name in Q_FIELDS
                )

            # `q` is not paged: first `limit` matches, and no next link.
            page, _ = store.page_users(
                starts,
                search_view=True,
                include_deprovisioned=False,
                limit=limit_param(request, Q_DEFAULT_LIMIT, MAX_LIMIT),
            )
            next_after = None
        else:
            page, next_after = store.page_users(
                include_deprovisioned=False,
                after=after,
                limit=limit_param(request, DEFAULT_LIMIT, MAX_LIMIT),
            )
        return paged_response(request, [render(request, u) for u in page], next_after)

    @router.add("POST", "/api/v1/users", "createUser")
    async def create_user(request: Request) -> Response:
        body = json_body(request)
        activate = bool_param(request, "activate", True)
        bool_param(request, "provider", False)
        next_login = request.query_params.get("nextLogin")
        profile = body.get("profile")
        if not isinstance(profile, dict):
            raise validation_failed("profile", "profile: The field cannot be left blank")
        credentials = body.get("credentials") or {}
        if not isinstance(credentials, dict):
            raise validation_failed("credentials", "credentials: must be an object")
        password = credentials.get("password") or {}
        has_password = isinstance(password, dict) and bool(
            password.get("value") or password.get("hash") or password.get("hook")
        )
        group_ids = body.get("groupIds") or []
        if not isinstance(group_ids, list) or not all(isinstance(g, str) for g in group_ids):
            raise validation_failed("groupIds", "groupIds: must be a list of group ids")
        type_id = (body.get("type") or {}).get("id") if isinstance(body.get("type"), dict) else None
        if next_login == "changePassword":
            summary = (
                "Could not create user. To create a user and expire their password immediately, "
            )
            if not activate:
                text = summary + "`activate` must be true."
                raise OktaError(400, "E0000125", text, [text])
            if not has_password:
                text = summary + "a password must be specified."
                raise OktaError(400, "E0000124", text, [text])
        if not activate:
            status = "STAGED"
        elif has_password:
            status = "PASSWORD_EXPIRED" if next_login == "changePassword" else "ACTIVE"
        else:
            status = "PROVISIONED"
        question = credentials.get("recovery_question")
        user = store.create_user(
            profile,
            status,
            type_id,
            password=has_password,
            group_ids=group_ids,
            recovery_question=question.get("question") if isinstance(question, dict) else None,
            activation_email=status == "PROVISIONED",
        )
        return json_response(render(request, user))

    @router.add("GET", "/api/v1/users/{id}", "getUser")
    async def get_user(request: Request) -> Response:
        if request.path_params["id"] == "me":
            # The caller: an API token's admin (not a user of the store); a service app
            # (OAuth client credentials) has no user, so Okta answers 404.
            actor: Actor = request.scope[ACTOR_KEY]
            if actor.type != "User":
                raise not_found("me")
            me = {**actor.user_json(), "type": {"id": store.user_type_id}}
            return json_response(render(request, me), headers={"ETag": store.etag(me)})
        user = store.require_user(request.path_params["id"])
        return json_response(render(request, user), headers={"ETag": store.etag(user)})

    async def _update(request: Request, replace: bool) -> Response:
        body = json_body(request)
        user = store.require_user(request.path_params["id"])
        if "profile" in body and not isinstance(body["profile"], dict):
            raise validation_failed("profile", "profile: must be an object")
        type_value = body.get("type")
        if isinstance(type_value, dict) and type_value.get("id") not in (None, user["type"]["id"]):
            raise validation_failed("type", "type: The user type cannot be changed here")
        credentials = body.get("credentials")
        if credentials is not None and not isinstance(credentials, dict):
            raise validation_failed("credentials", "credentials: must be an object")
        updated = store.update_user(
            user["id"], body.get("profile"), replace=replace, credentials=credentials
        )
        return json_response(render(request, updated))

    @router.add("POST", "/api/v1/users/{id}", "updateUser")
    async def update_user(request: Request) -> Response:
        return await _update(request, replace=False)

    @router.add("PUT", "/api/v1/users/{id}", "replaceUser")
    async def replace_user(request: Request) -> Response:
        return await _update(request, replace=True)

    @router.add("GET", "/api/v1/users/{id}/groups", "listUserGroups")
    async def list_user_groups(request: Request) -> Response:
        groups = store.user_groups(request.path_params["id"])
        base = base_url(request)
        return json_response([group_json(g, base) for g in groups])

    def lifecycle_route(op: Op, operation: str, email_default: bool | None) -> None:
        @router.add("POST", f"/api/v1/users/{{id}}/lifecycle/{op.value}", operation)
        async def handler(request: Request) -> Response:
            send_email = bool_param(request, "sendEmail", bool(email_default))
            _, token = store.lifecycle(request.path_params["id"], op, send_email=send_email)
            if email_default is None:
                return empty_response(200)  # suspend/unsuspend/deactivate: 200, no body
            return json_response(token)

    lifecycle_route(Op.ACTIVATE, "activateUser", True)
    lifecycle_route(Op.REACTIVATE, "reactivateUser", False)
    lifecycle_route(Op.DEACTIVATE, "deactivateUser", None)
    lifecycle_route(Op.SUSPEND, "suspendUser", None)
    lifecycle_route(Op.UNSUSPEND, "unsuspendUser", None)

    @router.add("DELETE", "/api/v1/users/{userId}/sessions", "revokeUserSessions")
    async def revoke_sessions(request: Request) -> Response:
        oauth_tokens = bool_param(request, "oauthTokens", False)
        bool_param(request, "forgetDevices", True)
        store.revoke_sessions(request.path_params["userId"], oauth_tokens)
        return empty_response(204)

    return router
