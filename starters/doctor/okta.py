"""Okta: the credential works, reads what the service reads, and the org has what the policy
names (the identity and mapped attributes, each managed group once as an OKTA_GROUP); and
changes made in Okta by others can reach the service (a verified event hook, the System Log)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from integrations.okta import build_okta_client
from integrations.okta.client import OktaClient
from integrations.okta.errors import OktaAuthError, OktaError
from integrations.okta.models import OKTA_GROUP, OktaGroup, schema_gaps
from lifecycle.policy import PolicyConfig
from lifecycle.settings import Settings
from lifecycle.tamper import WATCHED_EVENT_TYPES
from starters.doctor.findings import Finding, ok, problem, warning

AREA = "okta"
_FIX_SCOPE = (
    "give the token's admin (or the service app) the role or scope for it: okta.users.read/"
    "manage, okta.groups.read/manage, okta.schemas.read"
)


def _refused(check: str, err: OktaError) -> Finding:
    if isinstance(err, OktaAuthError):
        fix = (
            "check OKTA_API_TOKEN (or the service app's key and client id)"
            if err.status == 401
            else _FIX_SCOPE
        )
        return problem(AREA, check, f"refused: {err}", fix)
    return problem(AREA, check, f"failed: {err}", "check OKTA_ORG_URL and that Okta is reachable")


async def check_okta(
    settings: Settings, policy: PolicyConfig | None, findings: list[Finding]
) -> None:
    client = build_okta_client(settings)
    try:
        await _check(client, policy, findings)
    finally:
        await client.aclose()


async def _check(client: OktaClient, policy: PolicyConfig | None, findings: list[Finding]) -> None:
    # Reads first, each a harmless call of one item: a token that cannot read cannot act.
    for check, listing in (("read users", client.list_users), ("read groups", client.list_groups)):
        try:
            async for _ in listing(limit=1):
                break
            findings.append(ok(AREA, check, "allowed"))
        except OktaError as err:
            findings.append(_refused(check, err))
            if check == "read users" and (not isinstance(err, OktaAuthError) or err.status == 401):
                # Unreachable, failing, or the credential itself refused: every other call
                # would wait or fail the same way.
                return
    try:
        schema = await client.get_user_schema()
    except OktaError as err:
        findings.append(_refused("read the user schema", err))
        schema = None
    await _check_okta_changes(client, findings)
    if policy is None:
        return
    if schema is not None:
        missing, present = schema_gaps(schema, policy.okta_attributes)
        if missing:
            findings.append(
                problem(
                    AREA,
                    "profile attributes",
                    f"the user schema lacks {', '.join(missing)}",
                    "`lifecycle setup okta-schema --apply` adds them",
                )
            )
        else:
            findings.append(
                ok(AREA, "profile attributes", f"all {len(present)} custom attribute(s) exist")
            )
    await _check_groups(client, policy, findings)


async def _check_groups(client: OktaClient, policy: PolicyConfig, findings: list[Finding]) -> None:
    # One paged listing of the org's groups, matched by name here: not one search per name.
    named: dict[str, list[OktaGroup]] = {}
    try:
        async for group in client.list_groups():
            named.setdefault(group.name.lower(), []).append(group)
    except OktaError as err:
        findings.append(_refused("list groups", err))
        return
    bad = 0
    for name in policy.managed_groups:
        found = named.get(name.lower(), [])
        ours = [g for g in found if g.type == OKTA_GROUP]
        others = sorted({g.type for g in found if g.type != OKTA_GROUP})
        if not ours:
            bad += 1
            also = f" (only as {', '.join(others)}, whose members an API cannot change)"
            findings.append(
                problem(
                    AREA,
                    f"group {name}",
                    "missing" + (also if others else ""),
                    "create it in Okta as a group (Directory > Groups), or fix the name in the "
                    "policy; its members are never assigned until then",
                )
            )
        elif len(ours) > 1:
            bad += 1
            findings.append(
                problem(
                    AREA,
                    f"group {name}",
                    f"{len(ours)} groups have this name ({', '.join(g.id for g in ours)})",
                    "rename or delete all but one: automation cannot tell which one is meant",
                )
            )
    if not bad:
        findings.append(
            ok(AREA, "managed groups", f"all {len(policy.managed_groups)} exist once each")
        )
    # A protected group that does not exist protects nobody: its members would be suspended
    # and deactivated like anyone else. Any type counts (an imported AD group too).
    missing = [name for name in policy.protected.groups if name.lower() not in named]
    if missing:
        findings.append(
            problem(
                AREA,
                "protected groups",
                f"no group named {', '.join(missing)}: nobody is protected through it",
                "fix the name in the policy's `protected.groups` (as Okta spells it)",
            )
        )
    elif policy.protected.groups:
        findings.append(ok(AREA, "protected groups", f"all {len(policy.protected.groups)} exist"))


async def _check_okta_changes(client: OktaClient, findings: list[Finding]) -> None:
    """Hand-made changes reach the service by an event hook (seconds) or the System Log read
    (a minute); either missing is a warning, both missing means they wait for drift repair."""
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    log_ok = True
    try:
        await client.read_log(since.replace("+00:00", "Z"), limit=1, max_pages=1)
        findings.append(ok(AREA, "System Log", "readable"))
    except OktaError as err:
        log_ok = False
        findings.append(
            warning(
                AREA,
                "System Log",
                f"cannot be read ({err}): without a verified event hook, changes made in "
                "Okta by others wait for the nightly drift repair",
                "grant okta.logs.read (service app) or a read-only admin role (token)",
            )
        )
    try:
        hooks = await client.list_event_hooks()
    except OktaError as err:
        findings.append(
            warning(
                AREA, "event hook", f"cannot list event hooks ({err})", "grant okta.eventHooks.read"
            )
        )
        return
    watched = set(WATCHED_EVENT_TYPES)
    ready = [
        h
        for h in hooks
        if h.get("status") == "ACTIVE"
        and h.get("verificationStatus") == "VERIFIED"
        and watched <= set((h.get("events") or {}).get("items") or [])
    ]
    if ready:
        uri = ((ready[0].get("channel") or {}).get("config") or {}).get("uri")
        findings.append(ok(AREA, "event hook", f"active and verified: {uri}"))
        return
    fallback = "the System Log read (within a minute)" if log_ok else "nothing until drift repair"
    findings.append(
        warning(
            AREA,
            "event hook",
            "none active and verified for the watched events: changes made in Okta by others "
            f"are seen by {fallback}",
            "`lifecycle setup okta-hooks --url https://<host>/hooks/okta`",
        )
    )
