"""What `lifecycle doctor` reports: one finding per check, and the exit code they add up to."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel

Level = Literal["ok", "warning", "problem"]

# 0: ready; 1: it will run, but something will surprise you; 2: it will not work as configured.
EXIT: dict[Level, int] = {"ok": 0, "warning": 1, "problem": 2}
_MARK: dict[Level, str] = {"ok": "ok     ", "warning": "warning", "problem": "PROBLEM"}


class Finding(BaseModel):
    area: str  # settings, policy, okta, bamboohr, temporal, audit
    check: str
    level: Level
    detail: str
    fix: str | None = None  # what to do about it (None when nothing is to be done)
    # The areas a settings problem concerns (their checks are skipped: they would only fail).
    tags: list[str] = []


def ok(area: str, check: str, detail: str) -> Finding:
    return Finding(area=area, check=check, level="ok", detail=detail)


def warning(area: str, check: str, detail: str, fix: str) -> Finding:
    return Finding(area=area, check=check, level="warning", detail=detail, fix=fix)


def problem(area: str, check: str, detail: str, fix: str) -> Finding:
    return Finding(area=area, check=check, level="problem", detail=detail, fix=fix)


def exit_code(findings: Iterable[Finding]) -> int:
    return max((EXIT[f.level] for f in findings), default=0)


def render_text(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{_MARK[f.level]}  {f.area:<8}  {f.check}: {f.detail}")
        if f.fix:
            lines.append(f"{'':>7}  {'':<8}  fix: {f.fix}")
    counts = {level: sum(1 for f in findings if f.level == level) for level in EXIT}
    lines.append(
        f"{counts['ok']} ok, {counts['warning']} warning(s), {counts['problem']} problem(s)"
    )
    return "\n".join(lines)


def render_json(findings: Sequence[Finding]) -> str:
    return json.dumps(
        {
            "exit_code": exit_code(findings),
            "findings": [f.model_dump(exclude={"tags"}) for f in findings],
        },
        indent=2,
    )
