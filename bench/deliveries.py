"""Webhook deliveries as BambooHR sends them: a JSON event, signed with the shared key over
body + timestamp (`X-BambooHR-Signature`, `X-BambooHR-Timestamp`)."""

from __future__ import annotations

import json
import time

from pydantic import SecretStr

from integrations.bamboohr.webhooks import sign
from lifecycle.settings import SIM_WEBHOOK_KEY
from starters.webhook.app import PATH


def signed_delivery(
    employee_id: str, changed: tuple[str, ...] = ("employmentHistoryStatus",)
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "type": "employee.updated",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "data": {"companyId": 1, "employeeId": employee_id, "changedFields": list(changed)},
        }
    ).encode()
    ts = str(int(time.time()))
    return body, {
        "Content-Type": "application/json",
        "X-BambooHR-Timestamp": ts,
        "X-BambooHR-Signature": sign(body, ts, SecretStr(SIM_WEBHOOK_KEY)),
    }


__all__ = ["PATH", "signed_delivery"]
