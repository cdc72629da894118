"""`lifecycle setup ...`: one-time connections to a real BambooHR and Okta.

    lifecycle setup okta-schema            # which custom attributes the policy needs
    lifecycle setup okta-schema --apply    # add the missing ones (bambooHrId, jobLevel...)
    lifecycle setup webhook --url https://lifecycle.example.com/webhooks/bamboohr

The webhook command registers the receiver with BambooHR and stores the signing key that
BambooHR shows only once straight into the env file (never on the terminal).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from lifecycle.settings import Mode, Settings, load_settings

# Event-based webhooks carry no values: the employee workflow re-reads the record, so the
# monitored fields (lifecycle.policy.monitored_fields: derived from the policy) only decide
# *when* BambooHR calls.
WEBHOOK_EVENTS = ["employee.created", "employee.updated", "employee.deleted"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("setup", help="connect a real Okta and BambooHR (schema, webhook)")
    verbs = parser.add_subparsers(dest="setup_command", required=True, metavar="WHAT")
    schema = verbs.add_parser("okta-schema", help="custom Okta attributes the policy maps to")
    schema.add_argument("--apply", action="store_true", help="add the missing attributes")
    schema.set_defaults(handler=run_schema)
    hook = verbs.add_parser("webhook", help="register the webhook receiver with BambooHR")
    hook.add_argument("--url", required=True, help="public https URL of /webhooks/bamboohr")
    hook.add_argument("--name", default="bamboohr-okta-lifecycle")
    hook.add_argument(
        "--env-file", type=Path, default=Path(".env"), help="where BAMBOOHR_WEBHOOK_KEY is saved"
    )
    hook.set_defaults(handler=run_webhook)


async def missing_attributes(settings: Settings) -> tuple[list[str], list[str]]:
    """(custom attributes the policy needs that Okta lacks, those already there)."""
    from integrations.okta import build_okta_client
    from integrations.okta.models import schema_gaps
    from lifecycle.policy import load_policy

    policy = load_policy(settings.lifecycle_policy)
    client = build_okta_client(settings)
    try:
        schema = await client.get_user_schema()
    finally:
        await client.aclose()
    return schema_gaps(schema, policy.okta_attributes)


def run_schema(args: argparse.Namespace) -> int:
    settings = load_settings().require("okta")
    missing, present = asyncio.run(missing_attributes(settings))
    for name in present:
        print(f"present  {name}")
    for name in missing:
        print(f"missing  {name}")
    if not missing:
        print("the Okta user schema has every attribute the policy maps to")
        return 0
    if not args.apply:
        print("run again with --apply to add the missing attributes")
        return 1
    asyncio.run(_add(settings, missing))
    print(f"added {len(missing)} custom attribute(s) to the Okta user schema")
    return 0


async def _add(settings: Settings, names: list[str]) -> None:
    from activities.okta import OktaActivities
    from contracts.activities import CustomAttribute, EnsureOktaSchemaInput
    from integrations.audit import open_audit_store
    from integrations.okta import build_okta_client

    client = build_okta_client(settings)
    audit = open_audit_store(settings.lifecycle_audit_url)
    try:
        # An explicit operator command: apply even when the service runs in dry-run.
        activities = OktaActivities(client, audit, Mode.APPLY)
        await activities.ensure_okta_schema(
            EnsureOktaSchemaInput(
                attributes=[CustomAttribute(name=n, title=n[:1].upper() + n[1:]) for n in names]
            )
        )
    finally:
        await client.aclose()
        audit.close()


def run_webhook(args: argparse.Namespace) -> int:
    from dotenv import set_key

    settings = load_settings().require("bamboohr")
    if not args.url.startswith("https://"):
        print("error: BambooHR delivers only to https URLs", flush=True)
        return 2
    registration = asyncio.run(_create_webhook(settings, args.name, args.url))
    if registration.private_key is None:
        print(f"registered webhook {registration.id}, but BambooHR returned no signing key")
        return 1
    set_key(args.env_file, "BAMBOOHR_WEBHOOK_KEY", registration.private_key.get_secret_value())
    print(f"registered webhook {registration.id} for {registration.url}")
    print(f"BAMBOOHR_WEBHOOK_KEY saved to {args.env_file} (restart the webhook receiver)")
    return 0


async def _create_webhook(settings: Settings, name: str, url: str):
    from integrations.bamboohr import build_bamboohr_client
    from lifecycle.policy import load_policy, monitored_fields

    fields = monitored_fields(load_policy(settings.lifecycle_policy))
    client = build_bamboohr_client(settings)
    try:
        return await client.create_webhook(name, url, monitor_fields=fields, events=WEBHOOK_EVENTS)
    finally:
        await client.aclose()
