"""Group rules: which managed Okta groups an employee belongs to.

Many-to-many: every rule whose `match` holds (and whose `unless` does not) adds its group;
several rules may name the same group (any of them grants it). Only groups named by a rule
are managed; membership in any other group is never added or removed.
"""

from __future__ import annotations

from lifecycle.policy.conditions import all_conditions
from lifecycle.policy.config import GroupRule, PolicyConfig
from lifecycle.policy.view import HrView


def rule_matches(rule: GroupRule, view: HrView) -> bool:
    if not all_conditions(rule.match.as_fields(), view.get):
        return False
    if rule.unless is not None:
        excluded = rule.unless.as_fields()
        if excluded and all_conditions(excluded, view.get):
            return False
    return True


def groups_for(config: PolicyConfig, view: HrView) -> list[str]:
    """Sorted names of the managed groups the rules grant for this view."""
    return sorted({rule.name for rule in config.groups if rule_matches(rule, view)})
