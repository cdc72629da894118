"""The policy engine: HR snapshot + policy file → the desired Okta account over time.

Pure domain logic (no I/O, no Temporal). Uses `zoneinfo` through `lifecycle.calendar`, so
it runs outside workflow code (an activity or a starter), never inside the sandbox;
`diff` is the exception and is sandbox-safe.
"""

from lifecycle.policy.build import build_plan
from lifecycle.policy.config import PolicyConfig, load_policy, parse_policy
from lifecycle.policy.diff import group_changes, profile_changes
from lifecycle.policy.errors import PolicyError
from lifecycle.policy.fields import monitored_fields, required_fields

__all__ = [
    "PolicyConfig",
    "PolicyError",
    "build_plan",
    "group_changes",
    "load_policy",
    "monitored_fields",
    "parse_policy",
    "profile_changes",
    "required_fields",
]
