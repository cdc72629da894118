"""The `lifecycle` command: one entry point for every process and operator verb.

Each sub-command lives in its own module and registers itself here; the heavy imports
(Temporal, httpx, the simulators) happen inside the handlers, so `lifecycle --help` stays
fast.
Configuration problems end the command with exit code 2 and one line per problem
(no traceback), because the person reading them is an operator fixing a `.env`, not a
developer.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

# (module, attribute) pairs; each module has `register(subparsers)` adding its commands with
# `set_defaults(handler=...)`, where handler(args) -> int.
COMMANDS: list[str] = [
    "starters.dev",
    "starters.worker_cmd",
    "starters.sim",
    "starters.settings_cmd",
    "starters.doctor",
    "starters.setup_cmd",
    "starters.schedules",
    "starters.webhook.cmd",
    "starters.okta_hooks.cmd",
    "starters.reconcile",
    "starters.ops",
    "starters.report",
    "starters.audit_cmd",
    "starters.codec_cmd",
]

EXIT_CONFIG = 2


def _version() -> str:
    """The installed distribution's version (what `pip show` and bug reports name)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bamboohr-okta-lifecycle")
    except PackageNotFoundError:
        return "unknown (not installed: run `make venv`)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lifecycle",
        description="Employee lifecycle automation: BambooHR → Okta on Temporal.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS:
        module = importlib.import_module(module_name)
        register: Callable[[argparse._SubParsersAction], None] = module.register
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from lifecycle.settings import SettingsError
    from starters.runtime import CommandFailed

    parser = build_parser()
    args = parser.parse_args(argv)
    # Commands set `handler` (ours) or `func` (the simulators' own CLIs).
    handler = getattr(args, "handler", None) or getattr(args, "func", None)
    if handler is None:
        parser.print_help()
        return EXIT_CONFIG
    try:
        return int(handler(args) or 0)
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"configuration error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except CommandFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Other layers' configuration errors (e.g. the policy file) carry `problems` too.
        code = getattr(exc, "exit_code", None)
        problems = getattr(exc, "problems", None)
        if code == EXIT_CONFIG and problems:
            for problem in problems:
                print(f"configuration error: {problem}", file=sys.stderr)
            return EXIT_CONFIG
        raise


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
