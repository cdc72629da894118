"""The compliance report as data: categories of rows, whatever the output format.

Every category has a stable id (`orphaned`, `terminated-but-active`, ...) used as the
CSV `category` value, the JSON key, and the HTML element ids (`count-<id>`, `cat-<id>`,
`table-<id>`), so scripts and auditors can rely on them across releases.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from lifecycle.reconcile import AttributeDiff

CategoryKind = Literal["finding", "info"]
ColumnType = Literal["num", "text", "date"]


class Column(BaseModel):
    key: str  # a ReportRow field
    label: str
    type: ColumnType = "text"


class ReportRow(BaseModel):
    """One line of one category; each category fills the fields its columns show."""

    employee_id: str | None = None
    name: str | None = None
    department: str | None = None
    hr_status: str | None = None  # BambooHR employment status
    login: str | None = None
    okta_user_id: str | None = None
    okta_status: str | None = None
    state: str | None = None  # the employee workflow's lifecycle state
    action: str | None = None
    when: datetime | date | None = None
    groups_extra: list[str] = Field(default_factory=list)
    groups_missing: list[str] = Field(default_factory=list)
    attributes: dict[str, AttributeDiff] = Field(default_factory=dict)
    detail: str | None = None


class CategoryReport(BaseModel):
    id: str
    title: str
    description: str
    kind: CategoryKind
    columns: list[Column]
    rows: list[ReportRow] = Field(default_factory=list)
    available: bool = True  # False when its source could not be read (see the notes)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def count(self) -> int:
        return len(self.rows)


class ComplianceReport(BaseModel):
    title: str = "Identity compliance report"
    generated_at: datetime
    as_of: datetime
    mode: str | None = None  # dry-run / apply: what the service does with what it finds
    sources: dict[str, str] = Field(default_factory=dict)
    totals: dict[str, int] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    categories: list[CategoryReport] = Field(default_factory=list)

    def category(self, category_id: str) -> CategoryReport:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    @property
    def summary(self) -> dict[str, int]:
        return {c.id: c.count for c in self.categories}

    @property
    def findings(self) -> int:
        """Rows in the categories that need someone to act (not the informational ones)."""
        return sum(c.count for c in self.categories if c.kind == "finding")
