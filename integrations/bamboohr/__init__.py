"""BambooHR: the API client (snapshots, changes, bulk reads), parsing into `HrSnapshot`,
typed errors, and webhook verification.

    client = build_bamboohr_client(settings)
    snapshot = await client.fetch_snapshot("42", ["customJobLevel", "4002"])
"""

from integrations.bamboohr.client import (
    BambooHRClient,
    BulkSnapshots,
    WebhookRegistration,
    build_bamboohr_client,
)
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
from integrations.bamboohr.parse import ChangedEmployee, ChangedEmployees
from integrations.bamboohr.webhooks import (
    WebhookError,
    WebhookEvent,
    WebhookPayloadError,
    WebhookSignatureError,
    parse_webhook,
    verify_signature,
)

__all__ = [
    "BadHrData",
    "BambooHRAuthError",
    "BambooHRBadRequest",
    "BambooHRClient",
    "BambooHRError",
    "BambooHRNotFound",
    "BambooHRRateLimited",
    "BambooHRServerError",
    "BambooHRTransportError",
    "BambooHRUnexpectedResponse",
    "BulkSnapshots",
    "ChangedEmployee",
    "ChangedEmployees",
    "WebhookError",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookRegistration",
    "WebhookSignatureError",
    "build_bamboohr_client",
    "parse_webhook",
    "verify_signature",
]
