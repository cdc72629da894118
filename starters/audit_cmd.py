"""`lifecycle audit <employee>`: an employee's full action history from the audit store.

The workflow's `status` keeps only the latest actions and Temporal forgets closed
workflows after the namespace's retention; the audit store keeps every Okta write, planned
write (dry-run), hold and failure for as long as the company needs. This reads it directly,
so it works with Temporal down.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from integrations.audit import AuditRecord, AuditStore, AuditStoreError, open_audit_store
from integrations.audit.urls import SQLITE_PREFIX, mask_url, sqlite_path
from lifecycle.settings import load_settings
from starters.ops.actions import employee_id_of
from starters.ops.table import render_table

EXIT_NOT_FOUND = 1


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "audit",
        help="an employee's full action history from the audit store",
        description="Every Okta write, planned write, hold and failure recorded for one "
        "employee, oldest first.",
    )
    parser.add_argument("employee", help="BambooHR id or workflow id (employee-<id>)")
    parser.add_argument("--json", action="store_true", help="one JSON array of records")
    parser.add_argument("--limit", type=int, default=None, help="only the latest N records")
    parser.add_argument(
        "--since", type=_instant, default=None, help="only records at or after (ISO date/time)"
    )
    parser.set_defaults(handler=run)


def _instant(text: str) -> datetime:
    from starters.ops.query import QueryError, parse_when

    try:
        return parse_when(text)
    except QueryError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("--due-before", "--since")) from None


class MissingAuditStore(AuditStoreError):
    pass


def open_existing_store(url: str) -> AuditStore:
    """Open the audit store for reading; a SQLite file that does not exist is an error here
    (opening would create an empty store, and a typo in the path would look like silence)."""
    if url.startswith(SQLITE_PREFIX):
        path = sqlite_path(url)
        if path != ":memory:" and not Path(path).is_file():
            raise MissingAuditStore(
                f"no audit store at {path} (LIFECYCLE_AUDIT_URL={mask_url(url)}): "
                "nothing was recorded there; check the URL and the working directory"
            )
    return open_audit_store(url)


def read_login_claims(url: str) -> dict[str, str]:
    """Every login claimed under identity.generate_login (employee id -> login), one query:
    what `lifecycle reconcile --plan` and `lifecycle report` compare each employee with."""
    with open_existing_store(url) as store:
        return store.login_claims()


def run(args: argparse.Namespace) -> int:
    settings = load_settings().require("audit")
    employee = employee_id_of(args.employee.strip())
    try:
        with open_existing_store(settings.lifecycle_audit_url) as store:
            where = store.url
            if args.since is not None:
                records = store.query(employee_id=employee, since=args.since, limit=None)
                if args.limit is not None:
                    records = records[-args.limit :] if args.limit > 0 else []
            else:
                records = store.history(employee, limit=args.limit)
    except AuditStoreError as exc:
        print(f"audit store: {exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    if not records:
        print(f"no audit records for employee {employee} in {where}", file=sys.stderr)
        if args.json:
            print("[]")
        return EXIT_NOT_FOUND
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in records], indent=2))
        return 0
    print(render_table(HEADERS, [_row(r) for r in records]))
    print(f"{len(records)} record{'s' if len(records) != 1 else ''} for employee {employee}")
    return 0


HEADERS = ["AT", "ACTION", "RESULT", "MODE", "TARGET", "CHANGE", "DETAIL"]


def _row(record: AuditRecord) -> list[Any]:
    return [
        record.at,
        record.action,
        record.result,
        record.mode,
        record.target,
        _change(record.before, record.after),
        _detail(record),
    ]


def _change(before: Any, after: Any) -> str | None:
    if before is None and after is None:
        return None
    return f"{_short(before)} → {_short(after)}"


def _detail(record: AuditRecord) -> str | None:
    parts = []
    if record.error:
        parts.append(f"error: {record.error}")
    if record.attempt and record.attempt > 1:
        parts.append(f"attempt {record.attempt}")
    if record.detail:
        parts.append(_short(record.detail, 120))
    return "; ".join(parts) or None


def _short(value: Any, width: int = 60) -> str:
    if value is None:
        return "∅"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= width else text[: width - 1] + "…"
