"""httpx client for a running BambooHR simulator's admin API (`/_sim/...`).

Used by the `lifecycle hr ...` verbs and by tests of other packages that need an HR admin:

    with BambooHRAdminClient("http://127.0.0.1:8082", api_key) as hr:
        eid = hr.hire("Ada", "Lovelace", "ada@example.test", department="Engineering")["id"]
        hr.terminate(eid, "2025-06-30", termination_type="Involuntary")
        hr.set_clock(advance_days=30)

Every HR action answers `{"id", "employee": <current values>, "rowIds"?}`. Job arguments
(`department`, `division`, `location`, `job_title`, `supervisor_id`) that are not passed keep
the value in effect; passing None clears it. Dates are `date`s or `YYYY-MM-DD` strings and
default to the simulator's today. Errors raise `AdminError` (the API key is never part of it).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx

JOB_KEYS = ("department", "division", "location", "job_title", "supervisor_id")


class AdminError(Exception):
    def __init__(self, status: int, message: str, details: Any = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.details = details


def _iso(value: date | datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def _job(kwargs: dict[str, Any]) -> dict[str, Any]:
    unknown = set(kwargs) - set(JOB_KEYS)
    if unknown:
        raise TypeError(f"unexpected job arguments: {', '.join(sorted(unknown))}")
    return dict(kwargs)


class BambooHRAdminClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=httpx.BasicAuth(api_key, "x"),
            timeout=timeout,
            transport=transport,
            trust_env=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BambooHRAdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        response = self._http.request(method, path, json=body, params=params)
        if response.status_code >= 400:
            try:
                data = response.json()
                message, details = data.get("error", response.reason_phrase), data.get("details")
            except ValueError:
                message, details = response.reason_phrase, None
            raise AdminError(response.status_code, str(message), details)
        return response.json()

    # --- HR-admin actions --------------------------------------------------------------------
    def hire(
        self,
        first_name: str,
        last_name: str,
        work_email: str | None = None,
        *,
        hire_date: date | str | None = None,
        fields: dict[str, str | None] | None = None,
        **details: Any,
    ) -> dict[str, Any]:
        """details: department, division, location, job_title, supervisor_id,
        employment_status, employee_number, preferred_name, home_email, mobile_phone,
        work_phone."""
        body = {
            "first_name": first_name,
            "last_name": last_name,
            "work_email": work_email,
            "hire_date": _iso(hire_date),
            **{k: v for k, v in details.items() if v is not None},
        }
        if fields:
            body["fields"] = fields
        return self._call("POST", "/_sim/hr/employees", body)

    def update_fields(self, employee_id: str, fields: dict[str, str | None]) -> dict[str, Any]:
        return self._call("POST", f"/_sim/hr/employees/{employee_id}/fields", {"fields": fields})

    def change_job(
        self, employee_id: str, effective_date: date | str | None = None, **job: Any
    ) -> dict[str, Any]:
        body = {"date": _iso(effective_date), **_job(job)}
        return self._call("POST", f"/_sim/hr/employees/{employee_id}/change-job", body)

    def start_leave(
        self,
        employee_id: str,
        start_date: date | str | None = None,
        *,
        status: str | None = None,
        return_date: date | str | None = None,
        return_status: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"date": _iso(start_date), "return_date": _iso(return_date)}
        if status is not None:
            body["status"] = status
        if return_status is not None:
            body["return_status"] = return_status
        return self._call("POST", f"/_sim/hr/employees/{employee_id}/start-leave", body)

    def end_leave(
        self, employee_id: str, end_date: date | str | None = None, *, status: str | None = None
    ) -> dict[str, Any]:
        body = {"date": _iso(end_date), "status": status}
        return self._call("POST", f"/_sim/hr/employees/{employee_id}/end-leave", body)

    def terminate(
        self,
        employee_id: str,
        termination_date: date | str | None = None,
        *,
        termination_type: str | None = None,
        reason: str | None = None,
        rehire_eligible: str | None = None,
        regrettable: str | None = None,
        comment: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"date": _iso(termination_date)}
        optional = {
            "termination_type": termination_type,
            "reason": reason,
            "rehire_eligible": rehire_eligible,
            "regrettable": regrettable,
            "comment": comment,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        return self._call("POST", f"/_sim/hr/employees/{employee_id}/terminate", body)

    def rehire(
        self,
        employee_id: str,
        rehire_date: date | str | None = None,
        *,
        employment_status: str | None = None,
        **job: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"date": _iso(rehire_date), **_job(job)}
        if employment_status is not None:
            body["employment_status"] = employment_status
        return self._call("POST", f"/_sim/hr/employees/{employee_id}/rehire", body)

    def delete(self, employee_id: str) -> dict[str, Any]:
        return self._call("DELETE", f"/_sim/hr/employees/{employee_id}")

    def show(self, employee_id: str) -> dict[str, Any]:
        """Current and latest values plus both tables' rows."""
        return self._call("GET", f"/_sim/hr/employees/{employee_id}")

    def employees(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/_sim/hr/employees")["employees"])

    # --- simulator controls ------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def clock(self) -> dict[str, Any]:
        return self._call("GET", "/_sim/clock")

    def set_clock(
        self,
        now: datetime | str | None = None,
        *,
        advance_seconds: float | None = None,
        advance_days: float | None = None,
        freeze: bool | None = None,
    ) -> dict[str, Any]:
        body = {
            "now": _iso(now),
            "advance_seconds": advance_seconds,
            "advance_days": advance_days,
            "freeze": freeze,
        }
        return self._call("PUT", "/_sim/clock", body)

    def faults(self) -> dict[str, Any]:
        return self._call("GET", "/_sim/faults")

    def set_faults(self, config: Any = None, **values: Any) -> dict[str, Any]:
        """A `FaultConfig` (or dict), or its fields as keywords; replaces the whole config."""
        if config is not None and hasattr(config, "model_dump"):
            config = config.model_dump()
        return self._call("PUT", "/_sim/faults", {**(config or {}), **values})

    def state(self) -> dict[str, Any]:
        return self._call("GET", "/_sim/state")

    def reset(self, *, keep_webhooks: bool = False) -> dict[str, Any]:
        return self._call("POST", "/_sim/reset", {"keep_webhooks": keep_webhooks})

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/_sim/stats")

    def requests(self, limit: int | None = None) -> list[dict[str, Any]]:
        params = {"limit": limit} if limit else None
        return list(self._call("GET", "/_sim/requests", params=params)["requests"])

    def clear_requests(self) -> None:
        self._call("DELETE", "/_sim/requests")

    def changes(self, since: datetime | str | None = None) -> list[dict[str, Any]]:
        params = {"since": _iso(since)} if since else None
        return list(self._call("GET", "/_sim/changes", params=params)["changes"])

    def deliveries(self, webhook_id: str | None = None) -> list[dict[str, Any]]:
        params = {"webhookId": webhook_id} if webhook_id else None
        return list(self._call("GET", "/_sim/webhooks/deliveries", params=params)["deliveries"])

    def flush_webhooks(self) -> list[dict[str, Any]]:
        """Deliver every webhook that is due now; the attempted deliveries."""
        return list(self._call("POST", "/_sim/webhooks/flush")["attempted"])
