"""BambooHR: the key works, every field the policy reads exists, and a registered webhook
watches every field the policy acts on."""

from __future__ import annotations

from typing import Any

from integrations.bamboohr import build_bamboohr_client
from integrations.bamboohr.client import BambooHRClient
from integrations.bamboohr.errors import BambooHRAuthError, BambooHRError
from lifecycle.policy import PolicyConfig, monitored_fields, required_fields
from lifecycle.settings import Settings
from starters.doctor.findings import Finding, ok, problem, warning

AREA = "bamboohr"


async def check_bamboohr(
    settings: Settings, policy: PolicyConfig | None, findings: list[Finding]
) -> None:
    client = build_bamboohr_client(settings)
    try:
        await _check(client, policy, findings)
    finally:
        await client.aclose()


def _known_names(catalogue: list[dict[str, Any]]) -> set[str]:
    """A field is asked for by its alias or by its numeric id (custom fields often have no
    alias)."""
    names: set[str] = set()
    for entry in catalogue:
        for key in (entry.get("alias"), entry.get("id")):
            if key is not None and str(key).strip():
                names.add(str(key))
    return names


async def _check(
    client: BambooHRClient, policy: PolicyConfig | None, findings: list[Finding]
) -> None:
    try:
        catalogue = await client.list_fields()
    except BambooHRAuthError as err:
        findings.append(
            problem(
                AREA,
                "API key",
                f"refused: {err}",
                "check BAMBOOHR_API_KEY and BAMBOOHR_COMPANY_DOMAIN; the key's user needs "
                "access to every field the policy reads",
            )
        )
        return
    except BambooHRError as err:
        findings.append(
            problem(AREA, "API key", f"failed: {err}", "check BAMBOOHR_BASE_URL / the network")
        )
        return
    findings.append(ok(AREA, "API key", f"works ({len(catalogue)} fields visible)"))
    if policy is None:
        return
    known = _known_names(catalogue)
    missing = [name for name in required_fields(policy) if name not in known]
    if missing:
        findings.append(
            problem(
                AREA,
                "fields",
                f"the policy reads {', '.join(missing)}, which BambooHR does not have (or the "
                "key's user cannot see)",
                "fix the field name in the policy (alias or numeric id, as in "
                "GET /meta/fields), or give the key's user access to it",
            )
        )
    else:
        findings.append(ok(AREA, "fields", "every field the policy reads exists"))
    await _check_webhook(client, policy, findings)


async def _check_webhook(
    client: BambooHRClient, policy: PolicyConfig, findings: list[Finding]
) -> None:
    """Every webhook of this key's user is ours to check (BambooHR lists only those)."""
    wanted = monitored_fields(policy)
    try:
        hooks = await client.list_webhooks()
        details = [await client.get_webhook(str(h.get("id"))) for h in hooks]
    except BambooHRError as err:
        findings.append(
            warning(AREA, "webhook", f"could not be listed: {err}", "check the key's rights")
        )
        return
    if not details:
        findings.append(
            warning(
                AREA,
                "webhook",
                "none registered: changes arrive only with the next poll",
                "`lifecycle setup webhook --url https://<receiver>/webhooks/bamboohr`",
            )
        )
        return
    for hook in details:
        watched = set(hook.get("monitorFields") or [])
        lacking = [name for name in wanted if name not in watched]
        label = f"webhook {hook.get('id')}"
        if lacking:
            findings.append(
                problem(
                    AREA,
                    label,
                    f"does not watch {', '.join(lacking)}: such changes wait for the next poll",
                    "register it again (`lifecycle setup webhook --url ...`) so that it "
                    "watches what the policy uses",
                )
            )
        else:
            findings.append(ok(AREA, label, f"watches all {len(wanted)} fields the policy uses"))
