"""One entry point for the three output formats."""

from __future__ import annotations

from starters.report.formats import to_csv, to_json
from starters.report.html import to_html
from starters.report.model import ComplianceReport


def render(report: ComplianceReport, fmt: str) -> str:
    if fmt == "csv":
        return to_csv(report)
    if fmt == "html":
        return to_html(report)
    return to_json(report)
