"""Generated logins (`identity.generate_login`): the one home of the pure rules.

HR usually enters a hire before IT has chosen the work email. With `generate_login` the
policy makes one from HR names instead of sending the hire to review:

- `render_base`: the template (`"{preferredName|firstName}.{lastName}@acme.example"`), each
  placeholder's value normalised (lower case, diacritics folded to ASCII, spaces and
  apostrophes removed, anything else a login cannot hold dropped). An alternative whose
  value normalises to nothing (a name written only in non-Latin script) falls through to
  the next one, as an empty one does; when none is left the result says which field and
  why, so the employee goes to review (LOGIN_NOT_GENERATED) with a reason a person can act
  on.
- `candidates`: the base, then the collision rule's variants (a middle initial, then
  base.2, base.3...). Which candidate is free is decided by the `choose_login` activity
  (Okta and the login claims in the audit store); this module only orders them, so the
  same names always give the same sequence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from lifecycle.policy.config import GenerateLoginConfig, LoginNormaliseConfig
from lifecycle.policy.templates import FieldRef, Placeholder, Template, parse_template

# Letters NFKD does not decompose into an ASCII base letter.
_SPECIAL_FOLDS = {
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "TH",
    "\u0131": "i",  # dotless i
}
# What is left of a local-part value after normalising: letters, digits, dot, dash, underscore.
_NOT_LOGIN = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class LoginBase:
    """The rendered base login, or why there is none (`field`, `problem`)."""

    login: str | None
    field: str | None = None
    problem: str | None = None


def fold(text: str) -> str:
    """Diacritics folded to ASCII: "José Núñez" → "Jose Nunez", "Søren" → "Soren"."""
    text = "".join(_SPECIAL_FOLDS.get(c, c) for c in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise(value: str, rules: LoginNormaliseConfig) -> str:
    """One HR value as part of a login. "O'Brien" → "obrien", "Anne Marie" → "annemarie"."""
    text = value.strip()
    if rules.fold_diacritics:
        text = fold(text)
    if rules.lowercase:
        text = text.lower()
    text = "".join(c for c in text if c not in rules.remove)
    text = _NOT_LOGIN.sub("", text)
    return re.sub(r"\.{2,}", ".", text).strip(".")


@lru_cache(maxsize=64)
def _parsed(source: str) -> Template:
    return parse_template(source)


def render_base(config: GenerateLoginConfig, lookup: Callable[[str], str | None]) -> LoginBase:
    """The base login for one employee (`lookup` reads HR fields, as `HrView.get`)."""
    out: list[str] = []
    for part in _parsed(config.template).parts:
        if isinstance(part, str):
            out.append(part.lower() if config.normalise.lowercase else part)
            continue
        value, unusable = _placeholder(part, config.normalise, lookup)
        if value is None:
            names = [a.name for a in part.alternatives if isinstance(a, FieldRef)]
            shown = " / ".join(names) or "the template"
            if unusable:
                field, raw = unusable
                return LoginBase(
                    None,
                    field=field,
                    problem=f"cannot generate a login: {field} {raw!r} has no Latin letters "
                    "or digits to make one from (only letters that fold to ASCII are used); "
                    "enter the work email in BambooHR",
                )
            return LoginBase(
                None,
                field=names[0] if names else None,
                problem=f"cannot generate a login: {shown} is empty in BambooHR; enter the "
                "name or the work email",
            )
        out.append(value)
    login = "".join(out)
    local, _, domain = login.rpartition("@")
    local = re.sub(r"\.{2,}", ".", local).strip(".")
    if not local or not domain:
        return LoginBase(None, problem=f"cannot generate a login: {login!r} has no local part")
    return LoginBase(f"{local}@{domain}")


def _placeholder(
    part: Placeholder, rules: LoginNormaliseConfig, lookup: Callable[[str], str | None]
) -> tuple[str | None, tuple[str, str] | None]:
    """The first alternative with a usable value; else the first that had an unusable one."""
    unusable: tuple[str, str] | None = None
    for alt in part.alternatives:
        raw = alt.name if isinstance(alt, FieldRef) else None
        value = lookup(alt.name) if isinstance(alt, FieldRef) else alt.text
        if value is None or not value.strip():
            continue
        cleaned = normalise(value, rules)
        if cleaned:
            return cleaned, None
        if unusable is None and raw is not None:
            unusable = (raw, value)
    return None, unusable


def middle_initial(config: GenerateLoginConfig, lookup: Callable[[str], str | None]) -> str | None:
    value = lookup(config.middle_name_field)
    if not value:
        return None
    cleaned = normalise(value, config.normalise)
    return cleaned[0] if cleaned else None


def candidates(config: GenerateLoginConfig, base: str, initial: str | None = None) -> Iterator[str]:
    """The logins to try, in order: the base, the collision rule's variants, base.2, base.3...
    (at most `max_candidates`)."""
    local, _, domain = base.rpartition("@")
    sep = config.number_separator
    produced = 0
    seen: set[str] = set()

    def emit(candidate: str) -> bool:
        nonlocal produced
        if candidate in seen or produced >= config.max_candidates:
            return False
        seen.add(candidate)
        produced += 1
        return True

    if emit(base):
        yield base
    if config.collision == "middle_initial" and initial:
        first, dot, rest = local.partition(".")
        variant = f"{first}.{initial}.{rest}" if dot else f"{local}{initial}"
        if emit(f"{variant}@{domain}"):
            yield f"{variant}@{domain}"
    number = 2
    while produced < config.max_candidates:
        candidate = f"{local}{sep}{number}@{domain}"
        number += 1
        if emit(candidate):
            yield candidate


def login_candidates(
    config: GenerateLoginConfig, lookup: Callable[[str], str | None]
) -> tuple[list[str], LoginBase]:
    """Every candidate for one employee (empty with the reason when none can be made)."""
    base = render_base(config, lookup)
    if base.login is None:
        return [], base
    return list(candidates(config, base.login, middle_initial(config, lookup))), base
