"""`lifecycle setup ...`: one-time connections to a real BambooHR and Okta.

    lifecycle setup okta-schema            # which custom attributes the policy needs
    lifecycle setup okta-schema --apply    # add the missing ones (bambooHrId, jobLevel...)
    lifecycle setup webhook --url https://lifecycle.example.com/webhooks/bamboohr
    lifecycle setup okta-hooks --url https://lifecycle.example.com/hooks/okta

The webhook command registers the receiver with BambooHR and stores the signing key that
BambooHR shows only once straight into the env file (never on the terminal). The okta-hooks
command registers (or updates) the Okta event hook for changes made in Okta by others, with
OKTA_EVENT_HOOK_SECRET as its Authorization value (a new random one is saved to the env file
when none is set), and has Okta verify it against the running receiver.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from pydantic import SecretStr

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
    okta_hook = verbs.add_parser(
        "okta-hooks", help="register the Okta event hook receiver with Okta (and verify it)"
    )
    okta_hook.add_argument("--url", required=True, help="public https URL of /hooks/okta")
    okta_hook.add_argument("--name", default="bamboohr-okta-lifecycle")
    okta_hook.add_argument(
        "--env-file", type=Path, default=Path(".env"), help="where OKTA_EVENT_HOOK_SECRET is saved"
    )
    okta_hook.set_defaults(handler=run_okta_hooks)


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


def run_okta_hooks(args: argparse.Namespace) -> int:
    import secrets

    from dotenv import set_key

    from lifecycle.settings import SettingsError

    settings = load_settings().require("okta")
    host = args.url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    if not args.url.startswith("https://") and host not in {"localhost", "127.0.0.1"}:
        print("error: Okta delivers event hooks only to https URLs", flush=True)
        return 2
    try:
        secret = settings.okta_hook_secret()
    except SettingsError:
        # A real org and no secret yet: make one and keep it where the receiver reads it.
        secret = SecretStr(secrets.token_urlsafe(32))
        set_key(args.env_file, "OKTA_EVENT_HOOK_SECRET", secret.get_secret_value())
        print(f"OKTA_EVENT_HOOK_SECRET saved to {args.env_file} (restart the receiver)")
    from integrations.okta import OktaError

    try:
        hook, verb = asyncio.run(register_okta_hook(settings, args.name, args.url, secret))
    except OktaError as exc:
        print(f"error: Okta refused the event hook: {exc}", flush=True)
        return 1
    print(f"{verb} Okta event hook {hook.get('id')} for {args.url}")
    if hook.get("verificationStatus") != "VERIFIED":
        print("the hook is not verified: is the receiver (`lifecycle okta-hooks`) reachable?")
        return 1
    print("verified: Okta now sends user lifecycle, group membership and profile events")
    return 0


async def register_okta_hook(
    settings: Settings, name: str, url: str, secret: SecretStr
) -> tuple[dict, str]:
    """Create or update the event hook named `name`, make it ACTIVE and have Okta verify it
    (Okta calls the receiver's GET with a challenge). Idempotent: run it again after moving
    the receiver or rotating the secret."""
    from integrations.okta import build_okta_client
    from lifecycle.tamper import WATCHED_EVENT_TYPES

    body = {
        "name": name,
        "events": {"type": "EVENT_TYPE", "items": list(WATCHED_EVENT_TYPES)},
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": url,
                "headers": [],
                "authScheme": {
                    "type": "HEADER",
                    "key": "Authorization",
                    "value": secret.get_secret_value(),
                },
            },
        },
    }
    client = build_okta_client(settings)
    try:
        existing = [h for h in await client.list_event_hooks() if h.get("name") == name]
        if existing:
            hook = await client.replace_event_hook(existing[0]["id"], body)
            verb = "updated"
        else:
            hook = await client.create_event_hook(body)
            verb = "created"
        if hook.get("status") != "ACTIVE":
            hook = await client.event_hook_lifecycle(hook["id"], "activate")
        hook = await client.event_hook_lifecycle(hook["id"], "verify")
        return hook, verb
    finally:
        await client.aclose()
