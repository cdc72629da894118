"""Property tests: random HR records and Okta states against the policy's invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lifecycle.calendar import as_utc
from lifecycle.models import AccountStatus, EmploymentStatusRow, HrSnapshot, ReviewCode
from lifecycle.policy import (
    PolicyConfig,
    build_plan,
    group_changes,
    parse_policy,
    profile_changes,
)

POLICY_TEXT = (Path(__file__).resolve().parents[3] / "config" / "policy.yaml").read_text()
DEMO = parse_policy(POLICY_TEXT, "config/policy.yaml")
VARIANT = parse_policy(
    POLICY_TEXT.replace("business_days: 5", "business_days: 0")
    .replace("remove_groups: true", "remove_groups: false")
    .replace("at: end_of_day", 'at: "18:00"')
    .replace("default_zone: America/New_York", "default_zone: Pacific/Chatham"),
    "variant.yaml",
)
STATUSES = [
    "Full-Time", "Part-Time", "Contractor", "Intern", "Leave of Absence", "Parental Leave",
    "Terminated", "Seasonal", "",
]  # fmt: skip
DEPARTMENTS = [*(DEMO.known_departments or []), "Skunkworks", None]
LOCATIONS = [*DEMO.time.zones_by_location, "Atlantis", None]
EMAILS = [None, "", "tess@acme.example", "TESS@ACME.EXAMPLE", "bad", "x@example.com"]

dates = st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 12, 31))
instants = st.datetimes(
    min_value=datetime(2023, 1, 1),
    max_value=datetime(2028, 12, 31),
    # Aware in UTC or elsewhere, or naive (taken as UTC): readers differ.
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7)), None]),
)
maybe_text = st.one_of(st.none(), st.text(max_size=12))


@st.composite
def status_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(min_value=0, max_value=6))
    with_ids = draw(st.booleans())
    ids = draw(st.permutations(list(range(1, count + 1))))
    rows = []
    for index in range(count):
        row: dict[str, Any] = {
            "date": draw(dates),
            "employmentStatus": draw(st.sampled_from(STATUSES)),
            "terminationTypeId": draw(
                st.sampled_from([None, "Voluntary", "Involuntary", "End of Contract"])
            ),
        }
        if with_ids:
            row["id"] = str(ids[index])
        rows.append(row)
    return rows


@st.composite
def job_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    return [
        {
            "date": draw(dates),
            "department": draw(st.sampled_from(DEPARTMENTS)),
            "location": draw(st.sampled_from(LOCATIONS)),
            "jobTitle": draw(st.sampled_from([None, "Engineer", "Engineering Manager"])),
        }
        for _ in range(draw(st.integers(min_value=0, max_value=3)))
    ]


@st.composite
def snapshots(draw: st.DrawFn) -> HrSnapshot:
    return HrSnapshot.model_validate(
        {
            "id": draw(st.from_regex(r"[1-9][0-9]{0,4}", fullmatch=True)),
            "employeeNumber": draw(maybe_text),
            "firstName": draw(maybe_text),
            "lastName": draw(maybe_text),
            "preferredName": draw(maybe_text),
            "workEmail": draw(st.sampled_from(EMAILS)),
            "department": draw(st.sampled_from(DEPARTMENTS)),
            "location": draw(st.sampled_from(LOCATIONS)),
            "jobTitle": draw(maybe_text),
            "employmentHistoryStatus": draw(st.sampled_from([None, *STATUSES])),
            "hireDate": draw(st.one_of(st.none(), dates)),
            "originalHireDate": draw(st.one_of(st.none(), dates)),
            "terminationDate": draw(st.one_of(st.none(), dates)),
            "lastChanged": draw(st.one_of(st.none(), instants)),
            "fetched_at": draw(st.one_of(st.none(), instants)),
            "deleted": draw(st.booleans()),
            "manager": draw(
                st.one_of(st.none(), st.just({"id": "7", "displayName": "Morgan Manager"}))
            ),
            "custom": {
                "customJobLevel": draw(st.sampled_from([None, "L1", "L8", "L99"])),
                "customLeaveReturnDate": draw(
                    st.one_of(st.none(), dates.map(date.isoformat), st.just("0000-00-00"))
                ),
            },
            "employment_status_rows": draw(status_rows()),
            "job_info_rows": draw(job_rows()),
        }
    )


@st.composite
def terminated_snapshots(draw: st.DrawFn) -> HrSnapshot:
    """A random record whose last status row is a termination, often seen days later."""
    snapshot = draw(snapshots())
    rows = list(snapshot.employment_status_rows)
    last = max([r.date for r in rows], default=date(2023, 1, 1))
    day = last + timedelta(days=draw(st.integers(min_value=0, max_value=400)))
    with_ids = bool(rows) and all(r.row_id for r in rows)
    row = EmploymentStatusRow(
        id=str(len(rows) + 1) if with_ids else None,
        date=day,
        employmentStatus="Terminated",
        terminationTypeId=draw(st.sampled_from([None, "Voluntary", "Involuntary"])),
    )
    seen = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=draw(st.integers(min_value=-48, max_value=24 * 30))
    )
    return snapshot.model_copy(update={"employment_status_rows": [*rows, row], "fetched_at": seen})


configs = st.sampled_from([DEMO, VARIANT])
common = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(snapshot=snapshots(), config=configs)
def test_build_plan_never_crashes_and_is_well_formed(
    snapshot: HrSnapshot, config: PolicyConfig
) -> None:
    plan = build_plan(snapshot, config)
    assert plan == build_plan(snapshot, config)  # deterministic
    instants_ = [a.at for a in plan.actions]
    assert instants_ == sorted(instants_) and len(set(instants_)) == len(instants_)
    assert len({a.key for a in plan.actions}) == len(plan.actions)
    assert plan.baseline.status in (AccountStatus.NONE, AccountStatus.DEPROVISIONED)
    managed = set(plan.managed_groups)
    for action in plan.actions:
        assert action.at.tzinfo is not None and action.at.utcoffset() == timedelta(0)
        assert set(action.account.groups) <= managed
        assert action.key.startswith(f"{action.kind.value}:")
    # Once an account may exist, the plan never goes back to "no account".
    statuses = [plan.baseline.status] + [a.account.status for a in plan.actions]
    first_real = next(
        (i for i, s in enumerate(statuses) if s is not AccountStatus.NONE), len(statuses)
    )
    assert AccountStatus.NONE not in statuses[first_real:]


def _ends_terminated(snapshot: HrSnapshot, config: PolicyConfig) -> date | None:
    """The date of the last status row if every row on that date is terminated."""
    rows = snapshot.employment_status_rows
    if not rows:
        return None
    last = max(r.date for r in rows)
    final = [r for r in rows if r.date == last]
    if all(config.status_class(r.status) == "terminated" for r in final):
        return last
    return None


@common
@given(snapshot=st.one_of(snapshots(), terminated_snapshots()), config=configs)
def test_terminated_employee_is_never_desired_active(
    snapshot: HrSnapshot, config: PolicyConfig
) -> None:
    last = _ends_terminated(snapshot, config)
    assume(last is not None)
    assert last is not None
    plan = build_plan(snapshot, config)
    after = datetime.combine(last + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    for probe in (after, after + timedelta(days=400)):
        assert plan.desired_at(probe).status in (AccountStatus.NONE, AccountStatus.DEPROVISIONED)
    fetched = as_utc(snapshot.fetched_at) if snapshot.fetched_at else None
    if fetched is not None and fetched >= after:
        assert plan.desired_at(fetched).status is not AccountStatus.ACTIVE
        # Data problems never hold deprovisioning back.
        assert plan.review is None or plan.review.code is ReviewCode.DELETED_IN_HR


names = st.sampled_from(["A", "B", "C", "D", "Everyone", "IT Break Glass", "X"])


@common
@given(
    desired=st.sets(names),
    actual=st.sets(names),
    managed=st.sets(names),
)
def test_group_changes_touch_only_managed_groups(
    desired: set[str], actual: set[str], managed: set[str]
) -> None:
    to_add, to_remove = group_changes(desired, actual, managed)
    assert set(to_add) <= managed and set(to_remove) <= managed
    assert not set(to_add) & actual and set(to_remove) <= actual
    applied = (actual | set(to_add)) - set(to_remove)
    assert applied - managed == actual - managed  # unmanaged memberships untouched
    assert group_changes(desired, applied, managed) == ([], [])


attributes = st.sampled_from(["login", "email", "title", "mobilePhone", "employeeNumber", "x"])
values = st.one_of(
    st.none(),
    st.just(""),
    st.text(alphabet="aAbB@.", max_size=6),
    st.integers(min_value=-5, max_value=5),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
)


@common
@given(
    desired=st.dictionaries(attributes, values),
    actual=st.dictionaries(attributes, values),
    clear=st.sets(attributes),
)
def test_applying_profile_changes_converges(
    desired: dict[str, Any], actual: dict[str, Any], clear: set[str]
) -> None:
    changes = profile_changes(desired, actual, clear=clear)
    assert set(changes) <= set(desired)
    applied = {**actual, **changes}
    assert profile_changes(desired, applied, clear=clear) == {}
