"""`lifecycle doctor`: a preflight before going live, one line per check (ok / warning /
problem, with the fix), exit 0 (ready), 1 (warnings) or 2 (problems), `--json` for scripts.

It only reads: nothing in Okta, BambooHR, Temporal or the audit store is created or changed.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from starters.doctor.findings import Finding, exit_code, render_json, render_text

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
    from starters.doctor.audit import check_audit
    from starters.doctor.bamboohr import check_bamboohr
    from starters.doctor.config import check_policy, check_settings
    from starters.doctor.okta import check_okta
    from starters.doctor.temporal import check_temporal

    findings: list[Finding] = []
    settings = check_settings(findings)
    if settings is None:
        return findings
    policy = check_policy(settings, findings)
    if "okta" not in skip:
        await check_okta(settings, policy, findings)
    if "bamboohr" not in skip:
        await check_bamboohr(settings, policy, findings)
    if "temporal" not in skip:
        await check_temporal(settings, findings, runtime)
    if "audit" not in skip:
        await check_audit(settings, findings)
    return findings
