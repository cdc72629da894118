"""`lifecycle report`: the identity compliance report.

Cross-references every BambooHR record, every Okta account, the employee workflows and the
audit store, and lists: orphaned accounts, terminated-but-active, on-leave-but-active,
missing accounts, managed-group misalignments, attribute drift, matches needing review,
pending dated actions, and the last action per employee.

    lifecycle report --format html --output compliance.html
    lifecycle report --format csv > findings.csv
    lifecycle report --fail-on-findings        # exit 3 when any finding category has rows

Read-only: it writes nothing to Okta, BambooHR, Temporal or the audit store.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_FINDINGS = 3
EXIT_FAILED = 1
EXIT_CONFIG_ERROR = 2  # a broken operator template, like a broken policy
FORMATS = ("json", "csv", "html")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="compliance report: orphaned, terminated-but-active, drift, pending actions...",
        description="Cross-reference BambooHR, Okta, the employee workflows and the audit "
        "store; read-only.",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: from the --output suffix, else json)",
    )
    parser.add_argument("--output", "-o", type=Path, help="write to this file (default: stdout)")
    parser.add_argument(
        "--no-temporal",
        action="store_true",
        help="do not read pending actions from Temporal (the rest of the report is complete)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="how long to wait for Temporal before reporting without pending actions",
    )
    parser.add_argument(
        "--fail-on-findings",
        action="store_true",
        help=f"exit {EXIT_FINDINGS} when any finding category is not empty (for cron/CI)",
    )
    parser.set_defaults(handler=run)


def output_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = args.output.suffix.lower().lstrip(".") if args.output else ""
    return {"htm": "html"}.get(suffix, suffix) if suffix in (*FORMATS, "htm") else "json"


def run(args: argparse.Namespace) -> int:
    from jinja2 import TemplateError

    from lifecycle.policy import load_policy
    from lifecycle.settings import load_settings
    from starters.progress import terminal_progress
    from starters.report.build import build_report
    from starters.report.gather import SourceError, gather
    from starters.report.render import render
    from starters.runtime import run_with_runtime

    settings = load_settings().require("okta", "bamboohr", "audit")
    policy = load_policy(settings.lifecycle_policy)
    fmt = output_format(args)
    progress = terminal_progress(machine_output=fmt == "json")
    try:
        sources = run_with_runtime(
            lambda runtime: gather(
                settings,
                policy,
                temporal=not args.no_temporal,
                temporal_wait_seconds=args.timeout,
                runtime=runtime,
                progress=progress,
            )
        )
    except SourceError as exc:  # nothing to compare without both
        print(f"report failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if progress is not None:
            progress.close()
    report = build_report(sources, mode=settings.effective_mode.value)
    try:
        text = render(report, fmt, policy.templates.directory)
    except TemplateError as exc:  # the operator's report.html.j2
        # Only syntax errors know their file; an undefined name or a missing include does not.
        name = getattr(exc, "filename", None) or getattr(exc, "name", None) or "report.html.j2"
        where = f"{name}:{getattr(exc, 'lineno', None) or '?'}"
        print(f"report failed: template {where}: {exc.message}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        counts = ", ".join(f"{c.id} {c.count}" for c in report.categories if c.available)
        print(f"wrote {args.output} ({fmt}): {counts}", file=sys.stderr)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.fail_on_findings and report.findings:
        return EXIT_FINDINGS
    return 0
