"""`lifecycle sim okta`: serve the Okta simulator in the foreground.

    lifecycle sim okta --port 8081 --state-file .data/okta.json --search-lag 2 \
        --latency-ms 50 --error-rate 0.02 --burst-every 100 --burst-length 5 \
        --rate-limit users=100 --rate-limit user_write=60

The accepted API tokens, the port and the seed come from the caller's `SimConfig`
(`lifecycle sim` builds it from the product's settings: `OKTA_API_TOKEN`, else the
simulator default, for the service; `LIFECYCLE_SIM_OKTA_ADMIN_TOKEN` for a second admin);
tokens are never printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulators.common.config import ConfigSource, SimConfig, SimConfigError
from simulators.okta.ratelimit import DEFAULT_LIMITS


def register(sub: argparse._SubParsersAction, config: ConfigSource = SimConfig) -> None:
    parser = sub.add_parser(
        "okta",
        help="the Okta Management API simulator",
        description="Serve a simulated Okta org (users, groups, lifecycle, schema) over HTTP; "
        "admin API under /_sim/.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=None, help="default: LIFECYCLE_SIM_OKTA_PORT (8081)"
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help="JSON file the org is loaded from and saved to",
    )
    parser.add_argument(
        "--search-lag",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="how long new writes stay invisible to search/q",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--latency-jitter-ms", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of 5xx answers")
    parser.add_argument(
        "--drop-rate",
        type=float,
        default=0.0,
        help="share of requests whose connection is cut before applying",
    )
    parser.add_argument(
        "--drop-after-apply-rate",
        type=float,
        default=0.0,
        help="share of requests applied, then their connection cut",
    )
    parser.add_argument("--burst-every", type=int, default=0, metavar="N")
    parser.add_argument("--burst-length", type=int, default=0, metavar="M")
    parser.add_argument("--burst-status", type=int, default=429, choices=[429, 503])
    parser.add_argument("--fault-seed", type=int, default=None)
    parser.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        metavar="BUCKET=N",
        help=f"per-minute limit of a bucket ({', '.join(DEFAULT_LIMITS)})",
    )
    parser.add_argument("--max-concurrency", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None, help="company seed (LIFECYCLE_SIM_SEED)")
    parser.add_argument(
        "--employees", type=int, default=None, help="company size (LIFECYCLE_SIM_EMPLOYEES)"
    )
    parser.add_argument("--no-seed", action="store_true", help="start with an empty org")
    parser.add_argument(
        "--limited-token",
        action="append",
        default=[],
        metavar="TOKEN=OP[,OP...]",
        help="also accept TOKEN, an admin's token without the rights for these operations "
        "(answered 403 E0000006), e.g. readonly-token=listGroups,getUserSchema",
    )
    parser.set_defaults(handler=run, sim_config=config)


SeedHook = Callable[[Any, int, int], None]


def seed_generated_company(store: Any, seed: int, employees: int) -> None:
    from simulators.seed.load import seed_okta

    seed_okta(store, seed, employees)


seed_hook: SeedHook | None = seed_generated_company
"""Fills an empty org with the generated company's Okta population; `--no-seed` skips it."""


def parse_rate_limits(values: list[str]) -> dict[str, int]:
    limits: dict[str, int] = {}
    for value in values:
        bucket, sep, number = value.partition("=")
        if not sep or bucket not in DEFAULT_LIMITS or not number.isdigit() or int(number) < 1:
            raise ValueError(
                f"--rate-limit {value!r}: expected BUCKET=N with BUCKET one of "
                f"{', '.join(DEFAULT_LIMITS)} and N a positive integer"
            )
        limits[bucket] = int(number)
    return limits


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from integrations.serving import PortInUseError, serve_foreground
    from simulators.common.faults import FaultConfig
    from simulators.okta.app import OktaSimulator

    try:
        config: SimConfig = args.sim_config()
    except SimConfigError as exc:
        print(f"okta simulator: {exc}", file=sys.stderr)
        return 2
    token = config.okta_token
    if token is None:  # a real org is configured with OAuth instead of a token
        print(
            "okta simulator: no OKTA_API_TOKEN configured for the simulator to accept",
            file=sys.stderr,
        )
        return 2
    try:
        rate_limits = parse_rate_limits(args.rate_limit)
        faults = FaultConfig(
            latency_ms=args.latency_ms,
            latency_jitter_ms=args.latency_jitter_ms,
            error_rate=args.error_rate,
            drop_rate=args.drop_rate,
            drop_after_apply_rate=args.drop_after_apply_rate,
            burst_every=args.burst_every,
            burst_length=args.burst_length,
            burst_status=args.burst_status,
            seed=args.fault_seed,
        )
    except (ValueError, ValidationError) as exc:
        print(f"okta simulator: {exc}", file=sys.stderr)
        return 2
    port = args.port or config.okta_port
    sim = OktaSimulator(
        api_token=token,
        admin_token=config.okta_admin_token,
        faults=faults,
        rate_limits=rate_limits or None,
        search_lag_seconds=args.search_lag,
        state_file=args.state_file,
        org_url=f"http://{args.host}:{port}",
        max_concurrency=args.max_concurrency,
    )
    for spec in args.limited_token:
        token, _, operations = spec.partition("=")
        if not token or not operations:
            raise SystemExit(f"--limited-token {spec!r}: expected TOKEN=OP[,OP...]")
        sim.credentials.add_limited_token(token, {op.strip() for op in operations.split(",")})
    if seed_hook is not None and not args.no_seed and sim.store.user_count() == 0:
        seed = args.seed if args.seed is not None else config.seed
        count = args.employees if args.employees is not None else config.employees
        seed_hook(sim.store, seed, count)
    state = f", state in {args.state_file}" if args.state_file else ""
    print(
        f"Okta simulator on http://{args.host}:{port} (admin: /_sim/, "
        f"{sim.store.user_count()} users{state})",
        flush=True,
    )
    try:
        serve_foreground(sim.app, args.host, port, "okta simulator")
    except PortInUseError as exc:
        print(f"okta simulator: {exc}", file=sys.stderr)
        return 2
    return 0
