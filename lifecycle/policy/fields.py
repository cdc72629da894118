"""Which BambooHR fields the policy reads, so the reader can ask BambooHR for them.

Standard fields are always fetched by the reader; this lists everything the policy file
names (profile sources, template fields, `when:` conditions, the login template, the leave
return-date field), minus the special names the policy resolves itself.
"""

from __future__ import annotations

from typing import Any

from lifecycle.policy.config import MappingSpec, PolicyConfig, Variant
from lifecycle.policy.templates import is_template, parse_template
from lifecycle.policy.view import ID_FIELDS, ZONE_FIELD

# Resolved by the policy, not fields of the employee record (jobInfo's reportsTo comes with
# the table; manager.* with the supervisor's own record).
_SPECIAL = {*ID_FIELDS, ZONE_FIELD, "employmentStatus", "reportsTo"}


def _text_fields(text: str) -> list[str]:
    return parse_template(text).fields() if is_template(text) else [text]


def _spec_fields(spec: Any) -> list[str]:
    if isinstance(spec, str):
        return _text_fields(spec)
    if isinstance(spec, MappingSpec):
        names: list[str] = []
        if spec.source is not None:
            names.append(spec.source)
        if spec.template is not None:
            names += _text_fields(spec.template)
        if isinstance(spec, Variant):
            names += list(spec.when)
        return names
    return [name for item in spec for name in _spec_fields(item)]


def required_fields(config: PolicyConfig) -> list[str]:
    """Every BambooHR field name the policy reads, in first-use order, without duplicates."""
    names = _text_fields(config.identity.login)
    for spec in config.profile.values():
        names += _spec_fields(spec)
    if config.leave.return_date_field:
        names.append(config.leave.return_date_field)
    out: list[str] = []
    for name in names:
        if name.startswith("manager.") or name in _SPECIAL or name in out:
            continue
        out.append(name)
    return out
