"""`/_sim/...`: the loopback control panel of the simulator (no auth), and `/health`.

GET  /_sim/state                    the whole org (JSON snapshot)
POST /_sim/reset                    empty org, zeroed counters, cleared log and windows
GET  /_sim/requests                 request log (?method=&path_prefix=&operation=)
DELETE /_sim/requests               clear it
GET  /_sim/stats                    counters;  POST /_sim/stats/reset
GET|PUT /_sim/faults                FaultConfig JSON
GET|PUT /_sim/rate-limits           {bucket: per_minute}; GET adds the current windows
PUT  /_sim/concurrency              {"max": n | null}
GET|PUT /_sim/clock                 {"now": iso} | {"advance_seconds": n} | {"freeze": bool}
GET|PUT /_sim/search-lag            {"seconds": x}
GET|PUT /_sim/behaviour             OktaBehaviour JSON (partial PUT)
GET  /_sim/outbox                   activation e-mails "sent"
GET  /_sim/revocations              session revocations per user
POST /_sim/users/{id}/complete-activation   PROVISIONED → ACTIVE, as if the user set a password
GET  /_sim/actors                   the actor (System Log identity) of each kind of token
GET  /_sim/system-log               every recorded LogEvent (?eventType=); DELETE clears
GET  /_sim/event-hooks              hooks (no secrets) and delivery counters
GET  /health
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.common.faults import FaultConfig
from simulators.okta.behaviour import OktaBehaviour
from simulators.okta.errors import OktaError
from simulators.okta.event_hooks import hook_json

if TYPE_CHECKING:
    from simulators.okta.app import OktaSimulator


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def _body(request: Request) -> Any:
    data = await request.body()
    if not data.strip():
        return {}
    try:
        return json.loads(data)
    except ValueError:
        return None


def admin_routes(sim: OktaSimulator) -> list[Route]:
    async def state(request: Request) -> Response:
        return JSONResponse(sim.store.snapshot())

    async def reset(request: Request) -> Response:
        sim.reset()
        return JSONResponse({"reset": True})

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            sim.recorder.clear_requests()
            return Response(status_code=204)
        params = request.query_params
        return JSONResponse(
            sim.recorder.requests(
                method=params.get("method"),
                path_prefix=params.get("path_prefix"),
                operation=params.get("operation"),
            )
        )

    async def stats(request: Request) -> Response:
        return JSONResponse(sim.stats())

    async def stats_reset(request: Request) -> Response:
        sim.recorder.reset_stats()
        return JSONResponse(sim.stats())

    async def faults(request: Request) -> Response:
        if request.method == "PUT":
            body = await _body(request)
            try:
                sim.faults.configure(FaultConfig.model_validate(body))
            except ValidationError as exc:
                return _error(
                    400,
                    "invalid fault configuration",
                    details=json.loads(exc.json(include_url=False)),
                )
        return JSONResponse(sim.faults.config.model_dump())

    async def rate_limits(request: Request) -> Response:
        if request.method == "PUT":
            body = await _body(request)
            if not isinstance(body, dict):
                return _error(400, "expected {bucket: per_minute}")
            try:
                sim.limiter.set_limits({k: v for k, v in body.items() if not k.startswith("_")})
            except ValueError as exc:
                return _error(400, str(exc))
        return JSONResponse({**sim.limiter.limits, "_windows": sim.limiter.describe()})

    async def concurrency(request: Request) -> Response:
        body = await _body(request)
        if request.method == "PUT":
            value = body.get("max") if isinstance(body, dict) else "invalid"
            if value is not None and (not isinstance(value, int) or value < 1):
                return _error(400, 'expected {"max": positive integer or null}')
            sim.concurrency.limit = value
        return JSONResponse(
            {
                "max": sim.concurrency.limit,
                "in_flight": sim.concurrency.in_flight,
                "peak": sim.concurrency.peak,
            }
        )

    async def clock(request: Request) -> Response:
        if request.method == "PUT":
            body = await _body(request)
            if not isinstance(body, dict):
                return _error(400, "expected a JSON object")
            try:
                if "now" in body:
                    sim.clock.set(datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00")))
                if "freeze" in body:
                    if body["freeze"]:
                        sim.clock.freeze()
                    else:
                        sim.clock.unfreeze()
                if "advance_seconds" in body:
                    sim.clock.advance(float(body["advance_seconds"]))
            except (TypeError, ValueError) as exc:
                return _error(400, f"invalid clock change: {exc}")
        return JSONResponse({**sim.clock.describe(), "epoch": sim.clock.time()})

    async def search_lag(request: Request) -> Response:
        if request.method == "PUT":
            body = await _body(request)
            try:
                sim.store.search_lag_seconds = float(body["seconds"])
            except (KeyError, TypeError, ValueError):
                return _error(400, 'expected {"seconds": number}')
        return JSONResponse({"seconds": sim.store.search_lag_seconds})

    async def behaviour(request: Request) -> Response:
        if request.method == "PUT":
            body = await _body(request)
            if not isinstance(body, dict):
                return _error(400, "expected a JSON object")
            try:
                sim.store.behaviour = OktaBehaviour.model_validate(
                    {**sim.store.behaviour.model_dump(), **body}
                )
            except ValidationError as exc:
                return _error(
                    400, "invalid behaviour", details=json.loads(exc.json(include_url=False))
                )
        return JSONResponse(sim.store.behaviour.model_dump())

    async def outbox(request: Request) -> Response:
        return JSONResponse(sim.store.outbox())

    async def revocations(request: Request) -> Response:
        return JSONResponse(sim.store.revocations())

    async def complete_activation(request: Request) -> Response:
        try:
            user = sim.store.complete_activation(request.path_params["id"])
        except OktaError as exc:
            status = 404 if exc.status == 404 else 409
            return _error(status, exc.summary, errorCode=exc.code)
        return JSONResponse(user)

    async def actors(request: Request) -> Response:
        return JSONResponse(sim.actors())

    async def system_log(request: Request) -> Response:
        if request.method == "DELETE":
            sim.system_log.clear()
            return Response(status_code=204)
        wanted = request.query_params.get("eventType")
        events = sim.system_log.events()
        return JSONResponse([e for e in events if wanted is None or e["eventType"] == wanted])

    async def event_hooks(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "hooks": [hook_json(h, base) for h in sim.event_hooks.all()],
                "delivery": sim.hooks.stats(),
            }
        )

    async def health(request: Request) -> Response:
        return JSONResponse(
            {"status": "ok", "service": "okta-simulator", "users": sim.store.user_count()}
        )

    return [
        Route("/_sim/state", state, methods=["GET"]),
        Route("/_sim/reset", reset, methods=["POST"]),
        Route("/_sim/requests", requests, methods=["GET", "DELETE"]),
        Route("/_sim/stats", stats, methods=["GET"]),
        Route("/_sim/stats/reset", stats_reset, methods=["POST"]),
        Route("/_sim/faults", faults, methods=["GET", "PUT"]),
        Route("/_sim/rate-limits", rate_limits, methods=["GET", "PUT"]),
        Route("/_sim/concurrency", concurrency, methods=["GET", "PUT"]),
        Route("/_sim/clock", clock, methods=["GET", "PUT"]),
        Route("/_sim/search-lag", search_lag, methods=["GET", "PUT"]),
        Route("/_sim/behaviour", behaviour, methods=["GET", "PUT"]),
        Route("/_sim/outbox", outbox, methods=["GET"]),
        Route("/_sim/revocations", revocations, methods=["GET"]),
        Route("/_sim/users/{id}/complete-activation", complete_activation, methods=["POST"]),
        Route("/_sim/actors", actors, methods=["GET"]),
        Route("/_sim/system-log", system_log, methods=["GET", "DELETE"]),
        Route("/_sim/event-hooks", event_hooks, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
    ]
