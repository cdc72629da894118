"""The report as ONE self-contained HTML page: inline CSS and JavaScript, no external
assets (it is mailed, attached to tickets and opened offline), readable without scripts.
The page is `page/report.html.j2` (with report.css and report.js); an operator replaces any
of them with a file of the same name in the policy's `templates.directory`.

Stable hooks for people and tools:
- summary cards `#count-<category>` with `data-category`, `data-kind` (finding/info),
  `data-count` (rows) and `data-available`; the script adds `data-rendered-count` (rows it
  counted in the table) once it ran, and sets `<body data-ready="true">`;
- sections `#cat-<category>` and tables `#table-<category>` (`data-count` too);
- `#generated-at` / `#as-of` are `<time datetime=...>` elements;
- every table sorts by clicking a column header; `#sort=<category>:<column>[:desc]` in the
  URL sorts on load (deep links, and headless checks).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from integrations.templating import template_environment
from starters.report.formats import iso
from starters.report.model import Column, ComplianceReport, ReportRow

TOTAL_LABELS = {
    "hr_records": "BambooHR records",
    "okta_accounts": "Okta accounts",
    "linked_accounts": "Accounts linked to an employee",
    "service_accounts": "Service accounts",
    "protected_accounts": "Protected accounts",
    "running_workflows": "Running employee workflows",
}
SOURCE_LABELS = {
    "bamboohr": "BambooHR",
    "okta": "Okta",
    "temporal": "Temporal",
    "audit": "Audit store",
}


PAGE = Path(__file__).with_name("page")


def to_html(report: ComplianceReport, templates: Path | None = None) -> str:
    """The page; `templates`: the operator's directory whose files replace the packaged ones
    (a broken one raises jinja2.TemplateError naming the file and line)."""
    env = template_environment(PAGE, templates)
    page = env.get_template("report.html.j2").render(
        report=report,
        show=_show,
        cells=_cell,
        source_labels=SOURCE_LABELS,
        total_labels=TOTAL_LABELS,
    )
    return page if page.endswith("\n") else page + "\n"


def _show(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            return value.strftime("%Y-%m-%d %H:%M")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _cell(col: Column, row: ReportRow) -> dict[str, Any]:
    """What one table cell shows and sorts by (the template escapes every value)."""
    value: Any = getattr(row, col.key)
    cell: dict[str, Any] = {"key": col.key, "chips": None, "diffs": None, "status": False}
    if col.key in ("groups_extra", "groups_missing"):
        cell.update(sort="; ".join(value), chips=list(value), text="")
    elif col.key == "attributes":
        cell.update(
            sort="; ".join(sorted(value)),
            text="",
            diffs=[
                {"name": name, "before": _plain(d.before), "after": _plain(d.after)}
                for name, d in sorted(value.items())
            ],
        )
    elif isinstance(value, datetime | date):
        cell.update(sort=iso(value), text=_show(value))
    else:
        text = "" if value is None else str(value)
        cell.update(sort=text, text=text, status=col.key in ("okta_status", "state") and bool(text))
    if col.type == "num":
        # "125, 129" (a finding about two people) sorts by its first id.
        cell["sort"] = cell["sort"].split(",")[0].strip() if cell["sort"] else ""
    return cell


def _plain(value: Any) -> str:
    return "(empty)" if value is None or value == "" else str(value)
