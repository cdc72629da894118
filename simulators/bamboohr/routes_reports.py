"""`POST /api/v1/reports/custom`: any fields of every employee, active or not.

As documented: the body is JSON only when `Content-Type` is exactly `application/json`
(anything else is read as an XML `<report>` document, so a JSON body with
`application/json; charset=UTF-8` fails as "Malformed XML"); the output format comes from
`format` (case-insensitive) or else from an exact `Accept` value, otherwise 404; unknown
field names are silently left out; more than 400 fields is a 400. JSON, XML and CSV are
produced; XLS and PDF answer 406 in the simulator.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.bamboohr import xmlout
from simulators.bamboohr.dialect import error, flag, json_response
from simulators.bamboohr.formats import parse_instant
from simulators.bamboohr.records import EmployeeRecord
from simulators.bamboohr.routes_employees import MAX_FIELDS
from simulators.bamboohr.store import BambooHRStore

FORMATS = {"json", "xml", "csv", "xls", "pdf"}
ACCEPT_FORMATS = {
    "application/json": "json",
    "text/xml": "xml",
    "text/csv": "csv",
    "application/pdf": "pdf",
    "application/vnd.ms-excel": "xls",
}


class ReportError(ValueError):
    pass


def parse_json_definition(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportError("Malformed JSON") from exc
    if not isinstance(data, dict):
        raise ReportError("Malformed JSON: the report definition must be an object")
    return data


def parse_xml_definition(body: bytes) -> dict[str, Any]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ReportError("Malformed XML") from exc
    if root.tag != "report":
        raise ReportError("Malformed XML: the root element must be <report>")
    definition: dict[str, Any] = {
        "title": (root.findtext("title") or "").strip(),
        "fields": [f.get("id", "") for f in root.findall("./fields/field")],
    }
    filters: dict[str, Any] = {}
    last_changed = root.find("./filters/lastChanged")
    if last_changed is not None:
        filters["lastChanged"] = {
            "value": (last_changed.text or "").strip(),
            "includeNull": last_changed.get("includeNull", "yes"),
        }
    ids = root.findall("./filters/employeeIds/employeeId")
    if ids:
        filters["employeeIds"] = [(i.text or "").strip() for i in ids]
    if filters:
        definition["filters"] = filters
    return definition


def routes(store: BambooHRStore) -> list[Route]:
    async def custom_report(request: Request) -> Response:
        requested = request.query_params.get("format")
        if requested is not None:
            fmt = requested.strip().lower()
            if fmt not in FORMATS:
                return error(404, f"Report format {requested!r} not found")
        else:
            fmt = ACCEPT_FORMATS.get(request.headers.get("accept", "").strip(), "")
            if not fmt:
                return error(404, "Report format not found: set ?format= or an exact Accept value")
        if fmt in ("xls", "pdf"):
            return error(406, f"The simulator does not produce {fmt.upper()} reports")
        body = await request.body()
        try:
            if request.headers.get("content-type", "") == "application/json":
                definition = parse_json_definition(body)
            else:
                definition = parse_xml_definition(body)
            title, names, include = interpret(definition)
        except ReportError as exc:
            return error(400, str(exc))
        only_current = flag(request.query_params.get("onlyCurrent"))
        rows = store.values_for_all(names, only_current=only_current, include=include)
        employees = [{k: "" if v is None else v for k, v in row.items()} for row in rows]
        fields = [
            {"id": name, "type": f.type, "name": f.name} for name, f in store.known_fields(names)
        ]
        if fmt == "xml":
            return xmlout.xml_response(xmlout.report(title, fields, employees), "text/xml")
        if fmt == "csv":
            return csv_response(fields, employees)
        return json_response({"title": title, "fields": fields, "employees": employees})

    return [Route("/api/v1/reports/custom", custom_report, methods=["POST"])]


def interpret(definition: dict[str, Any]) -> tuple[str, list[str], Any]:
    title = definition.get("title") or ""
    names = definition.get("fields") or []
    if not isinstance(names, list) or not all(isinstance(n, str | int) for n in names):
        raise ReportError("fields must be a list of field names or ids")
    names = [str(n) for n in names]
    if len(names) > MAX_FIELDS:
        raise ReportError(f"Too many fields requested (maximum {MAX_FIELDS})")
    filters = definition.get("filters") or {}
    if not isinstance(filters, dict):
        raise ReportError("filters must be an object")
    since: datetime | None = None
    last_changed = filters.get("lastChanged")
    if isinstance(last_changed, dict) and last_changed.get("value"):
        try:
            since = parse_instant(str(last_changed["value"]))
        except ValueError as exc:
            raise ReportError("filters.lastChanged.value is not an ISO-8601 date-time") from exc
    ids_filter = filters.get("employeeIds")
    wanted_ids = {str(i) for i in ids_filter} if isinstance(ids_filter, list) else None

    def include(record: EmployeeRecord) -> bool:
        if wanted_ids is not None and record.id not in wanted_ids:
            return False
        # Every simulated employee has a lastChanged, so includeNull changes nothing here.
        return since is None or record.last_changed >= since

    return str(title), names, include


def csv_response(fields: list[dict[str, str]], employees: list[dict[str, Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", *(f["name"] for f in fields)])
    for e in employees:
        writer.writerow([e["id"], *(e.get(f["id"], "") for f in fields)])
    return Response(out.getvalue(), 200, media_type="text/csv")
