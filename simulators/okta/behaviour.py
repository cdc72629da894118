"""Switches for Okta behaviour that varies between orgs or that public sources leave open.

Settable at start (`OktaSimulator(behaviour=...)`) and at run time (`PUT /_sim/behaviour`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class OktaBehaviour(BaseModel):
    allow_deprovisioned_profile_update: bool = Field(
        default=False,
        description="the org setting 'Edit deactivated user profiles' (else 403 E0000038)",
    )
    deactivate_deprovisioned_status: Literal[403, 404] = Field(
        default=404,
        description="answer to deactivating a DEPROVISIONED user: 404 E0000007 (observed) or "
        "403 E0000038",
    )
    service_time_ms: float = Field(
        default=0,
        ge=0,
        description="time each API request holds its concurrency slot (simulates Okta's own "
        "processing time; with max_concurrency it makes 429s from concurrency reachable)",
    )
