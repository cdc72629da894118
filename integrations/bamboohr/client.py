"""Async httpx client for BambooHR's public API (`https://{company}.bamboohr.com/api/v1/`).

Authentication is HTTP Basic with the API key as user name and `x` as password; every request
says `Accept: application/json` (BambooHR answers XML otherwise). Failures become the typed
errors of `errors.py`, carrying BambooHR's own error text and never the API key.

Reading HR data:
- `fetch_snapshot(id)`: one employee as an `HrSnapshot` — the record, both effective-dated
  tables (all rows, future ones included) and the supervisor (one more GET when the employee
  has one): 3-4 requests, in parallel, each hedged (`integrations/hedging.py`: asked once
  more when slower than nine in ten recent reads).
- `fetch_snapshots(ids | None)`: everyone (active and inactive) or the given ids, in bulk.
  Everyone: one custom report plus the two tables of `all` employees: 3 requests, whatever
  N is. The given ids: a report restricted to them, and their table rows read in the
  cheapest way for their number k (`table_rows`): the changed-tables read when the caller
  knows since when they changed (the poller), each one's own rows for a handful, the whole
  company's tables otherwise. So a poll that sees k changes costs 3 requests and O(k) bytes
  per batch, not a download of the company (a 4th request, one more report, when a subset's
  supervisors are outside the subset).
- `fetch_changed(since)`: who changed since the poll cursor, and the new cursor.
The raw reads behind them (`get_employee`, `get_table`, `get_changed`, `get_changed_table`,
`custom_report`, `list_fields`) and the webhook registration calls are public too.
Nothing is retried here: the activities map errors onto Temporal's retries.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import logging
import time
from collections.abc import Awaitable, Collection, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import SecretStr

from integrations.bamboohr.errors import (
    BadHrData,
    BambooHRAuthError,
    BambooHRBadRequest,
    BambooHRError,
    BambooHRNotFound,
    BambooHRRateLimited,
    BambooHRServerError,
    BambooHRTransportError,
    BambooHRUnexpectedResponse,
)
from integrations.bamboohr.fields import (
    MANAGER_FIELDS,
    MAX_FIELDS,
    SUPERVISOR_FIELD,
    TABLES,
    Table,
    request_fields,
)
from integrations.bamboohr.parse import (
    ChangedEmployees,
    blank,
    employee_id_of,
    group_rows_by_employee,
    parse_changed,
    parse_manager,
    parse_snapshot,
)
from integrations.hedging import Hedger
from lifecycle.models.hr import HrSnapshot
from lifecycle.settings import Settings

log = logging.getLogger(__name__)

ERROR_HEADERS = ("X-BambooHR-Error-Message", "X-BambooHR-Message")
REPORT_TITLE = "bamboohr-okta-lifecycle snapshot"
USER_AGENT = "bamboohr-okta-lifecycle"
# Up to this many employees, their own table rows (one small request each) cost less than
# the whole company's table (one request, but O(company) bytes, and BambooHR throttles heavy
# readers); above it, the company's table.
PER_ID_TABLE_READS = 5
_MAX_MESSAGE_CHARS = 300
_MASK = "***"


class _ApiKeyAuth(httpx.Auth):
    """Basic auth built per request, so the key sits in no header dict, URL or repr."""

    def __init__(self, key: SecretStr) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = base64.b64encode(f"{self._key.get_secret_value()}:x".encode()).decode()
        request.headers["Authorization"] = f"Basic {token}"
        yield request

    def __repr__(self) -> str:
        return "_ApiKeyAuth(key=SecretStr('**********'))"


def api_base(url: str) -> str:
    """`https://acme.bamboohr.com` -> `.../api/v1/`; the legacy gateway form keeps its shape
    (`https://api.bamboohr.com/api/gateway.php/acme` -> `.../acme/v1/`)."""
    base = url.strip().rstrip("/")
    if base.endswith(("/api/v1", "/v1")):
        return base + "/"
    if "/api/gateway.php/" in base:
        return base + "/v1/"
    return base + "/api/v1/"


def format_since(since: datetime) -> str:
    """ISO-8601 with an explicit offset (naive means UTC); httpx sends `+` as `%2B`."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return since.astimezone(UTC).isoformat(timespec="seconds")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date; None when absent or garbled."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class WebhookRegistration:
    id: str
    name: str
    url: str
    private_key: SecretStr | None  # shown once, at creation


@dataclass
class BulkSnapshots:
    """What a bulk read produced: usable snapshots, records refused as bad HR data, and
    requested ids BambooHR does not have (deleted, or never existed)."""

    snapshots: list[HrSnapshot] = field(default_factory=list)
    bad: list[BadHrData] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


_UNREAD: Any = object()  # the hinted supervisor was not read


class BambooHRClient:
    def __init__(
        self,
        base_url: str,
        api_key: SecretStr,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = api_base(base_url)
        self._base_path = httpx.URL(self.base_url).path
        self._key = api_key
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=_ApiKeyAuth(api_key),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )
        # One employee's reads sit on the path of an immediate termination: hedged.
        self.hedger = Hedger()

    def __repr__(self) -> str:
        return f"BambooHRClient(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> BambooHRClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- HTTP ------------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        """Error texts come from the server and the network stack: never let the key pass."""
        secret = self._key.get_secret_value()
        if len(secret) >= 4:
            text = text.replace(secret, _MASK)
        return text[:_MAX_MESSAGE_CHARS]

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> Any:
        headers = {"Content-Type": "application/json"} if body is not None else None
        where = self._base_path + path
        try:
            response = await self._http.request(
                method, path, params=params, content=body, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise BambooHRTransportError(
                self._scrub(f"timed out ({type(exc).__name__})"), method=method, path=where
            ) from None
        except httpx.HTTPError as exc:
            raise BambooHRTransportError(
                self._scrub(f"{type(exc).__name__}: {exc}"), method=method, path=where
            ) from None
        if response.status_code >= 300:
            raise self._error(response, method, where)
        if not response.content:
            return None  # update-employee answers 200 with no body
        try:
            return response.json()
        except ValueError:
            raise BambooHRUnexpectedResponse(
                f"answer is not JSON (Content-Type: {response.headers.get('content-type', '-')})",
                status=response.status_code,
                method=method,
                path=where,
            ) from None

    def _error(self, response: httpx.Response, method: str, path: str) -> BambooHRError:
        status = response.status_code
        message = self._scrub(_error_text(response))
        common: dict[str, Any] = {"status": status, "method": method, "path": path}
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429 or (status == 503 and retry_after is not None):
            log.warning(
                "BambooHR throttled %s %s (%s), retry after %s s", method, path, status, retry_after
            )
            return BambooHRRateLimited(message, retry_after=retry_after, **common)
        if status in (401, 403):
            return BambooHRAuthError(message, **common)
        if status == 404:
            return BambooHRNotFound(message, **common)
        if 400 <= status < 500:
            return BambooHRBadRequest(message, **common)
        if status >= 500:
            return BambooHRServerError(message, **common)
        return BambooHRUnexpectedResponse(message, **common)

    # --- raw reads -------------------------------------------------------------------------
    async def get_employee(
        self, employee_id: str, fields: Sequence[str], *, only_current: bool = True
    ) -> dict[str, Any]:
        """`GET /employees/{id}?fields=...`: flat `{id, <field>: value}` keyed as requested."""
        names = [str(f).strip() for f in fields if str(f).strip()]
        if len(names) > MAX_FIELDS:
            raise ValueError(f"at most {MAX_FIELDS} fields per request")
        data = await self._request(
            "GET",
            f"employees/{_segment(employee_id)}",
            params={"fields": ",".join(names), "onlyCurrent": _bool(only_current)},
        )
        if not isinstance(data, dict):
            raise BambooHRUnexpectedResponse("an employee must be a JSON object")
        return data

    async def get_table(self, employee_id: str, table: Table) -> list[dict[str, Any]]:
        """`GET /employees/{id|all}/tables/{table}`: every row, future-dated ones included."""
        if table not in TABLES:
            raise ValueError(f"unsupported table {table!r}")
        data = await self._request("GET", f"employees/{_segment(employee_id)}/tables/{table}")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise BambooHRUnexpectedResponse(f"the {table} table must be a JSON list of rows")
        return data

    async def get_changed(self, since: datetime) -> ChangedEmployees:
        """`GET /employees/changed?since=`: inserted, updated and deleted employees."""
        data = await self._request(
            "GET", "employees/changed", params={"since": format_since(since), "type": "all"}
        )
        return parse_changed(data)

    async def get_changed_table(
        self, table: Table, since: datetime
    ) -> dict[str, list[dict[str, Any]]]:
        """`GET /employees/changed/tables/{table}?since=`: all rows of each changed employee."""
        if table not in TABLES:
            raise ValueError(f"unsupported table {table!r}")
        data = await self._request(
            "GET", f"employees/changed/tables/{table}", params={"since": format_since(since)}
        )
        employees = data.get("employees") if isinstance(data, dict) else None
        if isinstance(employees, list) and not employees:
            employees = {}  # PHP's empty array
        if not isinstance(employees, dict):
            raise BambooHRUnexpectedResponse("'employees' must be a map of id to rows")
        out: dict[str, list[dict[str, Any]]] = {}
        for eid, entry in employees.items():
            rows = entry.get("rows") if isinstance(entry, dict) else None
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise BambooHRUnexpectedResponse(f"rows of employee {eid} must be a list")
            out[str(eid)] = rows
        return out

    async def custom_report(
        self,
        fields: Sequence[str],
        *,
        employee_ids: Iterable[str] | None = None,
        only_current: bool = True,
    ) -> list[dict[str, Any]]:
        """`POST /reports/custom?format=json`: the fields of every employee, active or not
        (or of `employee_ids`). Content-Type is exactly `application/json`: BambooHR reads
        anything else, even with `; charset=...`, as XML."""
        names = [str(f).strip() for f in fields if str(f).strip()]
        if len(names) > MAX_FIELDS:
            raise ValueError(f"at most {MAX_FIELDS} fields per report")
        definition: dict[str, Any] = {
            "title": REPORT_TITLE,
            "fields": names,
            "filterDuplicates": "yes",
        }
        if employee_ids is not None:
            # The spec types the filter as integers; BambooHR ids are numeric.
            definition["filters"] = {"employeeIds": [int(i) for i in employee_ids]}
        data = await self._request(
            "POST",
            "reports/custom",
            params={"format": "json", "onlyCurrent": _bool(only_current)},
            body=json.dumps(definition, separators=(",", ":")).encode(),
        )
        employees = data.get("employees") if isinstance(data, dict) else None
        if not isinstance(employees, list) or not all(isinstance(e, dict) for e in employees):
            raise BambooHRUnexpectedResponse("the report must carry a list of employees")
        return employees

    async def list_fields(self) -> list[dict[str, Any]]:
        """`GET /meta/fields`: every field with its id, name, type and alias."""
        data = await self._request("GET", "meta/fields")
        if not isinstance(data, list):
            raise BambooHRUnexpectedResponse("the field list must be a JSON list")
        return [f for f in data if isinstance(f, dict)]

    async def list_webhooks(self) -> list[dict[str, Any]]:
        """`GET /webhooks`: the webhooks this API key's user registered."""
        data = await self._request("GET", "webhooks")
        hooks = data.get("webhooks") if isinstance(data, dict) else None
        if not isinstance(hooks, list):
            raise BambooHRUnexpectedResponse("the webhook list must carry 'webhooks'")
        return [h for h in hooks if isinstance(h, dict)]

    async def get_webhook(self, webhook_id: str) -> dict[str, Any]:
        """`GET /webhooks/{id}`: one webhook with its monitored fields (the list omits them)."""
        data = await self._request("GET", f"webhooks/{webhook_id}")
        if not isinstance(data, dict):
            raise BambooHRUnexpectedResponse("a webhook must be a JSON object")
        return data

    async def create_webhook(
        self,
        name: str,
        url: str,
        *,
        monitor_fields: Sequence[str],
        post_fields: Mapping[str, str] | None = None,
        events: Sequence[str] | None = None,
    ) -> WebhookRegistration:
        """`POST /webhooks`; BambooHR shows the signing key in this answer only."""
        definition: dict[str, Any] = {
            "name": name,
            "url": url,
            "format": "json",
            "monitorFields": list(monitor_fields),
            "postFields": dict(post_fields or {}),
        }
        if events is not None:
            definition["events"] = list(events)
        data = await self._request(
            "POST", "webhooks", body=json.dumps(definition, separators=(",", ":")).encode()
        )
        if not isinstance(data, dict) or blank(data.get("id")) is None:
            raise BambooHRUnexpectedResponse("the created webhook carries no id")
        key = blank(data.get("privateKey"))
        return WebhookRegistration(
            id=str(blank(data.get("id"))),
            name=str(data.get("name") or name),
            url=str(data.get("url") or url),
            private_key=SecretStr(key) if key else None,
        )

    # --- the one write ---------------------------------------------------------------------
    async def update_employee(self, employee_id: str, fields: Mapping[str, str | None]) -> None:
        """`POST /employees/{id}` (update-employee): set the given fields. 403 when the key's
        user may not update one of them (`BambooHRAuthError`), 409 for an invalid value
        such as a work email another employee has (`BambooHRBadRequest`)."""
        if not fields:
            raise ValueError("no fields to update")
        await self._request(
            "POST",
            f"employees/{_segment(employee_id)}",
            body=json.dumps(dict(fields), separators=(",", ":")).encode(),
        )

    # --- snapshots -------------------------------------------------------------------------
    async def fetch_snapshot(
        self,
        employee_id: str,
        extra: Sequence[str] = (),
        *,
        fetched_at: datetime | None = None,
        only_current: bool = True,
        known_statuses: Collection[str] | None = None,
        date_fields: Collection[str] = (),
        supervisor_hint: str | None = None,
    ) -> HrSnapshot:
        """One employee with both tables and the resolved supervisor.

        `supervisor_hint`: the supervisor the caller last saw. Their record is read together
        with the employee's, so that the usual case (the same supervisor) costs no second
        round trip; a different supervisor in the answer is read afterwards.

        Raises BambooHRNotFound (no such employee), BadHrData (unusable record) or another
        BambooHRError.
        """
        # The record and both tables at once: against the real API each read is a few hundred
        # milliseconds, and this read sits on the path of an immediate termination.
        # Each read is hedged: the slowest of them sets when the termination can go ahead.
        hedged = self.hedger.read
        reads: list[Awaitable[Any]] = [
            hedged(
                lambda: self.get_employee(
                    employee_id, request_fields(extra), only_current=only_current
                )
            ),
            hedged(lambda: self.get_table(employee_id, "employmentStatus")),
            hedged(lambda: self.get_table(employee_id, "jobInfo")),
        ]
        if supervisor_hint and supervisor_hint != employee_id:
            reads.append(hedged(lambda: self._supervisor_record(supervisor_hint)))
        answers: list[Any] = await asyncio.gather(*reads, return_exceptions=True)
        for answer in answers[:3]:  # the record's error first: a missing employee is "not found"
            if isinstance(answer, BaseException):
                raise answer
        record, status_rows, job_rows = answers[:3]
        # The hinted supervisor's failure matters only if they are still the supervisor.
        hinted = answers[3] if len(answers) > 3 else _UNREAD
        eid = employee_id_of(record)
        if eid != employee_id:  # the same employee under another spelling of the id: re-read
            status_rows = await self.get_table(eid, "employmentStatus")
            job_rows = await self.get_table(eid, "jobInfo")
        snapshot = parse_snapshot(
            record,
            extra=extra,
            status_rows=status_rows,
            job_rows=job_rows,
            fetched_at=fetched_at or datetime.now(UTC),
            known_statuses=known_statuses,
            date_fields=date_fields,
        )
        supervisor = snapshot.supervisor_id
        if supervisor is None or supervisor == snapshot.employee_id:
            snapshot.manager = None
            return snapshot
        # The hinted read is used only when it was made and names this very supervisor (an
        # id spelled otherwise, or a hint that was the employee, is read afresh).
        if supervisor == supervisor_hint and hinted is not _UNREAD:
            if isinstance(hinted, BaseException):
                raise hinted
            raw = hinted
        else:
            raw = await self._supervisor_record(supervisor)
        if raw is None:
            log.warning(
                "employee %s: supervisor %s not found in BambooHR", snapshot.employee_id, supervisor
            )
        snapshot.manager = parse_manager(supervisor, raw)
        return snapshot

    async def _supervisor_record(self, supervisor: str) -> dict[str, Any] | None:
        """What the manager attributes need of a supervisor's record; None when it is gone."""
        try:
            return await self.get_employee(supervisor, MANAGER_FIELDS)
        except BambooHRNotFound:
            return None

    async def fetch_snapshots(
        self,
        employee_ids: Iterable[str] | None = None,
        extra: Sequence[str] = (),
        *,
        fetched_at: datetime | None = None,
        only_current: bool = True,
        known_statuses: Collection[str] | None = None,
        date_fields: Collection[str] = (),
        changed_since: datetime | None = None,
    ) -> BulkSnapshots:
        """Everyone (None) or the given ids, in bulk. `changed_since`: the ids all changed at
        or after it (BambooHR's own lastChanged), so their rows come from the changed-tables
        read, O(k) bytes."""
        wanted: list[str] | None = None
        if employee_ids is not None:
            wanted = list(dict.fromkeys(str(i).strip() for i in employee_ids if str(i).strip()))
            if not wanted:
                return BulkSnapshots()
        out = BulkSnapshots()
        numeric = None if wanted is None else [i for i in wanted if i.isdigit()]
        if numeric is not None and not numeric:
            out.missing = list(wanted or [])
            return out
        records = _unique(
            await self.custom_report(
                request_fields(extra), employee_ids=numeric, only_current=only_current
            )
        )
        present = None if wanted is None else [i for i in wanted if i in records]
        status_rows = await self.table_rows("employmentStatus", present, changed_since)
        job_rows = await self.table_rows("jobInfo", present, changed_since)
        for eid in present or ():
            if eid not in status_rows or eid not in job_rows:
                del records[eid]  # deleted between the report and its rows: it is missing
        people = dict(records)
        outside = {
            sid
            for r in records.values()
            if (sid := blank(r.get(SUPERVISOR_FIELD))) and sid not in people and sid.isdigit()
        }
        if outside:
            people.update(
                _unique(await self.custom_report(MANAGER_FIELDS, employee_ids=sorted(outside)))
            )
        when = fetched_at or datetime.now(UTC)
        for eid, record in records.items():
            try:
                snapshot = parse_snapshot(
                    record,
                    extra=extra,
                    status_rows=status_rows.get(eid, ()),
                    job_rows=job_rows.get(eid, ()),
                    fetched_at=when,
                    known_statuses=known_statuses,
                    date_fields=date_fields,
                )
            except BadHrData as exc:
                out.bad.append(exc)
                continue
            supervisor = snapshot.supervisor_id
            if supervisor is not None and supervisor != eid:
                snapshot.manager = parse_manager(supervisor, people.get(supervisor))
            out.snapshots.append(snapshot)
        if wanted is not None:
            out.missing = [i for i in wanted if i not in records]
        return out

    async def table_rows(
        self, table: Table, employee_ids: list[str] | None, changed_since: datetime | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """id -> rows of `table`, read the cheapest way for the number of employees wanted:
        - everyone (None): `all`, one request;
        - ids that changed since a known instant: the changed-tables read, one request with
          only the changed employees' rows (BambooHR lists an employee there after a change
          to ANY of their fields, with ALL their rows);
        - up to PER_ID_TABLE_READS ids (or those the changed read lacked): each one's own
          rows, a small request per employee (one deleted meanwhile gets no entry);
        - more: `all`, one request, rather than hundreds of small ones."""
        if employee_ids is None:
            return group_rows_by_employee(await self.get_table("all", table))
        rows: dict[str, list[dict[str, Any]]] = {}
        if changed_since is not None and employee_ids:
            changed = await self.get_changed_table(table, changed_since)
            rows = {eid: changed[eid] for eid in employee_ids if eid in changed}
        rest = [eid for eid in employee_ids if eid not in rows]
        if len(rest) <= PER_ID_TABLE_READS:
            for eid in rest:
                try:
                    rows[eid] = await self.get_table(eid, table)
                except BambooHRNotFound:
                    continue  # deleted since the caller listed it: no rows, no entry
        else:
            everyone = group_rows_by_employee(await self.get_table("all", table))
            rows.update({eid: everyone.get(eid, []) for eid in rest})
        return rows

    async def fetch_changed(self, since: datetime) -> ChangedEmployees:
        return await self.get_changed(since)


def _unique(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """id -> record, first occurrence (a report may repeat an employee per table row)."""
    out: dict[str, dict[str, Any]] = {}
    for record in records:
        out.setdefault(employee_id_of(record), record)
    return out


def _segment(employee_id: str) -> str:
    text = str(employee_id).strip()
    # Ids are numeric (or `all`, or `0` for the key's own employee): nothing to escape, but a
    # slash or `?` must never reach the path.
    if not text or any(c in text for c in "/?#%"):
        raise ValueError(f"not an employee id: {employee_id!r}")
    return text


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _error_text(response: httpx.Response) -> str:
    for name in ERROR_HEADERS:
        value = response.headers.get(name)
        if value and value.strip():
            return value.strip()
    # The webhook endpoints put their error in a JSON body.
    try:
        data = response.json()
        errors = data.get("errors") if isinstance(data, dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("error") or response.reason_phrase)
    except ValueError:
        pass
    return response.reason_phrase or f"HTTP {response.status_code}"


def build_bamboohr_client(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> BambooHRClient:
    """The client for the configured company, or for the local simulator when none is set."""
    url = settings.bamboohr_url or f"http://127.0.0.1:{settings.lifecycle_sim_bamboohr_port}"
    return BambooHRClient(
        url,
        settings.bamboohr_key(),
        timeout=settings.bamboohr_timeout_seconds,
        transport=transport,
    )


__all__ = [
    "BambooHRClient",
    "BulkSnapshots",
    "WebhookRegistration",
    "api_base",
    "build_bamboohr_client",
    "format_since",
    "parse_retry_after",
]
