"""The report as JSON (everything, nested by category) and as CSV (one flat table with a
`category` column, for spreadsheets and SIEM imports)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

from starters.report.model import ComplianceReport, ReportRow

CSV_FIELDS = [
    "category",
    "employee_id",
    "name",
    "department",
    "hr_status",
    "login",
    "okta_user_id",
    "okta_status",
    "state",
    "action",
    "when",
    "groups_extra",
    "groups_missing",
    "attributes",
    "detail",
]


def to_json(report: ComplianceReport) -> str:
    data = report.model_dump(mode="json", exclude={"categories"})
    data["summary"] = report.summary
    data["categories"] = {
        c.id: c.model_dump(mode="json", exclude={"id"}) for c in report.categories
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_csv(report: ComplianceReport) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for category in report.categories:
        for row in category.rows:
            writer.writerow({"category": category.id, **csv_values(row)})
    return out.getvalue()


def csv_values(row: ReportRow) -> dict[str, str]:
    return {
        "employee_id": row.employee_id or "",
        "name": row.name or "",
        "department": row.department or "",
        "hr_status": row.hr_status or "",
        "login": row.login or "",
        "okta_user_id": row.okta_user_id or "",
        "okta_status": row.okta_status or "",
        "state": row.state or "",
        "action": row.action or "",
        "when": iso(row.when),
        "groups_extra": "; ".join(row.groups_extra),
        "groups_missing": "; ".join(row.groups_missing),
        "attributes": attributes_text(row),
        "detail": row.detail or "",
    }


def iso(value: datetime | date | None) -> str:
    return "" if value is None else value.isoformat()


def attributes_text(row: ReportRow) -> str:
    return "; ".join(
        f"{name}: {_value(diff.before)} → {_value(diff.after)}"
        for name, diff in sorted(row.attributes.items())
    )


def _value(value: Any) -> str:
    return "(empty)" if value is None or value == "" else str(value)
