"""Okta Management API client: auth (SSWS, private_key_jwt + DPoP), the process-wide
rate-limit governor, `Link` paging, typed errors.

    governor = RateLimitGovernor(max_concurrency=settings.okta_max_concurrency)  # one per process
    client = build_okta_client(settings, governor)
    user = await client.get_user("ada@example.com")
"""

from integrations.okta.auth import OktaAuth, PrivateKeyJwtAuth, SswsAuth
from integrations.okta.client import OktaClient, build_okta_client
from integrations.okta.errors import (
    OktaAuthError,
    OktaConflict,
    OktaError,
    OktaInvalidTransition,
    OktaNotFound,
    OktaRateLimited,
    OktaServerError,
    OktaTransportError,
    OktaValidationError,
)
from integrations.okta.governor import GovernorStats, RateLimitGovernor, bucket_for
from integrations.okta.models import OktaGroup, OktaUser, SchemaAttribute

__all__ = [
    "GovernorStats",
    "OktaAuth",
    "OktaAuthError",
    "OktaClient",
    "OktaConflict",
    "OktaError",
    "OktaGroup",
    "OktaInvalidTransition",
    "OktaNotFound",
    "OktaRateLimited",
    "OktaServerError",
    "OktaTransportError",
    "OktaUser",
    "OktaValidationError",
    "PrivateKeyJwtAuth",
    "RateLimitGovernor",
    "SchemaAttribute",
    "SswsAuth",
    "bucket_for",
    "build_okta_client",
]
