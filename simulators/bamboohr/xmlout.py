"""Minimal XML bodies, for clients that do not send `Accept: application/json` (BambooHR's
default format). The shapes follow the spec's XML schemas and the documented examples:
`<employee id><field id>value</field></employee>`, `<directory><fieldset>...`, `<table><row>`.
Only what the simulated endpoints answer; the service itself always asks for JSON.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.responses import Response


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fields(parent: ET.Element, values: Mapping[str, Any], skip: Iterable[str] = ("id",)) -> None:
    skipped = set(skip)
    for key, value in values.items():
        if key in skipped:
            continue
        node = ET.SubElement(parent, "field", id=key)
        node.text = _text(value)


def xml_response(root: ET.Element, media_type: str = "application/xml") -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, 200, media_type=media_type)


def employee(values: Mapping[str, Any]) -> ET.Element:
    root = ET.Element("employee", id=str(values["id"]))
    _fields(root, values)
    return root


def directory(fields: list[dict[str, str]], employees: list[dict[str, Any]]) -> ET.Element:
    root = ET.Element("directory")
    fieldset = ET.SubElement(root, "fieldset")
    for f in fields:
        ET.SubElement(fieldset, "field", id=f["id"]).text = f["name"]
    people = ET.SubElement(root, "employees")
    for e in employees:
        _fields(ET.SubElement(people, "employee", id=str(e["id"])), e)
    return root


def changed(latest: str, employees: Mapping[str, Mapping[str, str]]) -> ET.Element:
    root = ET.Element("employees", latest=latest)
    for eid, item in employees.items():
        ET.SubElement(
            root, "employee", id=eid, action=item["action"], lastChanged=item["lastChanged"]
        )
    return root


def table(rows: list[dict[str, Any]]) -> ET.Element:
    root = ET.Element("table")
    for row in rows:
        node = ET.SubElement(root, "row", id=str(row["id"]), employeeId=str(row["employeeId"]))
        _fields(node, row, skip=("id", "employeeId"))
    return root


def changed_table(name: str, employees: Mapping[str, Mapping[str, Any]]) -> ET.Element:
    root = ET.Element("table", id=name)
    for eid, item in employees.items():
        node = ET.SubElement(root, "employee", id=eid, lastChanged=item["lastChanged"])
        for row in item["rows"]:
            row_node = ET.SubElement(node, "row", id=str(row["id"]))
            _fields(row_node, row, skip=("id", "employeeId"))
    return root


def meta_fields(fields: list[dict[str, Any]]) -> ET.Element:
    root = ET.Element("fields")
    for f in fields:
        node = ET.SubElement(root, "field", id=str(f["id"]), type=f["type"], alias=f["alias"])
        node.text = f["name"]
    return root


def report(title: str, fields: list[dict[str, str]], employees: list[dict[str, Any]]) -> ET.Element:
    root = ET.Element("report")
    ET.SubElement(root, "title").text = title
    fieldset = ET.SubElement(root, "fields")
    for f in fields:
        ET.SubElement(fieldset, "field", id=f["id"], type=f["type"]).text = f["name"]
    people = ET.SubElement(root, "employees")
    for e in employees:
        _fields(ET.SubElement(people, "employee", id=str(e["id"])), e)
    return root
