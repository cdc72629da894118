"""How a benchmark's service is deployed: the simulators' latency profile, how many worker
processes share the task queue, and where the audit store lives.

Every benchmark takes `--latency zero|realistic`, `--workers N` and `--audit postgres|sqlite`.
The defaults are the documented production shape (two workers, the audit store on
PostgreSQL); `make bench` runs each benchmark once per latency profile and the report shows
the two side by side.

The realistic profile (see bench/README.md for where the numbers come from):
- Okta: median 120 ms, log-normal tail (spread 0.6: p90 ≈ 260 ms, p99 ≈ 490 ms);
- BambooHR: median 300 ms, log-normal tail (spread 0.5: p90 ≈ 570 ms, p99 ≈ 960 ms).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from simulators.common.faults import FaultConfig

POSTGRES_URL = os.environ.get(
    "LIFECYCLE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class LatencyProfile:
    name: str
    okta: FaultConfig
    bamboohr: FaultConfig

    def describe(self) -> dict[str, float | str]:
        return {
            "name": self.name,
            "okta_median_ms": self.okta.latency_ms,
            "okta_tail": self.okta.latency_tail,
            "bamboohr_median_ms": self.bamboohr.latency_ms,
            "bamboohr_tail": self.bamboohr.latency_tail,
        }


PROFILES = {
    "zero": LatencyProfile("zero", FaultConfig(), FaultConfig()),
    "realistic": LatencyProfile(
        "realistic",
        FaultConfig(latency_ms=120, latency_tail=0.6, seed=1),
        FaultConfig(latency_ms=300, latency_tail=0.5, seed=2),
    ),
}


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--latency",
        choices=sorted(PROFILES),
        default="zero",
        help="simulator latency profile: zero, or realistic (Okta p50 120 ms, BambooHR "
        "p50 300 ms, long tails); the result file of a realistic run is <name>-realistic.json",
    )
    p.add_argument("--workers", type=int, default=2, help="worker processes sharing the task queue")
    p.add_argument(
        "--audit",
        choices=["postgres", "sqlite"],
        default="postgres",
        help="audit store: PostgreSQL (LIFECYCLE_BENCH_POSTGRES_URL, default the local "
        "server's database 'test'; each run gets its own schema, dropped at the end) or a "
        "SQLite file in the temp dir",
    )


@dataclass(frozen=True)
class Deployment:
    latency: LatencyProfile
    workers: int
    audit: str

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Deployment:
        if args.workers < 1:
            raise SystemExit("--workers must be at least 1")
        return cls(PROFILES[args.latency], args.workers, args.audit)

    def describe(self) -> dict[str, object]:
        return {"latency": self.latency.describe(), "workers": self.workers, "audit": self.audit}


def result_name(name: str, args: argparse.Namespace) -> str:
    """Results of a realistic-latency run sit beside the zero-latency ones."""
    return name if getattr(args, "latency", "zero") == "zero" else f"{name}-{args.latency}"


@contextlib.contextmanager
def postgres_schema(base_url: str = POSTGRES_URL) -> Iterator[str]:
    """A fresh schema on the PostgreSQL server for one run; yields the audit URL using it."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"--audit postgres: cannot reach {base_url} ({exc}); start PostgreSQL, set "
            "LIFECYCLE_BENCH_POSTGRES_URL, or pass --audit sqlite"
        ) from None
    separator = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
