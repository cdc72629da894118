"""`lifecycle ops …`: the operator's verbs, thin over the Temporal client.

    lifecycle ops list [--state S] [--department D] [--pending ACTION|any] [--due-before WHEN]
    lifecycle ops status <employee>
    lifecycle ops fast-forward|retry|resume <employee>
    lifecycle ops cancel <employee> --reason R [--key K]
    lifecycle ops pause <employee> [--reason R]
    lifecycle ops resolve <employee> [--note N] [--link OKTA_USER_ID]
    lifecycle ops guard
    lifecycle ops approve --all | --employee ID ... [--note N] [--approver A]
    lifecycle ops approve --run <workflow-id> [--note N]     (a held reconciliation run)
    lifecycle ops reject --all | --employee ID ... --reason R
    lifecycle ops allow --count N --until WHEN [--department D] --reason R

`<employee>` is the BambooHR id (`123`) or the workflow id (`employee-123`). Every verb is
one of the employee workflow's updates (guard, approve, reject and allow: the mass-change
guard's, starters/ops/guard.py), so the workflow's validator accepts or refuses it;
a refusal prints the validator's sentence on stderr and exits 1. `--json` gives machine
output on stdout. The same operations from the Temporal UI and the `temporal` CLI are in
docs/operations.md.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from temporalio.runtime import Runtime

from contracts.employee import CancelInput, FastForwardInput, PauseInput, ResolveInput
from contracts.guard import AllowInput, ApproveHeldInput, RejectHeldInput
from starters.ops.actions import (
    EmployeeRow,
    OpsError,
    approve,
    employee_status,
    employee_update,
    employee_workflow_id,
    list_employees,
)
from starters.ops.guard import allow, approve_held, guard_status, reject_held, render_guard_status
from starters.ops.query import QueryError, build_list_query, parse_when, pending_kind
from starters.ops.table import cell, render_fields, render_table
from starters.runtime import run_with_runtime
from workflows.approval import ApproveInput

EXIT_OK = 0
EXIT_REFUSED = 1
DEFAULT_LIMIT = 1000


def register(sub: argparse._SubParsersAction) -> None:
    ops = sub.add_parser(
        "ops",
        help="operate employee lifecycles: list, status, fast-forward, cancel, pause, ...",
        description="Operator verbs over the employee workflows (Temporal updates/queries).",
    )
    verbs = ops.add_subparsers(dest="verb", metavar="VERB", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    common.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="give up waiting for Temporal/the worker after this long (default 30)",
    )

    p = verbs.add_parser(
        "list",
        parents=[common],
        help="employees by state, department, pending action (visibility query)",
    )
    p.add_argument(
        "--state",
        action="append",
        default=[],
        metavar="STATE",
        help="PENDING_START, STAGED, ACTIVE, ON_LEAVE, TERMINATED or NEEDS_REVIEW (repeatable)",
    )
    p.add_argument("--department", action="append", default=[], metavar="NAME", help="(repeatable)")
    p.add_argument(
        "--pending",
        metavar="ACTION",
        help="next pending action is ACTION (PRE_BOARD, ACTIVATE, TRANSFER, LEAVE_START, "
        "LEAVE_RETURN, TERMINATE, RESCIND, REHIRE) or 'any'",
    )
    p.add_argument(
        "--due-before",
        metavar="WHEN",
        help="next action due before WHEN: 2026-07-01, 2026-07-01T17:00:00Z, or 7d / 36h",
    )
    p.add_argument(
        "--all", action="store_true", help="include closed (completed, terminated) workflows"
    )
    p.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="at most this many rows")
    p.add_argument(
        "--show-query",
        action="store_true",
        help="print the visibility query on stderr (paste it into the UI or temporal CLI)",
    )
    p.set_defaults(handler=_handler(_list))

    p = verbs.add_parser("status", parents=[common], help="the workflow's status query")
    p.add_argument("employee", help="BambooHR id or workflow id")
    p.set_defaults(handler=_handler(_status))

    p = verbs.add_parser("fast-forward", parents=[common], help="run the next pending action now")
    p.add_argument("employee")
    p.add_argument("--reason", default="", help="recorded in the workflow's history")
    p.set_defaults(handler=_handler(_fast_forward))

    p = verbs.add_parser("cancel", parents=[common], help="skip a pending action")
    p.add_argument("employee")
    p.add_argument("--reason", required=True, help="why (required; kept with the action)")
    p.add_argument("--key", help="the action key (default: the next pending action)")
    p.set_defaults(handler=_handler(_cancel))

    p = verbs.add_parser("retry", parents=[common], help="run the failed step again")
    p.add_argument("employee")
    p.set_defaults(handler=_handler(_retry))

    p = verbs.add_parser("pause", parents=[common], help="no Okta changes until resumed")
    p.add_argument("employee")
    p.add_argument("--reason", default="")
    p.set_defaults(handler=_handler(_pause))

    p = verbs.add_parser("resume", parents=[common], help="end a pause and catch up")
    p.add_argument("employee")
    p.set_defaults(handler=_handler(_resume))

    p = verbs.add_parser("resolve", parents=[common], help="clear a NEEDS_REVIEW state")
    p.add_argument("employee")
    p.add_argument("--note", default="", help="what was decided (kept in history)")
    p.add_argument(
        "--link", metavar="OKTA_USER_ID", help="adopt this existing Okta account (by user id)"
    )
    p.set_defaults(handler=_handler(_resolve))

    p = verbs.add_parser(
        "guard",
        parents=[common],
        help="the mass-change guard: held actions, the window's count, allowances",
    )
    p.set_defaults(handler=_handler(_guard))

    p = verbs.add_parser(
        "approve",
        parents=[common],
        help="release suspensions/deactivations held by the mass-change guard "
        "(or, with --run, a held reconciliation run)",
    )
    chosen = _held_selection(p)
    chosen.add_argument("--run", metavar="WORKFLOW_ID", help="a held reconciliation run")
    p.add_argument("--note", default="")
    p.add_argument("--approver", default=None, help="default: the current user name")
    p.set_defaults(handler=_handler(_approve))

    p = verbs.add_parser(
        "reject",
        parents=[common],
        help="turn down held actions: cancelled, accounts untouched, employees to review",
    )
    _held_selection(p)
    p.add_argument("--reason", required=True, help="why (kept in the audit trail)")
    p.add_argument("--by", default=None, help="default: the current user name")
    p.set_defaults(handler=_handler(_reject))

    p = verbs.add_parser(
        "allow",
        parents=[common],
        help="approve a planned mass change in advance (a layoff, a site closure)",
    )
    p.add_argument("--count", type=int, required=True, help="how many suspensions/deactivations")
    p.add_argument(
        "--until", required=True, metavar="WHEN", help="2026-12-04T18:00Z, 2026-12-05 or 36h"
    )
    p.add_argument("--department", default=None, help="only employees of this department")
    p.add_argument("--reason", required=True, help="why (kept in the audit trail)")
    p.add_argument("--by", default=None, help="default: the current user name")
    p.set_defaults(handler=_handler(_allow))


def _held_selection(p: argparse.ArgumentParser) -> Any:
    """`--all` or `--employee ID …`: which actions held by the guard a verb decides on."""
    chosen = p.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--all", action="store_true", help="every held action")
    chosen.add_argument(
        "--employee", action="append", default=[], metavar="ID", help="(repeatable)"
    )
    return chosen


# ----------------------------------------------------------------------------------------
# Plumbing: settings, connection, error → exit code
# ----------------------------------------------------------------------------------------
Verb = Callable[[Any, argparse.Namespace], Coroutine[Any, Any, int]]


def _handler(verb: Verb) -> Callable[[argparse.Namespace], int]:
    def handle(args: argparse.Namespace) -> int:
        from lifecycle.settings import load_settings
        from workers.connect import connect

        settings = load_settings().require("temporal")  # SettingsError → exit 2 in cli.main

        args.task_queue = settings.temporal_task_queue

        async def main(runtime: Runtime) -> int:
            where = f"{settings.temporal_address} (namespace {settings.temporal_namespace})"
            try:
                async with asyncio.timeout(args.timeout):
                    client = await connect(settings, runtime=runtime)
            except (TimeoutError, RuntimeError) as exc:
                raise OpsError(f"cannot reach Temporal at {where}: {exc or 'timed out'}") from None
            try:
                # Updates and queries wait for a worker: without one they would hang.
                async with asyncio.timeout(args.timeout):
                    return await verb(client, args)
            except TimeoutError:
                raise OpsError(
                    f"no answer within {args.timeout:g}s: is a worker polling task queue "
                    f"{settings.temporal_task_queue!r} on {where}?"
                ) from None

        try:
            return run_with_runtime(main)
        except (OpsError, QueryError) as exc:
            message = exc.message if isinstance(exc, OpsError) else str(exc)
            if args.json and isinstance(exc, OpsError) and exc.rejected:
                _print_json({"accepted": False, "message": message})
            print(message, file=sys.stderr)
            return EXIT_REFUSED

    return handle


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=False, default=str))


def _wid(employee: str) -> str:
    return employee_workflow_id(employee)


# ----------------------------------------------------------------------------------------
# Verbs
# ----------------------------------------------------------------------------------------
async def _list(client: Any, args: argparse.Namespace) -> int:
    query = build_list_query(
        states=args.state,
        departments=args.department,
        pending=pending_kind(args.pending) if args.pending else None,
        due_before=parse_when(args.due_before) if args.due_before else None,
        include_closed=args.all,
    )
    if args.show_query:
        print(f"query: {query}", file=sys.stderr)
    rows, truncated = await list_employees(client, query, limit=args.limit)
    if args.json:
        _print_json([r.as_json() for r in rows])
    else:
        print(_list_table(rows, show_status=args.all))
        print(f"{len(rows)} employee{'s' if len(rows) != 1 else ''}")
    if truncated:
        print(f"(only the first {args.limit}; raise --limit for more)", file=sys.stderr)
    return EXIT_OK


def _list_table(rows: list[EmployeeRow], show_status: bool) -> str:
    headers = ["EMPLOYEE", "WORKFLOW ID", "STATE", "DEPARTMENT", "NEXT ACTION", "DUE"]
    if show_status:
        headers.append("EXECUTION")
    body = []
    for r in rows:
        line: list[Any] = [
            r.employee_id,
            r.workflow_id,
            r.state,
            r.department,
            r.next_action,
            r.next_action_at,
        ]
        if show_status:
            line.append(r.status)
        body.append(line)
    return render_table(headers, body)


async def _status(client: Any, args: argparse.Namespace) -> int:
    wid = _wid(args.employee)
    view, execution = await employee_status(client, wid)
    if args.json:
        _print_json({"workflow_id": wid, "execution": execution, **view.model_dump(mode="json")})
        return EXIT_OK
    nxt = view.next_action
    review = f"{view.review.code.value}: {view.review.message}" if view.review else None
    failed = (
        f"{view.failed_step.step}: {view.failed_step.error} (attempts {view.failed_step.attempts})"
        if view.failed_step
        else None
    )
    pairs: list[tuple[str, Any]] = [
        ("workflow", f"{wid} ({execution})"),
        ("employee", view.employee_id),
        ("state", view.state.value),
        ("department", view.department),
        ("okta user", view.okta_user_id),
        ("okta status", view.okta_status),
        ("paused", f"yes: {view.pause_reason}" if view.pause_reason else view.paused),
        ("needs review", review),
        ("failed step", failed),
        (
            "blocked",
            "; ".join(
                f"{b.step} since {cell(b.at)}: {b.error} (next try {cell(b.retry_at)})"
                for b in view.blocked.values()
            )
            or None,
        ),
        (
            "held by guard",
            f"{view.held_by_guard.action} since {cell(view.held_by_guard.since)}: "
            f"{view.held_by_guard.reason} (lifecycle ops guard)"
            if view.held_by_guard
            else None,
        ),
        ("next action", f"{nxt.key} at {cell(nxt.at)}" if nxt else None),
        ("working now", view.busy),
    ]
    if view.mode_note:
        pairs.append(("mode", view.mode_note))
    print(render_fields(pairs))
    if view.pending:
        print("\nPending actions")
        pending = [[p.key, p.kind.value, p.at] for p in view.pending]
        print(render_table(["KEY", "KIND", "AT"], pending))
    if view.cancelled:
        print("\nCancelled actions")
        print(render_table(["KEY", "REASON"], sorted(view.cancelled.items())))
    if view.last_actions:
        print(f"\nRecent actions (full history: lifecycle audit {view.employee_id})")
        print(
            render_table(
                ["AT", "ACTION", "RESULT", "DETAIL"],
                [[a.at, a.action, a.result, a.detail] for a in view.last_actions],
            )
        )
    return EXIT_OK


async def _send(client: Any, args: argparse.Namespace, name: str, arg: Any) -> int:
    wid = _wid(args.employee)
    result = await employee_update(client, wid, name, arg)
    if args.json:
        _print_json({"workflow_id": wid, "update": name, **result.model_dump(mode="json")})
    else:
        state = f" (state {result.state.value})" if result.state else ""
        print(f"{wid}: {result.message}{state}")
    return EXIT_OK


async def _fast_forward(client: Any, args: argparse.Namespace) -> int:
    return await _send(client, args, "fast_forward", FastForwardInput(reason=args.reason))


async def _cancel(client: Any, args: argparse.Namespace) -> int:
    return await _send(client, args, "cancel", CancelInput(reason=args.reason, key=args.key))


async def _retry(client: Any, args: argparse.Namespace) -> int:
    return await _send(client, args, "retry", None)


async def _pause(client: Any, args: argparse.Namespace) -> int:
    return await _send(client, args, "pause", PauseInput(reason=args.reason))


async def _resume(client: Any, args: argparse.Namespace) -> int:
    return await _send(client, args, "resume", None)


async def _resolve(client: Any, args: argparse.Namespace) -> int:
    return await _send(
        client, args, "resolve", ResolveInput(note=args.note, okta_user_id=args.link or None)
    )


async def _guard(client: Any, args: argparse.Namespace) -> int:
    status = await guard_status(client, args.task_queue)
    if args.json:
        _print_json(status.model_dump(mode="json") if status else None)
    else:
        print(render_guard_status(status))
    return EXIT_OK


async def _guard_result(args: argparse.Namespace, verb: str, result: Any, by: str) -> int:
    if args.json:
        _print_json({"verb": verb, "by": by, **result.model_dump(mode="json")})
    else:
        who = ", ".join(result.employees)
        print(f"{result.message} (by {by})" + (f": {who}" if who else ""))
    return EXIT_OK


async def _reject(client: Any, args: argparse.Namespace) -> int:
    by = args.by or _user()
    arg = RejectHeldInput(employees=args.employee, by=by, reason=args.reason)
    return await _guard_result(args, "reject", await reject_held(client, args.task_queue, arg), by)


async def _allow(client: Any, args: argparse.Namespace) -> int:
    by = args.by or _user()
    try:
        until = parse_when(args.until)
    except QueryError as exc:
        raise OpsError(str(exc).replace("--due-before", "--until")) from None
    arg = AllowInput(
        count=args.count, until=until, department=args.department, reason=args.reason, by=by
    )
    return await _guard_result(args, "allow", await allow(client, args.task_queue, arg), by)


async def _approve(client: Any, args: argparse.Namespace) -> int:
    approver = args.approver or _user()
    if not args.run:
        arg = ApproveHeldInput(employees=args.employee, approver=approver, note=args.note)
        result = await approve_held(client, args.task_queue, arg)
        return await _guard_result(args, "approve", result, approver)
    wid = args.run.strip()
    result = await approve(client, wid, ApproveInput(approver=approver, note=args.note))
    if args.json:
        _print_json({"workflow_id": wid, "approver": approver, **result.model_dump(mode="json")})
    else:
        print(f"{wid}: {result.message} (by {approver})")
    return EXIT_OK


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "ops"
