"""Throttling and failures in BambooHR's dialect, and the request log / counters."""

from __future__ import annotations

import httpx
import pytest
from bamboohr_testdata import Company

from simulators.bamboohr import BambooHRSimulator

ERROR = "X-BambooHR-Error-Message"


def test_unavailable_answers_503_with_retry_after(
    api: httpx.Client, admin, company: Company
) -> None:
    admin.set_faults(unavailable=True, burst_retry_after=7)
    r = api.get(f"/api/v1/employees/{company.dev}")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "7"
    assert r.headers[ERROR]
    assert admin.health()["status"] == "ok"  # admin and health are never faulted
    admin.set_faults()  # healthy again
    assert api.get(f"/api/v1/employees/{company.dev}").status_code == 200


def test_bursts_answer_429_with_retry_after(api: httpx.Client, admin, company: Company) -> None:
    admin.set_faults(burst_status=429, burst_every=3, burst_length=1, burst_retry_after=1)
    codes = [api.get(f"/api/v1/employees/{company.dev}").status_code for _ in range(6)]
    assert codes == [429, 200, 200, 429, 200, 200]
    assert admin.faults()["counters"]["burst"] == 2


def test_server_errors(api: httpx.Client, admin, company: Company) -> None:
    admin.set_faults(error_rate=1.0, error_status=502, only_paths=["/api/v1/employees/changed"])
    r = api.get("/api/v1/employees/changed", params={"since": "2025-01-01T00:00:00Z"})
    assert r.status_code == 502 and r.headers[ERROR]
    assert api.get(f"/api/v1/employees/{company.dev}").status_code == 200


def test_dropped_connections(api: httpx.Client, admin, company: Company) -> None:
    admin.set_faults(drop_rate=1.0)
    with pytest.raises(httpx.TransportError):
        api.get(f"/api/v1/employees/{company.dev}")


def test_request_log_and_stats(
    api: httpx.Client, admin, sim: BambooHRSimulator, company: Company
) -> None:
    api.get(f"/api/v1/employees/{company.dev}", params={"fields": "workEmail"})
    api.get(f"/api/gateway.php/acme/v1/employees/{company.ceo}")
    api.get("/api/v1/employees/999")
    log = admin.requests()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", f"/api/v1/employees/{company.dev}", 200),
        ("GET", f"/api/gateway.php/acme/v1/employees/{company.ceo}", 200),
        ("GET", "/api/v1/employees/999", 404),
    ]
    assert log[0]["query"] == "fields=workEmail"
    stats = admin.stats()
    assert stats["requests"] == 3
    assert stats["byOperation"] == {"GET /api/v1/employees/{id}": 3}
    assert stats["byStatus"] == {"200": 2, "404": 1}
    assert stats["employees"] == 3
    admin.clear_requests()
    assert admin.requests() == []
