"""The field catalogue: every employee field the simulated company has, with its numeric id,
display name, type and API alias (what `GET /api/v1/meta/fields` lists).

Clients may name a field by alias (`firstName`) or by numeric id (`"4001"`); both resolve
here. `source` says where the value lives: a plain stored field, a column of an
effective-dated table (jobInfo, employmentStatus), or derived from other values. Standard ids
are the simulator's own (BambooHR's real ids differ per field and are not documented in
full); custom fields use ids from 4000 up, as BambooHR does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Literal

Source = Literal["stored", "jobInfo", "employmentStatus", "derived"]


@dataclass(frozen=True)
class FieldDef:
    id: int
    name: str
    type: str
    alias: str
    source: Source = "stored"

    @property
    def is_date(self) -> bool:
        return self.type == "date"

    def describe(self) -> dict[str, object]:
        """The `/meta/fields` entry."""
        return {"id": self.id, "name": self.name, "type": self.type, "alias": self.alias}

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


STANDARD_FIELDS: tuple[FieldDef, ...] = (
    FieldDef(1, "First Name", "text", "firstName"),
    FieldDef(2, "Last Name", "text", "lastName"),
    FieldDef(3, "Preferred Name", "text", "preferredName"),
    FieldDef(4, "Display Name", "text", "displayName", "derived"),
    FieldDef(5, "Employee #", "text", "employeeNumber"),
    FieldDef(6, "Work Email", "email", "workEmail"),
    FieldDef(7, "Home Email", "email", "homeEmail"),
    FieldDef(8, "Best Email", "email", "bestEmail", "derived"),
    FieldDef(9, "Mobile Phone", "phone", "mobilePhone"),
    FieldDef(10, "Work Phone", "phone", "workPhone"),
    FieldDef(11, "Hire Date", "date", "hireDate"),
    FieldDef(12, "Original Hire Date", "date", "originalHireDate"),
    FieldDef(13, "Department", "list", "department", "jobInfo"),
    FieldDef(14, "Division", "list", "division", "jobInfo"),
    FieldDef(15, "Location", "list", "location", "jobInfo"),
    FieldDef(16, "Job Title", "list", "jobTitle", "jobInfo"),
    FieldDef(17, "Reporting to", "employee", "supervisor", "jobInfo"),
    FieldDef(18, "Supervisor EID", "int", "supervisorEId", "jobInfo"),
    FieldDef(19, "Supervisor Employee #", "text", "supervisorId", "jobInfo"),
    FieldDef(20, "Supervisor Email", "email", "supervisorEmail", "jobInfo"),
    FieldDef(21, "Employment Status", "list", "employmentHistoryStatus", "employmentStatus"),
    FieldDef(22, "Termination Date", "date", "terminationDate", "employmentStatus"),
    FieldDef(23, "Status", "status", "status", "derived"),
    FieldDef(24, "Last Changed", "timestamp", "lastChanged", "derived"),
)

DEFAULT_CUSTOM_FIELDS: tuple[FieldDef, ...] = (
    FieldDef(4001, "Job Level", "list", "customJobLevel"),
    FieldDef(4002, "Cost Center", "text", "customCostCenter"),
    FieldDef(4003, "Leave Return Date", "date", "customLeaveReturnDate"),
)

# Columns of the effective-dated tables, in the order BambooHR lists them.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "jobInfo": ("date", "location", "division", "department", "jobTitle", "reportsTo"),
    "employmentStatus": (
        "date",
        "employmentStatus",
        "comment",
        "terminationReasonId",
        "terminationTypeId",
        "terminationRehireId",
        "terminationRegrettableId",
    ),
}


class UnknownFieldError(KeyError):
    pass


class FieldCatalogue:
    """Standard fields plus the company's custom fields (configurable)."""

    def __init__(self, custom: Iterable[FieldDef] = DEFAULT_CUSTOM_FIELDS) -> None:
        self._fields: list[FieldDef] = [*STANDARD_FIELDS]
        self._by_alias: dict[str, FieldDef] = {}
        self._by_lower: dict[str, FieldDef] = {}
        self._by_id: dict[str, FieldDef] = {}
        for field in STANDARD_FIELDS:
            self._index(field)
        for field in custom:
            self.add(field)

    def _index(self, field: FieldDef) -> None:
        self._by_alias[field.alias] = field
        self._by_lower[field.alias.lower()] = field
        self._by_id[str(field.id)] = field

    def add(self, field: FieldDef) -> None:
        if field.alias in self._by_alias or str(field.id) in self._by_id:
            raise ValueError(f"field {field.alias!r} / id {field.id} already exists")
        if field.source != "stored":
            raise ValueError("custom fields are stored fields")
        self._fields.append(field)
        self._index(field)

    def __iter__(self) -> Iterator[FieldDef]:
        return iter(self._fields)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def find(self, name: str) -> FieldDef | None:
        """By alias (exact, then case-insensitive) or by numeric id."""
        key = name.strip()
        return self._by_alias.get(key) or self._by_id.get(key) or self._by_lower.get(key.lower())

    def resolve(self, name: str) -> FieldDef:
        field = self.find(name)
        if field is None:
            raise UnknownFieldError(name)
        return field

    @property
    def custom(self) -> list[FieldDef]:
        return [f for f in self._fields if f.id >= 4000]

    @property
    def stored(self) -> list[FieldDef]:
        return [f for f in self._fields if f.source == "stored"]

    def describe(self) -> list[dict[str, object]]:
        return [f.describe() for f in self._fields]

    @classmethod
    def from_custom_dicts(cls, custom: Iterable[dict[str, object]]) -> FieldCatalogue:
        return cls(
            FieldDef(
                id=int(str(c["id"])),
                name=str(c["name"]),
                type=str(c.get("type", "text")),
                alias=str(c["alias"]),
            )
            for c in custom
        )
