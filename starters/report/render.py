"""One entry point for the three output formats."""

from __future__ import annotations

from pathlib import Path

from starters.report.formats import to_csv, to_json
from starters.report.html import to_html
from starters.report.model import ComplianceReport


def render(report: ComplianceReport, fmt: str, templates: Path | None = None) -> str:
    """`templates`: the operator's template directory (policy `templates.directory`)."""
    if fmt == "csv":
        return to_csv(report)
    if fmt == "html":
        return to_html(report, templates)
    return to_json(report)
