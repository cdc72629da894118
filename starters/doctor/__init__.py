"""`lifecycle doctor`: a preflight before going live, one line per check (ok / warning /
problem, with the fix), exit 0 (ready), 1 (warnings) or 2 (problems), `--json` for scripts.

It only reads: nothing in Okta, BambooHR, Temporal or the audit store is created or changed.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from starters.doctor.findings import Finding, exit_code, problem, render_json, render_text

if TYPE_CHECKING:
    from temporalio.runtime import Runtime

AREAS = ("okta", "bamboohr", "temporal", "audit")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "doctor", help="check settings, policy, Okta, BambooHR, Temporal and the audit store"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable findings")
    parser.add_argument(
        "--skip", action="append", choices=AREAS, default=[], help="leave out an area"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from starters.runtime import run_with_runtime

    findings = run_with_runtime(lambda runtime: diagnose(set(args.skip), runtime))
    print(render_json(findings) if args.json else render_text(findings))
    return exit_code(findings)


async def diagnose(skip: set[str], runtime: Runtime | None = None) -> list[Finding]:
    from lifecycle.settings import SettingsError
    from starters.doctor.audit import check_audit
    from starters.doctor.bamboohr import check_bamboohr
    from starters.doctor.config import check_policy, check_settings
    from starters.doctor.okta import check_okta
    from starters.doctor.temporal import check_temporal

    findings: list[Finding] = []
    areas = [a for a in AREAS if a not in skip]
    settings = check_settings(findings, areas)
    if settings is None:
        return findings
    policy = check_policy(settings, findings)
    checks = {
        "okta": lambda: check_okta(settings, policy, findings),
        "bamboohr": lambda: check_bamboohr(settings, policy, findings),
        "temporal": lambda: check_temporal(settings, findings, runtime),
        "audit": lambda: check_audit(settings, findings),
    }
    for area in areas:
        if any(f.area == "settings" and f.level == "problem" and area in f.tags for f in findings):
            continue  # its variables are wrong: the settings lines say which
        try:
            await checks[area]()
        except (SettingsError, OSError, ValueError) as exc:
            # A client that cannot even be built (a key file missing, a bad certificate):
            # this area's problem, and the other areas are still checked.
            detail = "; ".join(getattr(exc, "problems", None) or [str(exc)])
            findings.append(problem(area, "client", detail, "fix the settings it names"))
    return findings
