"""`lifecycle settings`: show the effective configuration (secrets masked) or check it."""

from __future__ import annotations

import argparse

from lifecycle.settings import Need, load_settings

ALL_NEEDS: tuple[Need, ...] = ("temporal", "okta", "bamboohr", "webhook", "audit")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("settings", help="show or check the effective configuration")
    parser.add_argument("action", choices=["show", "check"], nargs="?", default="check")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require(*ALL_NEEDS)
    if args.action == "show":
        for name, value in sorted(settings.model_dump().items()):
            # SecretStr dumps as '**********': the value itself never reaches the terminal.
            print(f"{name.upper()}={'' if value is None else value}")
        print(f"# effective mode: {settings.effective_mode.value}")
        okta = "simulated" if settings.okta_is_simulated else settings.okta_org_url
        bamboohr = "simulated" if settings.bamboohr_is_simulated else settings.bamboohr_url
        print(f"# Okta: {okta}")
        print(f"# BambooHR: {bamboohr}")
    else:
        print(f"configuration OK (mode {settings.effective_mode.value})")
    return 0
