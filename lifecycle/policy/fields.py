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
    generate = config.identity.generate_login
    if generate is not None:
        names += _text_fields(generate.template)
        if generate.collision == "middle_initial":
            names.append(generate.middle_name_field)
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


# Fields whose change moves a lifecycle whatever the policy maps: the employment status and
# its dates (hire, leave, termination), the login's e-mail, the location (the time zone) and
# the manager (the manager's notices).
LIFECYCLE_FIELDS = (
    "employmentHistoryStatus",
    "status",
    "hireDate",
    "terminationDate",
    "workEmail",
    "location",
    "supervisorEId",
)


def monitored_fields(config: PolicyConfig) -> list[str]:
    """What the BambooHR webhook must watch so that every change the policy acts on arrives
    within seconds (not only at the next poll): the lifecycle's own fields, every field a
    group rule tests, and every field the policy reads. Derived, never listed by hand: a
    field added to the policy is monitored by the next `lifecycle setup webhook`."""
    names: list[str] = list(LIFECYCLE_FIELDS)
    for rule in config.groups:
        names += list(rule.match.as_fields())
        if rule.unless is not None:
            names += list(rule.unless.as_fields())
    names += required_fields(config)  # (manager.* fields: the supervisor, above)
    out: list[str] = []
    for name in names:
        if name in _SPECIAL or name in out:
            continue
        out.append(name)
    return out
