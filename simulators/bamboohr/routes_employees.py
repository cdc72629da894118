"""Employee reads (one employee, the directory, what changed since, the tables) and the one
write the service makes: `POST /api/v1/employees/{id}` (update-employee), a JSON object of
field name/value pairs, answered 200 with no body as the official spec says. The simulated
API user's write permission (`WritePermissions`) can be narrowed: a field it may not write
is refused with 403, as BambooHR does for a key whose user lacks the permission."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.bamboohr import xmlout
from simulators.bamboohr.dialect import error, flag, json_response, negotiate, not_acceptable
from simulators.bamboohr.fields import UnknownFieldError
from simulators.bamboohr.formats import format_instant, parse_instant
from simulators.bamboohr.store import TABLES, BambooHRStore, EmployeeNotFoundError, HRActionError

MAX_FIELDS = 400
DIRECTORY_FIELDS = (
    "displayName",
    "firstName",
    "lastName",
    "preferredName",
    "jobTitle",
    "workPhone",
    "mobilePhone",
    "workEmail",
    "department",
    "location",
    "division",
    "supervisor",
)
CHANGE_TYPES = {"inserted": "Inserted", "updated": "Updated", "deleted": "Deleted", "all": None}


def parse_since(request: Request) -> datetime | Response:
    raw = request.query_params.get("since")
    if raw is None or not raw.strip():
        return error(400, "Missing required parameter: since (ISO-8601 date-time)")
    try:
        return parse_instant(raw)
    except ValueError:
        return error(400, f"Invalid since parameter {raw!r}: expected an ISO-8601 date-time")


@dataclass
class WritePermissions:
    """Which fields the API key's user may write: every field unless named in `denied`
    ("*": none at all, a read-only key). Set through `PUT /_sim/permissions`."""

    denied: set[str] = field(default_factory=set)

    def refuses(self, name: str) -> bool:
        return "*" in self.denied or name in self.denied


def routes(store: BambooHRStore, permissions: WritePermissions | None = None) -> list[Route]:
    permissions = permissions if permissions is not None else WritePermissions()

    async def get_employee(request: Request) -> Response:
        fmt = negotiate(request)
        if fmt is None:
            return not_acceptable()
        names = [n for n in request.query_params.get("fields", "firstName,lastName").split(",")]
        if len([n for n in names if n.strip()]) > MAX_FIELDS:
            return error(400, f"Too many fields requested (maximum {MAX_FIELDS})")
        only_current = flag(request.query_params.get("onlyCurrent"))
        try:
            values = store.get(request.path_params["id"], names, only_current=only_current)
        except EmployeeNotFoundError:
            return error(404, "Employee not found")
        if fmt == "xml":
            return xmlout.xml_response(xmlout.employee(values))
        return json_response(values)

    async def directory(request: Request) -> Response:
        fmt = negotiate(request)
        if fmt is None:
            return not_acceptable()
        only_current = flag(request.query_params.get("onlyCurrent"))
        wanted = set(store.directory_ids(only_current=only_current))
        employees = store.values_for_all(
            DIRECTORY_FIELDS, only_current=only_current, include=lambda r: r.id in wanted
        )
        if not employees:
            return error(404, "The directory is empty")
        fields = [
            {"id": name, "type": f.type, "name": f.name}
            for name, f in store.known_fields(DIRECTORY_FIELDS)
        ]
        if fmt == "xml":
            return xmlout.xml_response(xmlout.directory(fields, employees))
        return json_response({"fields": fields, "employees": employees})

    async def changed(request: Request) -> Response:
        fmt = negotiate(request)
        if fmt is None:
            return not_acceptable()
        since = parse_since(request)
        if isinstance(since, Response):
            return since
        kind = request.query_params.get("type", "all").strip().lower()
        if kind not in CHANGE_TYPES:
            return error(400, f"Invalid type {kind!r}: use inserted, updated, deleted or all")
        wanted = CHANGE_TYPES[kind]
        found = {
            eid: (action, at)
            for eid, (action, at) in store.changed_since(since).items()
            if wanted is None or action == wanted
        }
        latest = max((at for _, at in found.values()), default=since)
        employees = {
            eid: {"id": eid, "action": action, "lastChanged": format_instant(at)}
            for eid, (action, at) in sorted(found.items(), key=lambda kv: int(kv[0]))
        }
        if fmt == "xml":
            return xmlout.xml_response(xmlout.changed(format_instant(latest), employees))
        return json_response({"latest": format_instant(latest), "employees": employees})

    async def changed_table(request: Request) -> Response:
        fmt = negotiate(request)
        if fmt is None:
            return not_acceptable()
        table = request.path_params["table"]
        if table not in TABLES:
            return error(404, f"Table {table!r} not found")
        since = parse_since(request)
        if isinstance(since, Response):
            return since
        employees = {}
        for eid, (action, at) in sorted(
            store.changed_since(since).items(), key=lambda kv: int(kv[0])
        ):
            if action == "Deleted" or not store.exists(eid):
                continue
            employees[eid] = {"lastChanged": format_instant(at), "rows": store.table(eid, table)}
        if fmt == "xml":
            return xmlout.xml_response(xmlout.changed_table(table, employees))
        return json_response({"table": table, "employees": employees})

    async def table_rows(request: Request) -> Response:
        fmt = negotiate(request)
        if fmt is None:
            return not_acceptable()
        table = request.path_params["table"]
        if table not in TABLES:
            return error(404, f"Table {table!r} not found")
        try:
            rows = store.table(request.path_params["id"], table)
        except EmployeeNotFoundError:
            return error(404, "Employee not found")
        if fmt == "xml":
            return xmlout.xml_response(xmlout.table(rows))
        return json_response(rows)

    async def update_employee(request: Request) -> Response:
        eid = request.path_params["id"]
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            return error(400, "Provided JSON is malformed")
        if not isinstance(body, dict) or not body:
            return error(400, "The body must be a JSON object of field names and values")
        if not store.exists(eid):
            return error(404, "Employee not found")
        values: dict[str, str | None] = {}
        for name, value in body.items():
            try:
                alias = store.catalogue.resolve(str(name)).alias
            except UnknownFieldError:
                return error(400, f"Unknown field {name!r}")
            if permissions.refuses(alias) or permissions.refuses(str(name)):
                return error(403, f"The API user does not have permission to update {alias}")
            if isinstance(value, bool | dict | list):
                return error(400, f"Invalid value for {alias}")
            values[str(name)] = None if value is None else str(value)
        try:
            store.update_fields(eid, values)
        except EmployeeNotFoundError:
            return error(404, "Employee not found")
        except HRActionError as exc:
            # A duplicate work email, a derived field: the spec's 409 (an invalid value).
            return error(409, str(exc))
        return Response(b"", 200)

    return [
        Route("/api/v1/employees/directory", directory, methods=["GET"]),
        Route("/api/v1/employees/changed", changed, methods=["GET"]),
        Route("/api/v1/employees/changed/tables/{table}", changed_table, methods=["GET"]),
        Route("/api/v1/employees/{id}/tables/{table}", table_rows, methods=["GET"]),
        Route("/api/v1/employees/{id}", get_employee, methods=["GET"]),
        Route("/api/v1/employees/{id}", update_employee, methods=["POST"]),
    ]
