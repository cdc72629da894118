"""HR fields → Okta profile attributes, as configured in `profile:`.

Every value is text; an attribute whose HR source is empty is omitted from the desired
profile (Okta's value is left alone) unless it is listed in `clear_when_empty`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lifecycle.policy.conditions import all_conditions, same_text
from lifecycle.policy.config import MappingSpec, PolicyConfig, Variant
from lifecycle.policy.templates import Template, is_template, parse_template
from lifecycle.policy.view import HrView


@lru_cache(maxsize=1024)
def _template(source: str) -> Template:
    return parse_template(source)


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def render_text(spec: str, view: HrView) -> str | None:
    """A plain string spec: a template when it has braces, else a source field name."""
    if is_template(spec):
        return _template(spec).render(view.get)
    return view.get(spec)


def _origin(spec: MappingSpec, view: HrView) -> str | None:
    if spec.source is not None:
        return view.get(spec.source)
    if spec.template is not None:
        return _template(spec.template).render(view.get)
    return spec.value if spec.value not in (None, "") else None


def _lookup(table: dict[str, str], value: str) -> str | None:
    if value in table:
        return table[value]
    for key, mapped in table.items():
        if same_text(key, value):
            return mapped
    return None


def apply_spec(spec: MappingSpec, view: HrView) -> str | None:
    value = _origin(spec, view)
    if value is not None and spec.extract is not None:
        found = _regex(spec.extract).search(value)
        if found is None:
            value = None
        else:
            value = found.group(1) if found.re.groups else found.group(0)
            value = value if value and value.strip() else None
    if value is not None and spec.lookup is not None:
        mapped = _lookup(spec.lookup, value)
        value = mapped if mapped is not None else spec.lookup_default
    if value is not None and spec.case is not None:
        value = {"upper": str.upper, "lower": str.lower, "title": str.title}[spec.case](value)
    if value is None or value == "":
        value = spec.default if spec.default not in (None, "") else None
    return value


def evaluate(spec: Any, view: HrView) -> str | None:
    """One attribute's value: text spec, mapping spec, or first matching variant."""
    if isinstance(spec, str):
        return render_text(spec, view)
    if isinstance(spec, MappingSpec) and not isinstance(spec, Variant):
        return apply_spec(spec, view)
    variants = [spec] if isinstance(spec, Variant) else list(spec)
    for variant in variants:
        if isinstance(variant, str):
            return render_text(variant, view)
        if all_conditions(variant.when, view.get):
            return apply_spec(variant, view)
    return None


def map_profile(config: PolicyConfig, view: HrView) -> dict[str, str | None]:
    """The desired Okta profile: identity attributes plus every configured attribute.

    An attribute without a value is left out (Okta keeps what it has), except those in
    `clear_when_empty`, which appear as None (= clear it). So the plan alone says what to
    write and what to clear; the workflow needs no policy file.
    """
    values: dict[str, str | None] = {
        "login": render_text(config.identity.login, view),
        config.identity.okta_id_attribute: view.get("bambooHrId"),
    }
    for attribute, spec in config.profile.items():
        values[attribute] = evaluate(spec, view)
    clear = set(config.clear_when_empty)
    return {k: v for k, v in values.items() if v is not None or k in clear}
