"""The default user type's profile schema: Okta's base attributes plus custom ones.

Profiles are validated against it the way Okta does before any write: unknown attribute,
missing required attribute, wrong type, length, e-mail form of `login`/`email`. The same
definitions render `GET /api/v1/meta/schemas/user/default` (shape `UserSchema`).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from simulators.okta.errors import OktaError, validation_failed

_RW = [{"principal": "SELF", "action": "READ_WRITE"}]
_RO = [{"principal": "SELF", "action": "READ_ONLY"}]


def _attr(title: str, required: bool = False, **extra: Any) -> dict[str, Any]:
    attr: dict[str, Any] = {
        "title": title,
        "type": "string",
        "required": required,
        "mutability": "READ_WRITE",
        "scope": "NONE",
        "permissions": _RO if extra.pop("read_only", False) else _RW,
        "master": {"type": "PROFILE_MASTER"},
    }
    attr.update(extra)
    return attr


# Names, titles and limits as in the spec's UserProfile / UserSchemaBaseProperties.
BASE_ATTRIBUTES: dict[str, dict[str, Any]] = {
    "login": _attr("Username", True, minLength=5, maxLength=100, pattern=".+"),
    "firstName": _attr("First name", True, minLength=1, maxLength=50),
    "lastName": _attr("Last name", True, minLength=1, maxLength=50),
    "middleName": _attr("Middle name"),
    "honorificPrefix": _attr("Honorific prefix"),
    "honorificSuffix": _attr("Honorific suffix"),
    "email": _attr("Primary email", True, format="email", minLength=5, maxLength=100),
    "title": _attr("Title"),
    "displayName": _attr("Display name"),
    "nickName": _attr("Nickname"),
    "profileUrl": _attr("Profile Url", format="uri"),
    "secondEmail": _attr("Secondary email", format="email", maxLength=100),
    "mobilePhone": _attr("Mobile phone", maxLength=100),
    "primaryPhone": _attr("Primary phone", maxLength=100),
    "streetAddress": _attr("Street address", maxLength=1024),
    "city": _attr("City", maxLength=128),
    "state": _attr("State", maxLength=128),
    "zipCode": _attr("Zip code", maxLength=50),
    "countryCode": _attr("Country code", format="country-code", maxLength=2),
    "postalAddress": _attr("Postal Address", maxLength=4096),
    "preferredLanguage": _attr("Preferred language", format="language-code"),
    "locale": _attr("Locale", format="locale"),
    "timezone": _attr("Time zone", format="timezone"),
    "userType": _attr("User type"),
    "employeeNumber": _attr("Employee number"),
    "costCenter": _attr("Cost center"),
    "organization": _attr("Organization"),
    "division": _attr("Division"),
    "department": _attr("Department"),
    "managerId": _attr("ManagerId"),
    "manager": _attr("Manager"),
}

ATTRIBUTE_TYPES = {"string", "boolean", "integer", "number", "array"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def custom_attribute(
    title: str,
    type: str = "string",
    *,
    required: bool = False,
    description: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A custom attribute definition with Okta's defaults filled in."""
    if type not in ATTRIBUTE_TYPES:
        raise validation_failed("type", f"type: must be one of {sorted(ATTRIBUTE_TYPES)}")
    attr: dict[str, Any] = {
        "title": title,
        "type": type,
        "required": required,
        "mutability": "READ_WRITE",
        "scope": "NONE",
        "permissions": _RW,
        "master": {"type": "PROFILE_MASTER"},
    }
    if description is not None:
        attr["description"] = description
    if type == "array" and "items" not in extra:
        attr["items"] = {"type": "string"}
    attr.update({k: v for k, v in extra.items() if v is not None})
    return attr


def check_custom_name(name: str) -> None:
    if not _NAME.match(name):
        raise validation_failed(
            name,
            f"{name}: Property names must start with a letter and "
            "contain only letters, digits and underscores",
        )
    if name in BASE_ATTRIBUTES:
        raise validation_failed(name, f"{name}: A base property with this name already exists")


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    return True


def validate_profile(profile: Any, custom: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Check a complete profile; return it without null attributes (they mean "unset")."""
    if not isinstance(profile, dict):
        raise validation_failed("profile", "profile: The field must be an object")
    causes: list[tuple[str, str]] = []
    cleaned: dict[str, Any] = {}
    for name, value in profile.items():
        definition = BASE_ATTRIBUTES.get(name) or custom.get(name)
        if definition is None:
            causes.append((name, f"{name}: Property name '{name}' is not defined in profile"))
            continue
        if value is None:
            continue
        problem = _value_problem(name, value, definition)
        if problem:
            causes.append((name, problem))
        else:
            cleaned[name] = value
    for name, definition in [*BASE_ATTRIBUTES.items(), *custom.items()]:
        if definition.get("required") and cleaned.get(name) in (None, ""):
            if not any(field == name for field, _ in causes):
                causes.append((name, f"{name}: The field cannot be left blank"))
    if causes:
        fields = list(dict.fromkeys(field for field, _ in causes))
        raise OktaError(
            400,
            "E0000001",
            f"Api validation failed: {', '.join(fields)}",
            [text for _, text in causes],
        )
    return cleaned


def _value_problem(name: str, value: Any, definition: dict[str, Any]) -> str | None:
    kind = definition.get("type", "string")
    if not _type_ok(value, kind):
        return f"{name}: Does not match required type: {kind}"
    if kind == "array":
        item_kind = (definition.get("items") or {}).get("type", "string")
        if not all(_type_ok(item, item_kind) for item in value):
            return f"{name}: Does not match required type: array of {item_kind}"
    if isinstance(value, str):
        if definition.get("minLength") is not None and len(value) < definition["minLength"]:
            return f"{name}: The field must have at least {definition['minLength']} characters"
        if definition.get("maxLength") is not None and len(value) > definition["maxLength"]:
            return f"{name}: The field cannot be longer than {definition['maxLength']} characters"
        if name == "login" and not _EMAIL.match(value):
            return "login: Username must be in the form of an email address"
        if definition.get("format") == "email" and not _EMAIL.match(value):
            return f"{name}: Does not match required pattern"
    allowed = definition.get("enum")
    if allowed and value not in allowed:
        return f"{name}: Does not match required enumeration"
    return None


def schema_document(
    custom: dict[str, dict[str, Any]],
    *,
    schema_id: str,
    org_url: str,
    created: str,
    last_updated: str,
) -> dict[str, Any]:
    base = copy.deepcopy(BASE_ATTRIBUTES)
    return {
        "id": f"{org_url}/meta/schemas/user/{schema_id}",
        "$schema": "http://json-schema.org/draft-04/schema#",
        "name": "user",
        "title": "User",
        "created": created,
        "lastUpdated": last_updated,
        "definitions": {
            "base": {
                "id": "#base",
                "type": "object",
                "properties": base,
                "required": [n for n, d in base.items() if d.get("required")],
            },
            "custom": {
                "id": "#custom",
                "type": "object",
                "properties": copy.deepcopy(custom),
                "required": [n for n, d in custom.items() if d.get("required")],
            },
        },
        "type": "object",
        "properties": {
            "profile": {"allOf": [{"$ref": "#/definitions/base"}, {"$ref": "#/definitions/custom"}]}
        },
        "_links": {"self": {"href": f"{org_url}/api/v1/meta/schemas/user/{schema_id}"}},
    }
