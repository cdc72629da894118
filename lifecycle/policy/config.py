"""The policy file (`config/policy.yaml`): its model, defaults and loader.

`load_policy(path)` / `parse_policy(text, source_name)` return a frozen `PolicyConfig` or
raise `PolicyError` listing *every* problem as `file:line: key.path: message`. Unknown keys
are errors: a typo in a policy ("departmnet") must never silently turn a rule off.
The commented example `config/policy.yaml` documents each key for IT admins.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from lifecycle.calendar import (
    CalendarError,
    LocalTime,
    check_holiday_calendar,
    parse_weekday,
    public_holidays,
    validate_zone,
)
from lifecycle.policy.conditions import is_pattern, same_text
from lifecycle.policy.errors import PolicyError
from lifecycle.policy.templates import TemplateError, check_field_name, is_template, parse_template
from lifecycle.policy.yaml_source import LocatedData, load_located
from lifecycle.policy.yaml_source import Path as KeyPath
from lifecycle.tamper import TamperMode, TamperRule

__all__ = ["PolicyConfig", "PolicyError", "load_policy", "parse_policy"]

# --- value types: each turns a wrong shape into one readable sentence ---------------------


def _text(value: Any) -> Any:
    # Numbers and dates are accepted where text is expected (`4001`, `2026-01-01`); a bool,
    # null, list or mapping is almost always a mistake worth reporting.
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise ValueError("expected a string")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    return value


def _text_list(value: Any) -> Any:
    def one(item: Any) -> str:
        if isinstance(item, bool) or not isinstance(item, str | int | float | date):
            raise ValueError("expected a string or list of strings")
        return item.isoformat() if isinstance(item, date) else str(item)

    if isinstance(value, list):
        return [one(item) for item in value]
    return [one(value)]


def _non_empty(values: list[str]) -> list[str]:
    if not values:
        raise ValueError("expected at least one value")
    if any(not v.strip() for v in values):
        raise ValueError("values must not be blank")
    return values


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _zone(value: str) -> str:
    try:
        return validate_zone(value)
    except CalendarError as exc:
        raise ValueError(str(exc)) from None


def _local_time(value: str) -> str:
    try:
        return str(LocalTime.parse(value))
    except CalendarError as exc:
        raise ValueError(str(exc)) from None


def _weekday(value: Any) -> int:
    try:
        return parse_weekday(value)
    except CalendarError as exc:
        raise ValueError(str(exc)) from None


def _field_name(value: str) -> str:
    try:
        return check_field_name(value)
    except TemplateError as exc:
        raise ValueError(str(exc)) from None


def _template(value: str) -> str:
    try:
        parse_template(value)
    except TemplateError as exc:
        raise ValueError(str(exc)) from None
    return value


def _text_spec(value: str) -> str:
    """A plain string in `profile`: a template if it has braces, else a source field."""
    return _template(value) if is_template(value) else _field_name(value)


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from None
    return value


def _group_name(value: str) -> str:
    if is_template(value):
        raise ValueError("group names are literal Okta group names (no {templates})")
    return _not_blank(value)


Text = Annotated[str, BeforeValidator(_text)]
TextList = Annotated[list[str], BeforeValidator(_text_list)]
Values = Annotated[list[str], BeforeValidator(_text_list), AfterValidator(_non_empty)]
Zone = Annotated[str, BeforeValidator(_text), AfterValidator(_zone)]
LocalTimeText = Annotated[str, BeforeValidator(_text), AfterValidator(_local_time)]
Weekday = Annotated[int, BeforeValidator(_weekday)]
FieldName = Annotated[str, BeforeValidator(_text), AfterValidator(_field_name)]
TemplateText = Annotated[str, BeforeValidator(_text), AfterValidator(_template)]
Regex = Annotated[str, BeforeValidator(_text), AfterValidator(_regex)]
GroupName = Annotated[str, BeforeValidator(_text), AfterValidator(_group_name)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- sections ----------------------------------------------------------------------------


class LoginNormaliseConfig(_Section):
    """How an HR value becomes part of a generated login (applied to each placeholder)."""

    lowercase: bool = True
    fold_diacritics: bool = True  # José Núñez -> Jose Nunez, Søren -> Soren, ß -> ss
    remove: Annotated[str, BeforeValidator(_text)] = " '\u2019`"  # characters dropped


class GenerateLoginConfig(_Section):
    """A login made from HR names when BambooHR has no work email yet (see
    lifecycle/policy/login.py). The chosen one is written back to BambooHR's workEmail."""

    template: TemplateText
    normalise: LoginNormaliseConfig = Field(default_factory=LoginNormaliseConfig)
    # What is tried when the login is taken: "number" (base, base.2, base.3...) or
    # "middle_initial" (jose.m.nunez first, then the numbers).
    collision: Literal["number", "middle_initial"] = "number"
    number_separator: Annotated[str, BeforeValidator(_text)] = "."
    middle_name_field: FieldName = "middleName"
    # Also refuse a candidate that is another Okta account's primary email.
    check_okta_email: bool = True
    max_candidates: int = Field(default=50, ge=1, le=1000)

    @model_validator(mode="after")
    def _has_fields(self) -> GenerateLoginConfig:
        if not parse_template(self.template).fields():
            raise ValueError("template: must use at least one HR field, e.g. {lastName}")
        if "@" not in self.template:
            raise ValueError("template: must end in @<domain> (a login is an email address)")
        return self


class IdentityConfig(_Section):
    okta_id_attribute: Annotated[Text, AfterValidator(_not_blank)] = "bambooHrId"
    login: TemplateText = "{workEmail}"
    email_domains: TextList = Field(default_factory=list)
    # Off unless configured: employees without a work email go to review (NO_WORK_EMAIL).
    generate_login: GenerateLoginConfig | None = None
    # A work email HR types later that differs from the generated login: keep the login
    # and change only the Okta `email` (keep_login), or rename the login (rename_login).
    on_hr_email_change: Literal["keep_login", "rename_login"] = "keep_login"


# Years a removal by name is checked against: a name that never occurs is a typo.
_NAME_CHECK_YEARS = tuple(range(2020, 2041))


def _base_name(name: str) -> str:
    """A holiday's name without the observed marker: removing "Veterans Day" also removes the
    weekday it is observed on when it falls on a weekend."""
    return name.lower().removesuffix(" (observed)").strip()


def _date_or_name(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            return _not_blank(text)
    return value


class HolidayCalendar(_Section):
    """A location's public holidays: the `holidays` package's calendar for a country (and
    optionally a subdivision), plus days the company adds, minus holidays it works (a date,
    or a holiday's name to drop it every year)."""

    country: Annotated[str, BeforeValidator(_text)]
    subdivision: Annotated[str, BeforeValidator(_text)] | None = None
    add: list[date] = Field(default_factory=list)
    remove: list[Annotated[date | str, BeforeValidator(_date_or_name)]] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _known(self) -> HolidayCalendar:
        try:
            check_holiday_calendar(self.country, self.subdivision)
        except CalendarError as exc:
            raise ValueError(str(exc)) from None
        if self._removed_names:
            known = {
                _base_name(name)
                for found in public_holidays(
                    self.country, self.subdivision, _NAME_CHECK_YEARS
                ).values()
                for name in found
            }
            unknown = [n for n in self._removed_names if _base_name(n) not in known]
            if unknown:
                raise ValueError(
                    f"remove: no holiday named {', '.join(map(repr, unknown))} in "
                    f"{self.region} "
                    "(names as the holidays package gives them, e.g. 'Columbus Day')"
                )
        return self

    @property
    def region(self) -> str:
        return self.country + (f"-{self.subdivision}" if self.subdivision else "")

    @property
    def _removed_names(self) -> list[str]:
        return [r for r in self.remove if isinstance(r, str)]

    def dates(self, years: tuple[int, ...]) -> frozenset[date]:
        names = {_base_name(n) for n in self._removed_names}
        removed_days = {r for r in self.remove if isinstance(r, date)}
        kept = {
            day
            for day, found in public_holidays(self.country, self.subdivision, years).items()
            # A day two holidays share stays off unless every one of them is removed.
            if any(_base_name(name) not in names for name in found)
        }
        added = {d for d in self.add if d.year in years}
        return frozenset((kept | added) - removed_days)


class TimeConfig(_Section):
    default_zone: Zone = "UTC"
    zones_by_location: dict[str, Zone] = Field(default_factory=dict)
    weekend: list[Weekday] = Field(default_factory=lambda: [5, 6])
    # Company-wide days off for everyone, on top of each location's calendar.
    holidays: list[date] = Field(default_factory=list)
    # BambooHR location -> its public holidays; the default for any other location (none:
    # only `holidays` above).
    holiday_calendars: dict[str, HolidayCalendar] = Field(default_factory=dict)
    default_holiday_calendar: HolidayCalendar | None = None
    # A BambooHR location missing from zones_by_location: "review" (IT is told; the default
    # zone is used meanwhile, which west of it cuts access hours early) or "default_zone".
    unmapped_location: Literal["review", "default_zone"] = "review"

    @cached_property
    def weekend_days(self) -> frozenset[int]:
        return frozenset(self.weekend)


class PreboardConfig(_Section):
    business_days: int = Field(default=5, ge=0, le=60)
    at: LocalTimeText = "09:00"


class ActivationConfig(_Section):
    at: LocalTimeText = "07:00"
    send_email: bool = True


class StatusesConfig(_Section):
    active: Values = Field(
        default_factory=lambda: ["Full-Time", "Part-Time", "Contractor", "Intern"]
    )
    leave: TextList = Field(default_factory=lambda: ["Leave of Absence"])
    terminated: Values = Field(default_factory=lambda: ["Terminated"])


class LeaveConfig(_Section):
    start_at: LocalTimeText = "00:00"
    return_at: LocalTimeText = "07:00"
    return_date_field: FieldName | None = None
    remove_groups: TextList = Field(default_factory=list)


class TerminationConfig(_Section):
    at: LocalTimeText = "end_of_day"
    immediate_types: TextList = Field(default_factory=list)
    remove_groups: bool = True
    alert_after_failures: int = Field(default=5, ge=1)


class TemplatesConfig(_Section):
    """The operator's replacements for packaged templates, by file name: report.html.j2
    (with report.css, report.js) for `lifecycle report`, notification.txt.j2 and
    notification.md.j2 for every notification, <event>.txt.j2 for one event's text. A
    directory, relative to the policy file; files it lacks stay the packaged ones."""

    directory: Path | None = None


class TamperConfig(_Section):
    """Changes made in Okta by someone else (event hooks, System Log): see lifecycle/tamper.py.

    `tamper: revert` (or alert, ignore) sets both; the mapping sets each.
    """

    departed: TamperMode = TamperMode.REVERT
    others: TamperMode = TamperMode.ALERT

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"departed": value, "others": value}
        return value

    def rule(self) -> TamperRule:
        return TamperRule(departed=self.departed, others=self.others)


class ProtectedConfig(_Section):
    logins: TextList = Field(default_factory=list)
    groups: TextList = Field(default_factory=list)


class ServiceAccountsConfig(_Section):
    """How Okta accounts of nobody in HR are told apart from orphans.

    Such an account is a *service account* when its `userType` is one of `user_types`, its
    login matches one of `login_patterns` (globs on the whole login, case-insensitive) or
    `logins`, or it is a member of one of `groups`. Accounts the policy protects are listed
    as protected. Only what is left is called orphaned by reconciliation and the report.
    """

    user_types: TextList = Field(default_factory=lambda: ["Service", "System", "Bot"])
    login_patterns: TextList = Field(
        default_factory=lambda: [
            "svc.*",
            "svc-*",
            "svc_*",
            "service.*",
            "service-*",
            "noreply*",
            "no-reply*",
        ]
    )
    logins: TextList = Field(default_factory=list)
    groups: TextList = Field(default_factory=list)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(value: Any) -> Any:
    # "90m", "1h", "1.5h", "1d": what an admin writes; a bare number is minutes.
    if isinstance(value, bool) or value is None:
        raise ValueError("expected a duration such as 30m, 1h or 1d")
    if isinstance(value, int | float):
        return timedelta(minutes=value)
    if isinstance(value, str):
        found = _DURATION.match(value)
        if not found:
            raise ValueError(f"expected a duration such as 30m, 1h or 1d, not {value!r}")
        return timedelta(seconds=float(found.group(1)) * _UNIT_SECONDS[found.group(2)])
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class SafeguardsConfig(_Section):
    """The mass-change guard: within any `window`, at most `threshold(active)` accounts are
    suspended or deactivated without an operator's approval."""

    max_share: float = Field(default=0.05, gt=0, le=1)
    min_count: int = Field(default=5, ge=0)
    window: Duration = Field(default=timedelta(hours=1))

    @model_validator(mode="after")
    def _window_positive(self) -> SafeguardsConfig:
        if self.window <= timedelta(0):
            raise ValueError("'window' must be longer than zero")
        return self

    def threshold(self, active_accounts: int) -> int:
        """How many disruptive actions a window allows for this many active accounts (the
        one home of this rule: the guard, reconciliation's early warning and reports)."""
        return max(self.min_count, math.floor(self.max_share * active_accounts))


# --- profile mapping ---------------------------------------------------------------------

Case = Literal["upper", "lower", "title"]


class MappingSpec(_Section):
    """One Okta attribute: where its value comes from and how it is transformed.

    Order: source/template/value → extract → lookup → case → default (when still empty).
    """

    source: FieldName | None = None
    template: TemplateText | None = None
    value: Text | None = None
    extract: Regex | None = None
    lookup: dict[str, Text] | None = None
    lookup_default: Text | None = None
    case: Case | None = None
    default: Text | None = None

    @model_validator(mode="after")
    def _one_origin(self) -> MappingSpec:
        given = [k for k in ("source", "template", "value") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'source', 'template' or 'value'"
                + (f" (found {', '.join(given)})" if given else "")
            )
        if self.lookup_default is not None and self.lookup is None:
            raise ValueError("'lookup_default' needs a 'lookup' table")
        return self


class Variant(MappingSpec):
    """One alternative of a conditional attribute; no `when` = always (a catch-all)."""

    when: dict[FieldName, Values] = Field(default_factory=dict)


_TEXT, _MAPPING, _LIST = "<text>", "<mapping>", "<list>"
_TAGS = frozenset({_TEXT, _MAPPING, _LIST, "[key]"})


def _spec_kind(value: Any) -> str | None:
    if isinstance(value, str | int):
        return None if isinstance(value, bool) else _TEXT
    if isinstance(value, dict | BaseModel):
        return _MAPPING
    if isinstance(value, list):
        return _LIST
    return None


TextSpec = Annotated[str, BeforeValidator(_text), AfterValidator(_text_spec)]
VariantItem = Annotated[
    Annotated[TextSpec, Tag(_TEXT)] | Annotated[Variant, Tag(_MAPPING)],
    Discriminator(
        _spec_kind,
        custom_error_type="variant_shape",
        custom_error_message="expected a field name, a template or a mapping with 'when'",
    ),
]


def _non_empty_variants(items: list[Any]) -> list[Any]:
    if not items:
        raise ValueError("expected at least one variant")
    return items


AttrSpec = Annotated[
    Annotated[TextSpec, Tag(_TEXT)]
    | Annotated[MappingSpec, Tag(_MAPPING)]
    | Annotated[list[VariantItem], AfterValidator(_non_empty_variants), Tag(_LIST)],
    Discriminator(
        _spec_kind,
        custom_error_type="attribute_shape",
        custom_error_message=(
            "expected a field name, a {template}, a mapping (source/template/value, "
            "lookup, case, extract, default) or a list of variants"
        ),
    ),
]

# What Okta gets when the policy has no `profile:` section. `login` and the identity
# attribute (`bambooHrId`) are always set from `identity:` and are not listed here.
DEFAULT_PROFILE: dict[str, Any] = {
    "email": "workEmail",
    "firstName": "{preferredName|firstName}",
    "lastName": "lastName",
    "displayName": "{preferredName|firstName} {lastName}",
    "title": "jobTitle",
    "department": "department",
    "division": "division",
    "costCenter": "costCenter",
    "employeeNumber": "employeeNumber",
    "userType": {
        "source": "employmentHistoryStatus",
        "lookup": {"Contractor": "Contractor"},
        "lookup_default": "Employee",
    },
    "managerId": "manager.employeeNumber",
    "manager": "manager.displayName",
    "city": {"source": "location", "extract": r"^\s*([^,]+?)\s*(?:,|$)"},
    "timezone": "timeZone",
    "mobilePhone": "mobilePhone",
    "primaryPhone": "workPhone",
}

_PROFILE_ADAPTER: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, AttrSpec])


def _default_profile() -> dict[str, Any]:
    return _PROFILE_ADAPTER.validate_python(DEFAULT_PROFILE)


# --- groups ------------------------------------------------------------------------------


class Conditions(_Section):
    """Conditions of one rule: different keys are ANDed, the values of one key are ORed.

    Values are exact (case-insensitive) or glob patterns (`*Manager*`).
    """

    department: Values | None = None
    division: Values | None = None
    location: Values | None = None
    job_title: Values | None = None
    employment_status: Values | None = None

    def as_fields(self) -> dict[str, list[str]]:
        """The conditions keyed by the HR field each one reads."""
        fields = {
            "department": self.department,
            "division": self.division,
            "location": self.location,
            "jobTitle": self.job_title,
            "employmentHistoryStatus": self.employment_status,
        }
        return {k: v for k, v in fields.items() if v is not None}


class GroupRule(_Section):
    name: GroupName
    match: Conditions = Field(default_factory=Conditions)
    unless: Conditions | None = None


# --- the whole policy --------------------------------------------------------------------


class PolicyConfig(_Section):
    version: Literal[1] = 1
    identity: IdentityConfig = Field(default_factory=IdentityConfig)
    time: TimeConfig = Field(default_factory=TimeConfig)
    preboard: PreboardConfig = Field(default_factory=PreboardConfig)
    activation: ActivationConfig = Field(default_factory=ActivationConfig)
    statuses: StatusesConfig = Field(default_factory=StatusesConfig)
    leave: LeaveConfig = Field(default_factory=LeaveConfig)
    termination: TerminationConfig = Field(default_factory=TerminationConfig)
    protected: ProtectedConfig = Field(default_factory=ProtectedConfig)
    templates: TemplatesConfig = Field(default_factory=TemplatesConfig)
    safeguards: SafeguardsConfig = Field(default_factory=SafeguardsConfig)
    tamper: TamperConfig = Field(default_factory=TamperConfig)
    service_accounts: ServiceAccountsConfig = Field(default_factory=ServiceAccountsConfig)
    profile: dict[str, AttrSpec] = Field(default_factory=_default_profile)
    clear_when_empty: TextList = Field(default_factory=list)
    known_departments: TextList | None = None
    groups: list[GroupRule] = Field(default_factory=list)

    @cached_property
    def managed_groups(self) -> list[str]:
        """Every group named by a rule, sorted: the only groups automation ever touches."""
        return sorted({rule.name for rule in self.groups})

    @cached_property
    def okta_attributes(self) -> list[str]:
        """Every Okta profile attribute the policy writes: the identity link and the mapping."""
        return sorted({self.identity.okta_id_attribute, *self.profile})

    def status_class(self, status: str | None) -> str | None:
        """'active', 'leave', 'terminated' or None (unknown) for an employment status."""
        if status is None or not status.strip():
            return None
        for name, values in (
            ("active", self.statuses.active),
            ("leave", self.statuses.leave),
            ("terminated", self.statuses.terminated),
        ):
            if any(same_text(status, v) for v in values):
                return name
        return None

    def holiday_calendar_gaps(self, year: int) -> list[str]:
        """A sentence per holiday calendar in use that has no public holiday at all in `year`
        (the `holidays` package lacks its data: pre-boarding there would count holidays as
        business days)."""
        calendars = dict(self.time.holiday_calendars)
        if self.time.default_holiday_calendar is not None:
            calendars["(default)"] = self.time.default_holiday_calendar
        gaps = []
        for where, calendar in calendars.items():
            if not public_holidays(calendar.country, calendar.subdivision, (year,)):
                gaps.append(
                    f"time.holiday_calendars {where!r}: the holidays package has no "
                    f"{calendar.region} "
                    f"holidays for {year}; upgrade it, or list that year's days under 'add'"
                )
        return gaps

    def holiday_calendar(self, location: str | None) -> HolidayCalendar | None:
        """The public-holiday calendar of a BambooHR location (the default one otherwise)."""
        found = _by_location(self.time.holiday_calendars, location)
        return found if found is not None else self.time.default_holiday_calendar

    def holidays_for(self, location: str | None, years: tuple[int, ...]) -> frozenset[date]:
        """Days that are not business days for someone at `location` in `years`, besides the
        weekend: the location's public holidays and the company-wide days off."""
        calendar = self.holiday_calendar(location)
        public = calendar.dates(years) if calendar is not None else frozenset()
        return public | frozenset(d for d in self.time.holidays if d.year in years)

    def zone_for_location(self, location: str | None) -> str:
        return self.mapped_zone(location) or self.time.default_zone

    def mapped_zone(self, location: str | None) -> str | None:
        """The zone the table gives this location, None when it is not in the table."""
        return _by_location(self.time.zones_by_location, location)


_V = TypeVar("_V")


def _by_location(table: Mapping[str, _V], location: str | None) -> _V | None:
    """A per-location table's entry: the exact name first, then as BambooHR's spelling may
    vary (case, spacing); None when the location is not in it."""
    if not location:
        return None
    if location in table:
        return table[location]
    for name, value in table.items():
        if same_text(name, location):
            return value
    return None


# --- loading -----------------------------------------------------------------------------


def load_policy(path: str | Path) -> PolicyConfig:
    source_name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([f"{source_name}: cannot read the policy file: {exc}"]) from None
    return parse_policy(text, source_name, base_dir=Path(path).parent)


def parse_policy(
    text: str, source_name: str = "<policy>", base_dir: Path | None = None
) -> PolicyConfig:
    """`base_dir`: where relative paths in the policy start (the policy file's directory)."""
    located = load_located(text, source_name)
    problems: list[tuple[int, str]] = [
        (line, f"{source_name}:{line}: {_format_path(path) or '(top level)'}: {message}")
        for path, line, message in located.problems
    ]
    data = located.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError([f"{source_name}:1: (top level): expected a mapping of sections"])
    config: PolicyConfig | None = None
    try:
        config = PolicyConfig.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            path, message = _describe(error, located)
            problems.append(_problem(source_name, located, path, message))
    if config is not None:
        for path, message in _cross_checks(config):
            problems.append(_problem(source_name, located, path, message))
        directory = config.templates.directory
        if directory is not None:
            resolved = (base_dir or Path()).joinpath(directory).resolve()
            if resolved.is_dir():
                config = config.model_copy(
                    update={"templates": TemplatesConfig(directory=resolved)}
                )
            else:
                problems.append(
                    _problem(
                        source_name,
                        located,
                        ("templates", "directory"),
                        f"{resolved} is not a directory",
                    )
                )
    if problems:
        problems.sort(key=lambda item: item[0])
        raise PolicyError([message for _, message in problems])
    assert config is not None
    return config


def _problem(
    source_name: str, located: LocatedData, path: KeyPath, message: str
) -> tuple[int, str]:
    line = located.line_of(path)
    return line, f"{source_name}:{line}: {_format_path(path) or '(top level)'}: {message}"


def _format_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*|[0-9]+", part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def _resolve(loc: tuple[Any, ...], data: Any) -> KeyPath:
    """Map a pydantic error location onto the YAML path, dropping union tags."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_mapping = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_mapping or in_list:
            node = node[part]
            path.append(part)
        elif isinstance(part, str) and (part in _TAGS or part.startswith("function-")):
            continue
        else:
            path.append(part)
            node = None
    return tuple(path)


_ALL_KEYS = sorted(
    {
        name
        for model in (
            PolicyConfig,
            IdentityConfig,
            TimeConfig,
            PreboardConfig,
            ActivationConfig,
            StatusesConfig,
            LeaveConfig,
            TerminationConfig,
            ProtectedConfig,
            SafeguardsConfig,
            Variant,
            Conditions,
            GroupRule,
        )
        for name in model.model_fields
    }
)

_MESSAGES = {
    "missing": "required key is missing",
    "string_type": "expected a string",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
    "date_type": "expected a date (YYYY-MM-DD)",
    "date_parsing": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "expected a date (YYYY-MM-DD) without a time",
}


def _describe(error: Any, located: LocatedData) -> tuple[KeyPath, str]:
    path = _resolve(tuple(error["loc"]), located.data)
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else ""
        close = difflib.get_close_matches(key, _ALL_KEYS, n=1, cutoff=0.75)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return path, f"unknown key{hint}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return path, f"expected {expected}"
    if kind in ("value_error", "assertion_error"):
        message = str(error["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        return path, message
    if kind in _MESSAGES:
        return path, _MESSAGES[kind]
    message = str(error["msg"])
    return path, message[:1].lower() + message[1:]


def _cross_checks(config: PolicyConfig) -> list[tuple[KeyPath, str]]:
    """Consistency between sections, each problem located at the offending value."""
    problems: list[tuple[KeyPath, str]] = []
    statuses = config.statuses
    if len(config.time.weekend_days) >= 7:
        problems.append((("time", "weekend"), "the weekend cannot cover all seven days"))
    for section, values in (("leave", statuses.leave), ("terminated", statuses.terminated)):
        for index, value in enumerate(values):
            for other in ("active", "leave"):
                if other == section:
                    continue
                if any(same_text(value, v) for v in getattr(statuses, other)):
                    problems.append(
                        (("statuses", section, index), f"{value!r} is also in statuses.{other}")
                    )
    managed = set(config.managed_groups)
    for index, name in enumerate(config.leave.remove_groups):
        if name not in managed:
            problems.append(
                (
                    ("leave", "remove_groups", index),
                    f"{name!r} is not a managed group (no rule in 'groups' names it)",
                )
            )
    for index, name in enumerate(config.protected.groups):
        if name in managed:
            problems.append(
                (
                    ("protected", "groups", index),
                    f"{name!r} is also a managed group: automation would add and remove it",
                )
            )
    for attribute in ("login", config.identity.okta_id_attribute):
        if attribute in config.profile:
            origin = "identity.login" if attribute == "login" else "identity.okta_id_attribute"
            problems.append((("profile", attribute), f"'{attribute}' is set by {origin}"))
    for index, attribute in enumerate(config.clear_when_empty):
        if attribute not in config.profile:
            problems.append(
                (("clear_when_empty", index), f"{attribute!r} is not an attribute in 'profile'")
            )
    known_statuses = [*statuses.active, *statuses.leave, *statuses.terminated]
    for index, rule in enumerate(config.groups):
        for block_name, block in (("match", rule.match), ("unless", rule.unless)):
            if block is None:
                continue
            problems.extend(
                _check_values(
                    ("groups", index, block_name, "employment_status"),
                    block.employment_status,
                    known_statuses,
                    "a configured employment status (statuses.*)",
                )
            )
            if config.known_departments is not None:
                problems.extend(
                    _check_values(
                        ("groups", index, block_name, "department"),
                        block.department,
                        config.known_departments,
                        "in known_departments",
                    )
                )
    return problems


def _check_values(
    path: KeyPath, values: list[str] | None, known: list[str], what: str
) -> list[tuple[KeyPath, str]]:
    # Globs are not checked: `*Manager*` legitimately matches values no list enumerates.
    problems: list[tuple[KeyPath, str]] = []
    for index, value in enumerate(values or []):
        if is_pattern(value) or any(same_text(value, k) for k in known):
            continue
        close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        item_path = (*path, index) if len(values or []) > 1 else path
        problems.append((item_path, f"{value!r} is not {what}{hint}"))
    return problems
