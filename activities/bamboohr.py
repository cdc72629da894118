"""BambooHR activities: read employees as `HrSnapshot`s, and what changed since a cursor.

Bad HR data never fails an activity: a record we cannot use comes back as a `problem`
(single read) or a `BadRecord` (bulk read) with `BAD_HR_DATA`, naming the field, and the
workflow sends the employee to review. API failures become Temporal errors with the right
retry semantics:
- throttled (503/429 + Retry-After) -> retryable `BambooHRRateLimited` with
  `next_retry_delay` = Retry-After;
- 5xx, timeouts, cut connections, malformed answers -> retryable, typed;
- 401/403 and other 4xx -> non-retryable, typed, with BambooHR's error text (retrying the
  same request cannot help: an operator must fix the key or the configuration).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.activities import (
    Activity,
    BadRecord,
    EmployeeChange,
    FetchAllEmployeesInput,
    FetchAllEmployeesResult,
    FetchChangedSinceInput,
    FetchChangedSinceResult,
    FetchEmployeeInput,
    FetchEmployeeResult,
)
from integrations.bamboohr.client import BambooHRClient, build_bamboohr_client
from integrations.bamboohr.errors import (
    BadHrData,
    BambooHRAuthError,
    BambooHRBadRequest,
    BambooHRError,
    BambooHRNotFound,
    BambooHRRateLimited,
)
from integrations.bamboohr.fields import extra_fields
from lifecycle.models.plan import ReviewCode, ReviewReason
from lifecycle.settings import Settings

NON_RETRYABLE: tuple[type[BambooHRError], ...] = (
    BambooHRAuthError,
    BambooHRBadRequest,
    BambooHRNotFound,
)


# BambooHR answers throttling *and* outages with 503 + Retry-After (a few seconds). Honoured
# as a minimum, but repeated answers back off like any failure: an hour-long outage must not
# become thousands of reads per employee.
THROTTLE_BACKOFF_MAX = timedelta(minutes=10)


def _throttle_delay(retry_after: float | None) -> timedelta | None:
    try:
        attempt = activity.info().attempt
    except RuntimeError:  # not inside an activity (a plain call in a test or a script)
        attempt = 1
    backoff = min(timedelta(seconds=2 ** (attempt - 1)), THROTTLE_BACKOFF_MAX)
    if retry_after is None:
        return backoff if attempt > 1 else None
    return max(timedelta(seconds=retry_after), backoff)


def to_application_error(exc: BambooHRError) -> ApplicationError:
    """A BambooHR failure as the Temporal error that gets the right retry behaviour."""
    if isinstance(exc, BambooHRRateLimited):
        return ApplicationError(
            str(exc),
            type=exc.kind,
            next_retry_delay=_throttle_delay(exc.retry_after),
            non_retryable=False,
        )
    return ApplicationError(str(exc), type=exc.kind, non_retryable=isinstance(exc, NON_RETRYABLE))


def review_reason(exc: BadHrData) -> ReviewReason:
    # The message stands on its own in a notification: it names the field HR must fix.
    return ReviewReason(
        code=ReviewCode.BAD_HR_DATA,
        field=exc.field,
        message=f"BambooHR field {exc.field}: {exc.message}",
    )


class BambooHRActivities:
    """Holds the client and the extra fields the policy maps.

    `fields`: BambooHR fields beyond the standard ones (custom fields by alias or numeric
    id, e.g. `["customJobLevel", "4002"]`); their values land in `HrSnapshot.custom` under
    the name given here. `known_statuses`: when given, an employment status outside it is
    bad data. `date_fields`: which extra fields hold dates (checked, `0000-00-00` -> None);
    None means "ask BambooHR's field list once" (`GET /meta/fields`).
    `only_current=True` reads today's values of table-backed fields (BambooHR's default);
    the future is in the snapshot's rows either way.
    """

    def __init__(
        self,
        client: BambooHRClient,
        fields: Sequence[str] = (),
        *,
        known_statuses: Collection[str] | None = None,
        date_fields: Collection[str] | None = None,
        only_current: bool = True,
    ) -> None:
        self._client = client
        self._fields = extra_fields(fields)
        self._known_statuses = frozenset(known_statuses) if known_statuses is not None else None
        self._date_fields = frozenset(date_fields) if date_fields is not None else None
        self._only_current = only_current

    @classmethod
    def from_settings(cls, settings: Settings, fields: Sequence[str] = ()) -> BambooHRActivities:
        return cls(build_bamboohr_client(settings), fields)

    @property
    def fields(self) -> list[str]:
        return list(self._fields)

    async def _dates(self) -> frozenset[str]:
        """The extra fields BambooHR types as dates (asked once, then remembered)."""
        if self._date_fields is not None:
            return self._date_fields
        if not self._fields:
            self._date_fields = frozenset()
            return self._date_fields
        try:
            catalogue = await self._client.list_fields()
        except BambooHRRateLimited:
            raise
        except BambooHRError as exc:
            # Not fatal: the values are still read, only not checked as dates. Ask again later.
            activity.logger.warning("BambooHR field list unavailable: %s", exc)
            return frozenset()
        dates: set[str] = set()
        for entry in catalogue:
            if str(entry.get("type", "")).lower() != "date":
                continue
            for key in (entry.get("alias"), entry.get("id")):
                if key is not None and str(key) in self._fields:
                    dates.add(str(key))
        self._date_fields = frozenset(dates)
        return self._date_fields

    @activity.defn(name=Activity.FETCH_EMPLOYEE)
    async def fetch_employee(self, input: FetchEmployeeInput) -> FetchEmployeeResult:
        try:
            snapshot = await self._client.fetch_snapshot(
                input.employee_id,
                self._fields,
                fetched_at=input.as_of or datetime.now(UTC),
                only_current=self._only_current,
                known_statuses=self._known_statuses,
                date_fields=await self._dates(),
                supervisor_hint=input.supervisor_hint,
            )
        except BambooHRNotFound:
            return FetchEmployeeResult(not_found=True)
        except BadHrData as exc:
            activity.logger.warning("unusable BambooHR record: %s", exc)
            return FetchEmployeeResult(problem=review_reason(exc))
        except BambooHRError as exc:
            raise to_application_error(exc) from None
        except ValueError as exc:  # e.g. a malformed employee id: retrying cannot help
            raise ApplicationError(
                str(exc), type="BambooHRBadRequest", non_retryable=True
            ) from None
        return FetchEmployeeResult(snapshot=snapshot)

    @activity.defn(name=Activity.FETCH_CHANGED_SINCE)
    async def fetch_changed_since(self, input: FetchChangedSinceInput) -> FetchChangedSinceResult:
        try:
            changed = await self._client.fetch_changed(input.since)
        except BambooHRError as exc:
            raise to_application_error(exc) from None
        for problem in changed.problems:
            # A change is only a hint (the employee is re-read): report, do not fail the poll.
            activity.logger.warning("BambooHR change list: %s", problem)
        return FetchChangedSinceResult(
            latest=changed.latest,
            changes=[
                EmployeeChange(
                    employee_id=c.employee_id, action=c.action, last_changed=c.last_changed
                )
                for c in changed.changes
            ],
        )

    @activity.defn(name=Activity.FETCH_ALL_EMPLOYEES)
    async def fetch_all_employees(self, input: FetchAllEmployeesInput) -> FetchAllEmployeesResult:
        try:
            bulk = await self._client.fetch_snapshots(
                input.employee_ids,
                self._fields,
                fetched_at=datetime.now(UTC),
                only_current=self._only_current,
                known_statuses=self._known_statuses,
                date_fields=await self._dates(),
            )
        except BambooHRError as exc:
            raise to_application_error(exc) from None
        except ValueError as exc:
            raise ApplicationError(
                str(exc), type="BambooHRBadRequest", non_retryable=True
            ) from None
        bad = [BadRecord(employee_id=b.employee_id, problem=review_reason(b)) for b in bulk.bad]
        for b in bulk.bad:
            activity.logger.warning("unusable BambooHR record: %s", b)
        bad += [
            BadRecord(
                employee_id=eid,
                problem=ReviewReason(
                    code=ReviewCode.DELETED_IN_HR,
                    field="id",
                    message=f"employee {eid} is not in BambooHR (deleted, or never existed)",
                ),
            )
            for eid in bulk.missing
        ]
        return FetchAllEmployeesResult(snapshots=bulk.snapshots, bad_records=bad)
