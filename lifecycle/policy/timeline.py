"""The employment timeline: effective-dated HR rows → dated lifecycle steps (UTC instants).

Input: every employmentStatus row, past and future, sorted by date (rows on the same date in
entry order: BambooHR row ids, else list order). When the table is missing the rows are
synthesised from hireDate / employmentHistoryStatus / terminationDate.

Walking the rows (state: not yet hired / employed / on leave / terminated):
- active row, not employed → hire: PRE_BOARD (hire date minus N business days) + ACTIVATE, or
  REHIRE when an account may already exist (an earlier employment); a rehire never goes
  back to NONE or STAGED because Okta re-activates a DEPROVISIONED user in place;
- active row while employed → TRANSFER (e.g. Contractor → Full-Time), kept only if it
  changes the account;
- leave row while employed → LEAVE_START; active row after leave → LEAVE_RETURN (or the
  configured return-date field, when it falls inside the leave); a leave from the start
  date on holds the activation until the return (Okta cannot suspend a STAGED user);
- terminated row while employed → TERMINATE; dated on/before the hire date of a hire that
  never began → RESCIND; a terminated row with no employment before it and a hire after it
  (the offer withdrawn before the start date) → RESCIND of that hire, whose rows up to the
  next terminated row are ignored;
- a leave row while not employed cannot start an employment and is ignored; an unknown
  status row is ignored here (the review flags it).

A later fact wins: a step scheduled at or after the instant of a later row's step is
dropped (e.g. a termination dated on the start date removes the ACTIVATE). jobInfo rows
dated after the hire add TRANSFER steps while the account is active or suspended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lifecycle.calendar import (
    LocalTime,
    as_utc,
    local_date,
    start_of_day,
    subtract_business_days,
    to_utc,
)
from lifecycle.models.hr import EmploymentStatusRow, HrSnapshot, JobInfoRow
from lifecycle.models.plan import AccountStatus, ActionKind
from lifecycle.policy.conditions import same_text
from lifecycle.policy.config import PolicyConfig
from lifecycle.policy.view import sorted_job_rows, view_at, zone_on

ACTIVE, LEAVE, TERMINATED = "active", "leave", "terminated"

# Synthetic rows are tagged through their row id (the model has no other free slot).
SYNTHETIC_PREFIX = "synthetic:"
UNDATED = "synthetic:undated"  # the date is unknown; anchored on lastChanged / fetched_at


@dataclass
class Step:
    kind: ActionKind
    effective_date: date
    at: datetime
    status: AccountStatus
    lookup_date: date  # the jobInfo row in effect on this date shapes the account
    mapping_status: str | None  # the employment status the mapping and group rules see
    on_leave: bool = False
    immediate: bool = False
    note: str | None = None
    from_job_row: bool = False


@dataclass
class Timeline:
    steps: list[Step]
    rows: list[EmploymentStatusRow]
    job_rows: list[JobInfoRow]
    synthesized: bool
    prior_employment: bool
    first_hire: date | None = None


def parse_hr_date(value: Any) -> date | None:
    """A date field value: `date`, 'YYYY-MM-DD' text, or empty/'0000-00-00' (None)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def has_row_ids(rows: list[EmploymentStatusRow]) -> bool:
    """True when every row has BambooHR's numeric row id, which grows in entry order."""
    return bool(rows) and all(r.row_id is not None and r.row_id.isdigit() for r in rows)


def sort_status_rows(rows: list[EmploymentStatusRow]) -> list[EmploymentStatusRow]:
    """By date; rows on the same date in entry order (row id, else list order)."""
    if has_row_ids(rows):
        return sorted(rows, key=lambda r: (r.date, int(r.row_id or 0)))
    return sorted(rows, key=lambda r: r.date)  # stable: list order on equal dates


def anchor_date(snapshot: HrSnapshot, zone: str) -> date | None:
    """A stable 'today' for undated facts: the record's lastChanged, else fetched_at."""
    for instant in (snapshot.last_changed, snapshot.fetched_at):
        if instant is not None:
            return local_date(as_utc(instant), zone)
    return None


def synthesize_rows(snapshot: HrSnapshot, config: PolicyConfig) -> list[EmploymentStatusRow]:
    """Rows for a snapshot without the employmentStatus table (e.g. a field-only webhook)."""
    status = snapshot.employment_status or ""
    kind = config.status_class(status)
    hire = snapshot.hire_date
    term = snapshot.termination_date
    today = anchor_date(snapshot, config.zone_for_location(snapshot.location))
    active = config.statuses.active[0]
    rows: list[EmploymentStatusRow] = []

    def row(day: date, value: str, tag: str) -> EmploymentStatusRow:
        return EmploymentStatusRow(row_id=tag, date=day, status=value)

    if kind == TERMINATED:
        if hire and (term is None or hire <= term):
            rows.append(row(hire, active, "synthetic:hire"))
        if term:
            rows.append(row(term, status, "synthetic:termination"))
        elif today:
            rows.append(row(max(today, hire) if hire else today, status, UNDATED))
    elif kind == LEAVE:
        if hire:
            rows.append(row(hire, active, "synthetic:hire"))
        leave_day = max(today, hire) if (today and hire) else (today or hire)
        if leave_day:
            rows.append(row(leave_day, status, UNDATED))
        if term and (hire is None or term > hire):
            rows.append(row(term, config.statuses.terminated[0], "synthetic:termination"))
    elif hire:
        rows.append(row(hire, status, "synthetic:hire"))
        if term and kind == ACTIVE and term >= hire:
            rows.append(row(term, config.statuses.terminated[0], "synthetic:termination"))
    return rows


class _Walker:
    def __init__(self, snapshot: HrSnapshot, config: PolicyConfig) -> None:
        self.snapshot = snapshot
        self.config = config
        self.job_rows = sorted_job_rows(snapshot)
        self.steps: list[Step] = []

    # --- instants ---------------------------------------------------------------------
    def zone(self, day: date) -> str:
        return zone_on(self.snapshot, self.config, self.job_rows, day)

    def instant(self, day: date, at: str | LocalTime) -> datetime:
        return to_utc(day, at, self.zone(day))

    def push(self, step: Step) -> None:
        # A later fact wins over anything scheduled at or after its own instant.
        while self.steps and self.steps[-1].at >= step.at:
            self.steps.pop()
        self.steps.append(step)

    def account_may_exist(self, prior: bool) -> bool:
        live = (AccountStatus.STAGED, AccountStatus.ACTIVE, AccountStatus.SUSPENDED)
        return prior or any(s.status in live for s in self.steps)

    # --- steps ------------------------------------------------------------------------
    def hire(self, row: EmploymentStatusRow, rehire: bool) -> None:
        day = row.date
        if rehire:
            self.push(
                Step(
                    ActionKind.REHIRE,
                    day,
                    self.instant(day, self.config.activation.at),
                    AccountStatus.ACTIVE,
                    day,
                    row.status,
                )
            )
            return
        self.pre_board(day, row.status)
        self.push(
            Step(
                ActionKind.ACTIVATE,
                day,
                self.instant(day, self.config.activation.at),
                AccountStatus.ACTIVE,
                day,
                row.status,
            )
        )

    def pre_board(self, hire_day: date, status: str) -> None:
        time_cfg = self.config.time
        # The public holidays where the hire will work (their location on the start date).
        location = view_at(self.snapshot, self.config, self.job_rows, hire_day, None).get(
            "location"
        )
        pre_day = subtract_business_days(
            hire_day,
            self.config.preboard.business_days,
            time_cfg.weekend_days,
            self.config.holidays_for(location, (hire_day.year - 1, hire_day.year)),
        )
        # Keyed by the hire date (the HR fact), so a holiday-list edit keeps the key.
        self.push(
            Step(
                ActionKind.PRE_BOARD,
                hire_day,
                to_utc(pre_day, self.config.preboard.at, self.zone(hire_day)),
                AccountStatus.STAGED,
                hire_day,
                status,
                note=f"pre-board on {pre_day.isoformat()} for the start on {hire_day.isoformat()}",
            )
        )

    def termination_instant(self, row: EmploymentStatusRow) -> tuple[datetime, bool]:
        day = row.date
        if row.row_id == UNDATED:
            return self.instant(day, LocalTime(0, 0)), False
        normal = self.instant(day, self.config.termination.at)
        kind = row.termination_type
        if kind and any(same_text(kind, t) for t in self.config.termination.immediate_types):
            earliest = start_of_day(day, self.zone(day))
            fetched = as_utc(self.snapshot.fetched_at) if self.snapshot.fetched_at else None
            # Immediate = as soon as we know, but never before its date (a future-dated
            # immediate termination starts its day) nor later than the normal instant.
            at = earliest if fetched is None else min(max(fetched, earliest), max(normal, earliest))
            return at, True
        return normal, False


def build_timeline(snapshot: HrSnapshot, config: PolicyConfig) -> Timeline:
    if snapshot.employment_status_rows:
        rows = sort_status_rows(list(snapshot.employment_status_rows))
        synthesized = False
        hire = snapshot.hire_date
        if (
            hire is not None
            and hire < rows[0].date
            and not any(config.status_class(r.status) == ACTIVE for r in rows)
        ):
            # A table without its hire row (history trimmed): the hire date stands in.
            status = config.statuses.active[0]
            rows.insert(0, EmploymentStatusRow(row_id="synthetic:hire", date=hire, status=status))
    else:
        rows = sort_status_rows(synthesize_rows(snapshot, config))
        synthesized = True
    walker = _Walker(snapshot, config)
    kinds = [config.status_class(r.status) for r in rows]

    first_hire = next((r.date for r, k in zip(rows, kinds, strict=True) if k == ACTIVE), None)
    original = snapshot.original_hire_date
    prior = bool(original and first_hire and original < first_hire)

    return_field = config.leave.return_date_field
    return_day = parse_hr_date(snapshot.field(return_field)) if return_field else None

    ids_known = has_row_ids(rows)
    state = TERMINATED if prior else "none"
    hire_day: date | None = None
    active_status: str | None = None
    skip_until = -1
    for index, row in enumerate(rows):
        kind = kinds[index]
        if kind is None or index < skip_until:
            continue
        day = row.date
        if kind == ACTIVE:
            if state in ("none", TERMINATED):
                walker.hire(row, rehire=walker.account_may_exist(prior))
                state, hire_day = "employed", day
            elif state == "employed":
                walker.push(
                    Step(
                        ActionKind.TRANSFER,
                        day,
                        walker.instant(day, config.activation.at),
                        AccountStatus.ACTIVE,
                        day,
                        row.status,
                    )
                )
            else:  # back from leave
                walker.push(
                    Step(
                        ActionKind.LEAVE_RETURN,
                        day,
                        walker.instant(day, config.leave.return_at),
                        AccountStatus.ACTIVE,
                        day,
                        row.status,
                    )
                )
                state = "employed"
            active_status = row.status
        elif kind == LEAVE:
            if state != "employed":
                continue  # on leave already, or no employment to suspend
            if hire_day is not None and day <= hire_day:
                # On leave from the first day: the hire has not begun, so the account stays
                # as it is (staged, or deprovisioned for a rehire) until the return; Okta
                # cannot suspend a user that was never activated.
                starts = (ActionKind.ACTIVATE, ActionKind.REHIRE)
                while walker.steps and walker.steps[-1].kind in starts:
                    walker.steps.pop()
            else:
                walker.push(
                    Step(
                        ActionKind.LEAVE_START,
                        day,
                        walker.instant(day, config.leave.start_at)
                        if row.row_id != UNDATED
                        else walker.instant(day, LocalTime(0, 0)),
                        AccountStatus.SUSPENDED,
                        day,
                        active_status,
                        on_leave=True,
                        note=f"leave: {row.status}",
                    )
                )
            state = "on_leave"
            next_day = next(
                (r.date for r, k in zip(rows[index + 1 :], kinds[index + 1 :], strict=True) if k),
                None,
            )
            if return_day and return_day > day and (next_day is None or return_day < next_day):
                walker.push(
                    Step(
                        ActionKind.LEAVE_RETURN,
                        return_day,
                        walker.instant(return_day, config.leave.return_at),
                        AccountStatus.ACTIVE,
                        return_day,
                        active_status,
                        note=f"return date from {return_field}",
                    )
                )
                state = "employed"
        else:  # terminated
            if state in ("employed", "on_leave"):
                if hire_day is not None and day <= hire_day:
                    walker.push(_rescind(walker, row, active_status, day))
                else:
                    at, immediate = walker.termination_instant(row)
                    walker.push(
                        Step(
                            ActionKind.TERMINATE,
                            day,
                            at,
                            AccountStatus.DEPROVISIONED,
                            day,
                            active_status,
                            immediate=immediate,
                            note=_termination_note(row),
                        )
                    )
                state = TERMINATED
                continue
            upcoming = next(
                (j for j in range(index + 1, len(rows)) if kinds[j] in (ACTIVE, LEAVE)),
                None,
            )
            if upcoming is not None and _withdraws(
                row, rows[upcoming], kinds[upcoming], ids_known, prior and not walker.steps
            ):
                hire_row = rows[upcoming]
                if not walker.account_may_exist(prior):
                    walker.pre_board(hire_row.date, hire_row.status)
                walker.push(_rescind(walker, row, hire_row.status, hire_row.date))
                skip_until = next(
                    (j for j in range(upcoming, len(rows)) if kinds[j] == TERMINATED),
                    len(rows),
                )
                state = TERMINATED
            elif state == "none":
                # Termination with no hire on record: an account may exist from before the
                # HR history; deprovisioning must not depend on complete data.
                at, immediate = walker.termination_instant(row)
                walker.push(
                    Step(
                        ActionKind.TERMINATE,
                        day,
                        at,
                        AccountStatus.DEPROVISIONED,
                        day,
                        row.status,
                        immediate=immediate,
                        note=_termination_note(row),
                    )
                )
                state = TERMINATED

    steps = walker.steps + _job_transfers(walker, config)
    # Status-row steps before job-row steps at the same instant; then suppression of
    # TRANSFERs that change nothing happens when accounts are computed (build.py).
    steps.sort(key=lambda s: (s.at, s.from_job_row))
    return Timeline(
        steps=steps,
        rows=rows,
        job_rows=walker.job_rows,
        synthesized=synthesized,
        prior_employment=prior,
        first_hire=first_hire,
    )


def _withdraws(
    term: EmploymentStatusRow,
    hire: EmploymentStatusRow,
    hire_kind: str | None,
    ids_known: bool,
    earlier_employment: bool,
) -> bool:
    """Does a terminated row (not ending any employment) withdraw the next hire?

    Only a hire dated on or after it. With BambooHR row ids, only if it was entered after
    the hire row; without them, unless `originalHireDate` shows an earlier employment
    that this row plausibly ended. Erring towards "withdrawn" keeps an account from being
    created for someone who is not joining.
    """
    if hire_kind != ACTIVE or hire.date < term.date:
        return False
    if ids_known:
        return int(term.row_id or 0) > int(hire.row_id or 0)
    return not earlier_employment


def _rescind(walker: _Walker, row: EmploymentStatusRow, status: str | None, lookup: date) -> Step:
    day = row.date
    return Step(
        ActionKind.RESCIND,
        day,
        start_of_day(day, walker.zone(day)),
        AccountStatus.DEPROVISIONED,
        lookup,
        status,
        note="hire withdrawn before the start date",
    )


def _termination_note(row: EmploymentStatusRow) -> str | None:
    if row.row_id == UNDATED:
        return "termination date missing in HR: effective from the record's last change"
    return f"termination type: {row.termination_type}" if row.termination_type else None


def _job_transfers(walker: _Walker, config: PolicyConfig) -> list[Step]:
    """A TRANSFER candidate for each jobInfo date while the account is live."""
    out: list[Step] = []
    lifecycle = walker.steps
    for day in sorted({row.date for row in walker.job_rows}):
        at = walker.instant(day, config.activation.at)
        current = None
        for step in lifecycle:
            if step.at <= at:
                current = step
        if current is None or current.status not in (AccountStatus.ACTIVE, AccountStatus.SUSPENDED):
            continue
        out.append(
            Step(
                ActionKind.TRANSFER,
                day,
                at,
                current.status,
                day,
                current.mapping_status,
                on_leave=current.on_leave,
                from_job_row=True,
            )
        )
    return out
