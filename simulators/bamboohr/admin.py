"""Admin endpoints: HR-admin actions (`/_sim/hr/...`) and simulator controls (`/_sim/...`).

HR actions take snake_case JSON mirroring `BambooHRStore`'s methods; dates are `YYYY-MM-DD`
and default to the simulator's today. Job arguments left out of a body keep the value in
effect; an explicit null clears it. Answers are JSON; errors are
`{"error": ..., "details"?: ...}` with 404 (unknown employee), 400 (refused action, unknown
field) or 422 (malformed body). `/_sim/...` needs the same Basic auth as the API.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.bamboohr.dialect import json_response
from simulators.bamboohr.fields import UnknownFieldError
from simulators.bamboohr.formats import parse_instant
from simulators.bamboohr.store import EmployeeNotFoundError
from simulators.common.faults import FaultConfig

if TYPE_CHECKING:
    from simulators.bamboohr.app import BambooHRSimulator


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HireIn(_Body):
    first_name: str
    last_name: str
    work_email: str | None = None
    department: str | None = None
    division: str | None = None
    location: str | None = None
    job_title: str | None = None
    supervisor_id: str | None = None
    hire_date: dt.date | None = None
    employment_status: str = "Full-Time"
    employee_number: str | None = None
    preferred_name: str | None = None
    home_email: str | None = None
    mobile_phone: str | None = None
    work_phone: str | None = None
    fields: dict[str, str | None] | None = None


class PermissionsIn(_Body):
    # Fields the API key may not write (aliases); "*": a read-only key.
    deny_write: list[str] = Field(default_factory=list, alias="denyWrite")


class UpdateIn(_Body):
    fields: dict[str, str | None]


class JobIn(_Body):
    date: dt.date | None = None
    department: str | None = None
    division: str | None = None
    location: str | None = None
    job_title: str | None = None
    supervisor_id: str | None = None

    def job_kwargs(self) -> dict[str, Any]:
        """Only what the caller sent: the rest is carried over from the row in effect."""
        keys = ("department", "division", "location", "job_title", "supervisor_id")
        return {k: getattr(self, k) for k in keys if k in self.model_fields_set}


class StartLeaveIn(_Body):
    date: dt.date | None = None
    status: str = "Leave of Absence"
    return_date: dt.date | None = None
    return_status: str | None = None


class EndLeaveIn(_Body):
    date: dt.date | None = None
    status: str | None = None


class TerminateIn(_Body):
    date: dt.date | None = None
    termination_type: str = "Voluntary"
    reason: str = "Resignation"
    rehire_eligible: str | None = "Yes"
    regrettable: str | None = None
    comment: str | None = None
    status: str = "Terminated"


class RehireIn(JobIn):
    employment_status: str = "Full-Time"


class ClockIn(_Body):
    now: dt.datetime | None = None
    advance_seconds: float | None = None
    advance_days: float | None = None
    freeze: bool | None = None


class ResetIn(_Body):
    keep_webhooks: bool = False


def _problem(status: int, message: str, details: Any = None) -> Response:
    body: dict[str, Any] = {"error": message}
    if details is not None:
        body["details"] = details
    return json_response(body, status)


Handler = Callable[[Request], Awaitable[Response]]


def guarded(handler: Handler) -> Handler:
    """Turn the store's and pydantic's errors into admin answers."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except EmployeeNotFoundError as exc:
            return _problem(404, str(exc))
        except UnknownFieldError as exc:
            return _problem(400, f"unknown field {exc.args[0]!r}")
        except ValidationError as exc:
            details = json.loads(exc.json(include_url=False, include_input=False))
            return _problem(422, "invalid request body", details)
        except json.JSONDecodeError:
            return _problem(422, "the body must be JSON")
        except ValueError as exc:  # HRActionError, bad dates and numbers in the query
            return _problem(400, str(exc))

    return wrapped


async def _json(request: Request) -> Any:
    body = await request.body()
    return json.loads(body) if body.strip() else {}


def routes(sim: BambooHRSimulator) -> list[Route]:
    store = sim.store

    def employee_answer(eid: str, status: int = 200, **extra: Any) -> Response:
        return json_response({"id": eid, **extra, "employee": store.get(eid)}, status)

    # --- HR-admin actions --------------------------------------------------------------------
    @guarded
    async def employees(request: Request) -> Response:
        if request.method == "GET":
            return json_response({"employees": store.values_for_all(None)})
        body = HireIn.model_validate(await _json(request))
        eid = store.hire(**body.model_dump())
        return employee_answer(eid, 201)

    @guarded
    async def employee(request: Request) -> Response:
        eid = request.path_params["id"]
        if request.method == "DELETE":
            store.delete(eid)
            return json_response({"id": eid, "deleted": True})
        return json_response(store.record(eid))

    @guarded
    async def update(request: Request) -> Response:
        eid = request.path_params["id"]
        body = UpdateIn.model_validate(await _json(request))
        store.update_fields(eid, body.fields)
        return employee_answer(eid)

    @guarded
    async def change_job(request: Request) -> Response:
        eid = request.path_params["id"]
        body = JobIn.model_validate(await _json(request))
        row = store.change_job(eid, body.date, **body.job_kwargs())
        return employee_answer(eid, rowIds=[row])

    @guarded
    async def start_leave(request: Request) -> Response:
        eid = request.path_params["id"]
        body = StartLeaveIn.model_validate(await _json(request))
        rows = store.start_leave(
            eid,
            body.date,
            status=body.status,
            return_date=body.return_date,
            return_status=body.return_status,
        )
        return employee_answer(eid, rowIds=rows)

    @guarded
    async def end_leave(request: Request) -> Response:
        eid = request.path_params["id"]
        body = EndLeaveIn.model_validate(await _json(request))
        row = store.end_leave(eid, body.date, status=body.status)
        return employee_answer(eid, rowIds=[row])

    @guarded
    async def terminate(request: Request) -> Response:
        eid = request.path_params["id"]
        body = TerminateIn.model_validate(await _json(request))
        row = store.terminate(eid, body.date, **body.model_dump(exclude={"date"}))
        return employee_answer(eid, rowIds=[row])

    @guarded
    async def rehire(request: Request) -> Response:
        eid = request.path_params["id"]
        body = RehireIn.model_validate(await _json(request))
        store.rehire(eid, body.date, employment_status=body.employment_status, **body.job_kwargs())
        return employee_answer(eid)

    # --- simulator controls ------------------------------------------------------------------
    async def health(request: Request) -> Response:
        return json_response({"status": "ok", "simulator": "bamboohr", "company": store.company})

    async def state(request: Request) -> Response:
        return json_response(sim.describe_state())

    @guarded
    async def reset(request: Request) -> Response:
        body = ResetIn.model_validate(await _json(request))
        sim.reset(keep_webhooks=body.keep_webhooks)
        return json_response({"reset": True})

    @guarded
    async def clock(request: Request) -> Response:
        if request.method == "PUT":
            body = ClockIn.model_validate(await _json(request))
            sim.move_clock(
                now=body.now,
                advance_seconds=(body.advance_seconds or 0) + (body.advance_days or 0) * 86400,
                freeze=body.freeze,
            )
        return json_response(sim.describe_clock())

    @guarded
    async def faults(request: Request) -> Response:
        if request.method == "PUT":
            sim.faults.configure(FaultConfig.model_validate(await _json(request)))
        return json_response(
            {**sim.faults.config.model_dump(), "counters": dict(sim.faults.counters)}
        )

    @guarded
    async def permissions(request: Request) -> Response:
        if request.method == "PUT":
            body = PermissionsIn.model_validate(await _json(request))
            sim.permissions.denied = set(body.deny_write)
        return json_response({"denyWrite": sorted(sim.permissions.denied)})

    @guarded
    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            sim.requests.clear()
            return json_response({"cleared": True})
        limit = request.query_params.get("limit")
        return json_response({"requests": sim.requests.entries(int(limit) if limit else None)})

    async def stats(request: Request) -> Response:
        return json_response(sim.stats())

    async def deliveries(request: Request) -> Response:
        webhook_id = request.query_params.get("webhookId")
        return json_response(
            {"deliveries": [d.describe() for d in sim.dispatcher.deliveries(webhook_id)]}
        )

    async def flush(request: Request) -> Response:
        sent = await sim.dispatcher.deliver_due()
        return json_response({"attempted": [d.describe() for d in sent]})

    @guarded
    async def changes(request: Request) -> Response:
        since = request.query_params.get("since")
        entries = store.change_log()
        if since:
            cutoff = parse_instant(since)
            entries = [e for e in entries if dt.datetime.fromisoformat(e["at"]) >= cutoff]
        return json_response({"changes": entries})

    hr = "/_sim/hr/employees"
    return [
        Route("/health", health, methods=["GET"]),
        Route(hr, employees, methods=["GET", "POST"]),
        Route(hr + "/{id}", employee, methods=["GET", "DELETE"]),
        Route(hr + "/{id}/fields", update, methods=["POST"]),
        Route(hr + "/{id}/change-job", change_job, methods=["POST"]),
        Route(hr + "/{id}/start-leave", start_leave, methods=["POST"]),
        Route(hr + "/{id}/end-leave", end_leave, methods=["POST"]),
        Route(hr + "/{id}/terminate", terminate, methods=["POST"]),
        Route(hr + "/{id}/rehire", rehire, methods=["POST"]),
        Route("/_sim/state", state, methods=["GET"]),
        Route("/_sim/reset", reset, methods=["POST"]),
        Route("/_sim/clock", clock, methods=["GET", "PUT"]),
        Route("/_sim/faults", faults, methods=["GET", "PUT"]),
        Route("/_sim/permissions", permissions, methods=["GET", "PUT"]),
        Route("/_sim/requests", requests, methods=["GET", "DELETE"]),
        Route("/_sim/stats", stats, methods=["GET"]),
        Route("/_sim/changes", changes, methods=["GET"]),
        Route("/_sim/webhooks/deliveries", deliveries, methods=["GET"]),
        Route("/_sim/webhooks/flush", flush, methods=["POST"]),
    ]
