"""Command line: serve the simulator, and act as an HR admin on a running one.

    lifecycle sim bamboohr --port 8082 [--state-file .data/bamboohr.json] [--error-rate 0.1]
    lifecycle sim hr hire --first Ada --last Lovelace --email ada@example.test --department R&D
    lifecycle sim hr terminate 12 --date 2025-06-30 --type Involuntary
    lifecycle sim hr show 12

`register(subparsers, hr_subparsers=...)` adds the `bamboohr` (serve) and `hr` commands to
the product's CLI; each sets `func(args) -> exit code`. Keys, ports and the seed come from
the caller's `SimConfig` (`lifecycle sim` builds it from the product's settings: the
simulator default key unless BAMBOOHR_API_KEY is set); the key is never printed.
`python -m simulators.bamboohr.cli ...` works stand-alone, on the simulator defaults.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from integrations.serving import PortInUseError, serve_foreground
from simulators.bamboohr.admin_client import AdminError, BambooHRAdminClient
from simulators.bamboohr.app import BambooHRSimulator
from simulators.bamboohr.delivery import DEFAULT_RETRY_SCHEDULE
from simulators.bamboohr.store import BambooHRStore
from simulators.common.config import ConfigSource, SimConfig, SimConfigError
from simulators.common.faults import FaultConfig

SeedHook = Callable[[BambooHRStore, int, int], None]


def seed_generated_company(store: BambooHRStore, seed: int, employees: int) -> None:
    from simulators.seed.load import seed_bamboohr

    seed_bamboohr(store, seed, employees)


seed_hook: SeedHook | None = seed_generated_company
"""Fills an empty company (`seed_hook(store, seed, employees)`); `--no-seed` skips it."""


def register(
    subparsers: Any, *, hr_subparsers: Any = None, config: ConfigSource = SimConfig
) -> None:
    """Add `bamboohr` to `subparsers` (e.g. under `lifecycle sim`) and `hr` to
    `hr_subparsers` (default: the same); `config` is read when a command runs."""
    register_sim(subparsers, config)
    register_hr(hr_subparsers if hr_subparsers is not None else subparsers, config)


def _config(args: argparse.Namespace) -> SimConfig | None:
    try:
        return args.sim_config()
    except SimConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


# --- serving -----------------------------------------------------------------------------------
def register_sim(subparsers: Any, config: ConfigSource = SimConfig) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "bamboohr",
        help="serve the BambooHR simulator",
        description="Serve a simulated BambooHR company (API at /api/v1 and "
        "/api/gateway.php/{company}/v1, admin at /_sim).",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default LIFECYCLE_SIM_BAMBOOHR_PORT")
    p.add_argument("--company", default="acme", help="company subdomain (default acme)")
    p.add_argument("--timezone", default="UTC", help="company time zone (IANA, default UTC)")
    p.add_argument("--state-file", type=Path, default=None, help="JSON file to resume from")
    p.add_argument("--seed", type=int, default=None, help="seed for generated employees")
    p.add_argument("--employees", type=int, default=None, help="how many to generate")
    p.add_argument("--no-seed", action="store_true", help="start with an empty company")
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--latency-jitter-ms", type=float, default=0)
    p.add_argument("--error-rate", type=float, default=0, help="share of 5xx answers (0-1)")
    p.add_argument("--drop-rate", type=float, default=0, help="share of cut connections")
    p.add_argument("--burst-status", type=int, choices=(429, 503), default=503)
    p.add_argument("--burst-every", type=int, default=0)
    p.add_argument("--burst-length", type=int, default=0)
    p.add_argument("--unavailable", action="store_true", help="answer every API call with 503")
    p.add_argument(
        "--webhook-retry-schedule",
        default=",".join(str(int(s)) for s in DEFAULT_RETRY_SCHEDULE),
        help="seconds between webhook redeliveries (comma-separated)",
    )
    p.add_argument(
        "--random-webhook-keys",
        action="store_true",
        help="give each webhook its own private key (default: the configured signing key)",
    )
    p.set_defaults(func=run_sim, sim_config=config)
    return p


def build_simulator(args: argparse.Namespace, config: SimConfig) -> BambooHRSimulator:
    faults = FaultConfig(
        latency_ms=args.latency_ms,
        latency_jitter_ms=args.latency_jitter_ms,
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        burst_status=args.burst_status,
        burst_every=args.burst_every,
        burst_length=args.burst_length,
        unavailable=args.unavailable,
    )
    schedule = [float(s) for s in str(args.webhook_retry_schedule).split(",") if s.strip()]
    sim = BambooHRSimulator(
        api_key=config.bamboohr_key,
        company=args.company,
        faults=faults,
        state_file=args.state_file,
        webhook_retry_schedule=schedule,
        webhook_private_key=None if args.random_webhook_keys else config.webhook_key,
        timezone=args.timezone,
    )
    if seed_hook is not None and not args.no_seed and len(sim.store) == 0:
        seed = args.seed if args.seed is not None else config.seed
        count = args.employees if args.employees is not None else config.employees
        seed_hook(sim.store, seed, count)
    return sim


def run_sim(args: argparse.Namespace) -> int:
    config = _config(args)
    if config is None:
        return 2
    port = args.port or config.bamboohr_port
    sim = build_simulator(args, config)
    print(
        f"BambooHR simulator: company {args.company!r}, {len(sim.store)} employees, "
        f"http://{args.host}:{port}/api/v1 (legacy /api/gateway.php/{args.company}/v1), "
        f"admin /_sim",
        flush=True,
    )
    try:
        serve_foreground(sim.app, args.host, port, "BambooHR simulator")
    except PortInUseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        sim.close()
    return 0


# --- HR-admin verbs ----------------------------------------------------------------------------
def _job_arguments(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: an option not given is absent, so the value in effect is carried over.
    for flag, dest in (
        ("--department", "department"),
        ("--division", "division"),
        ("--location", "location"),
        ("--job-title", "job_title"),
        ("--supervisor-id", "supervisor_id"),
    ):
        p.add_argument(flag, dest=dest, default=argparse.SUPPRESS)


def register_hr(subparsers: Any, config: ConfigSource = SimConfig) -> argparse.ArgumentParser:
    hr = subparsers.add_parser("hr", help="act as an HR admin on a running BambooHR simulator")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url", default=None, help="simulator URL (default BAMBOOHR_BASE_URL or localhost)"
    )
    verbs = hr.add_subparsers(dest="hr_verb", required=True, metavar="VERB")

    p = verbs.add_parser("hire", parents=[common], help="hire someone (date may be future)")
    p.add_argument("--first", required=True)
    p.add_argument("--last", required=True)
    p.add_argument("--email", default=None, help="work email")
    p.add_argument("--hire-date", default=None)
    p.add_argument("--status", dest="employment_status", default="Full-Time")
    p.add_argument("--employee-number", default=None)
    p.add_argument("--preferred-name", default=None)
    p.add_argument("--home-email", default=None)
    p.add_argument("--mobile-phone", default=None)
    p.add_argument("--work-phone", default=None)
    p.add_argument(
        "--field", action="append", default=[], metavar="NAME=VALUE", help="other/custom field"
    )
    _job_arguments(p)

    p = verbs.add_parser("change-job", parents=[common], help="add a jobInfo row")
    p.add_argument("id")
    p.add_argument("--date", default=None)
    _job_arguments(p)

    p = verbs.add_parser("start-leave", parents=[common], help="put on leave")
    p.add_argument("id")
    p.add_argument("--date", default=None)
    p.add_argument("--status", default=None, help="default Leave of Absence")
    p.add_argument("--return-date", default=None)
    p.add_argument("--return-status", default=None)

    p = verbs.add_parser("end-leave", parents=[common], help="back from leave")
    p.add_argument("id")
    p.add_argument("--date", default=None)
    p.add_argument("--status", default=None)

    p = verbs.add_parser("terminate", parents=[common], help="terminate (date may be future)")
    p.add_argument("id")
    p.add_argument("--date", default=None)
    p.add_argument("--type", dest="termination_type", default=None, help="default Voluntary")
    p.add_argument("--reason", default=None)
    p.add_argument("--rehire-eligible", default=None)
    p.add_argument("--comment", default=None)

    p = verbs.add_parser("rehire", parents=[common], help="rehire a terminated employee")
    p.add_argument("id")
    p.add_argument("--date", default=None)
    p.add_argument("--status", dest="employment_status", default=None)
    _job_arguments(p)

    p = verbs.add_parser("delete", parents=[common], help="delete an employee record")
    p.add_argument("id")

    p = verbs.add_parser("show", parents=[common], help="show everything about one employee")
    p.add_argument("id")

    hr.set_defaults(func=run_hr, sim_config=config)
    return hr


def _job_values(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("department", "division", "location", "job_title", "supervisor_id")
    return {k: getattr(args, k) for k in keys if hasattr(args, k)}


def _fields(pairs: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--field wants NAME=VALUE, got {pair!r}")
        out[name.strip()] = value or None
    return out


def hr_action(client: BambooHRAdminClient, args: argparse.Namespace) -> Any:
    verb = args.hr_verb
    if verb == "hire":
        details = {
            "employment_status": args.employment_status,
            "employee_number": args.employee_number,
            "preferred_name": args.preferred_name,
            "home_email": args.home_email,
            "mobile_phone": args.mobile_phone,
            "work_phone": args.work_phone,
            **_job_values(args),
        }
        return client.hire(
            args.first,
            args.last,
            args.email,
            hire_date=args.hire_date,
            fields=_fields(args.field) or None,
            **details,
        )
    if verb == "change-job":
        return client.change_job(args.id, args.date, **_job_values(args))
    if verb == "start-leave":
        return client.start_leave(
            args.id,
            args.date,
            status=args.status,
            return_date=args.return_date,
            return_status=args.return_status,
        )
    if verb == "end-leave":
        return client.end_leave(args.id, args.date, status=args.status)
    if verb == "terminate":
        return client.terminate(
            args.id,
            args.date,
            termination_type=args.termination_type,
            reason=args.reason,
            rehire_eligible=args.rehire_eligible,
            comment=args.comment,
        )
    if verb == "rehire":
        return client.rehire(
            args.id, args.date, employment_status=args.employment_status, **_job_values(args)
        )
    if verb == "delete":
        return client.delete(args.id)
    if verb == "show":
        return client.show(args.id)
    raise ValueError(f"unknown hr verb {verb!r}")


def default_url(config: SimConfig) -> str:
    return config.bamboohr_url or f"http://127.0.0.1:{config.bamboohr_port}"


def run_hr(args: argparse.Namespace) -> int:
    config = _config(args)
    if config is None:
        return 2
    url = (args.url or default_url(config)).rstrip("/")
    key = config.bamboohr_key
    try:
        with BambooHRAdminClient(url, key) as client:
            result = hr_action(client, args)
    except AdminError as exc:
        detail = f" {json.dumps(exc.details)}" if exc.details else ""
        print(f"error: {exc.status} {exc.message}{detail}", file=sys.stderr)
        return 1
    except httpx.TransportError as exc:
        print(
            f"error: cannot reach the BambooHR simulator at {url} ({type(exc).__name__}); "
            "is `lifecycle sim bamboohr` running?",
            file=sys.stderr,
        )
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators.bamboohr.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    register(commands)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
