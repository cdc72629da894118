"""`lifecycle doctor` against the simulators, a Temporal dev server and an audit store: a ready
setup is all ok (exit 0); each planted problem is named with its fix and exits 2; it changes
nothing anywhere."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from google.protobuf.duration_pb2 import Duration
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.testing import WorkflowEnvironment

from integrations.audit import open_audit_store
from integrations.serving import ReservedPort, ThreadedServer
from lifecycle.policy import load_policy, monitored_fields
from lifecycle.settings import SIM_BAMBOOHR_KEY, SIM_OKTA_TOKEN, Settings
from lifecycle.tamper import WATCHED_EVENT_TYPES
from simulators.bamboohr.app import BambooHRSimulator
from simulators.okta.app import OktaSimulator
from starters.cli import main
from starters.schedules import (
    DRIFT_SCHEDULE_ID,
    OKTA_LOG_SCHEDULE_ID,
    POLL_SCHEDULE_ID,
    apply_schedules,
)
from starters.setup_cmd import WEBHOOK_EVENTS

REPO = Path(__file__).resolve().parents[3]
POLICY = REPO / "config" / "policy.yaml"
QUEUE = "doctor-tq"


def webhook_body(fields: list[str]) -> dict:
    """As `lifecycle setup webhook` registers it."""
    return {
        "name": "lifecycle",
        "url": "https://lifecycle.acme.example/webhooks/bamboohr",
        "format": "json",
        "events": WEBHOOK_EVENTS,
        "monitorFields": fields,
    }


def okta_hook_body() -> dict:
    """As `lifecycle setup okta-hooks` registers it (verified later by Okta)."""
    return {
        "name": "lifecycle",
        "events": {"type": "EVENT_TYPE", "items": list(WATCHED_EVENT_TYPES)},
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": "https://lifecycle.acme.example/hooks/okta",
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": "s"},
            },
        },
    }


class Org:
    def __init__(self, okta: OktaSimulator, hr: BambooHRSimulator, tmp: Path) -> None:
        self.okta, self.hr, self.tmp = okta, hr, tmp


@pytest.fixture
async def org(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dev_server_env: WorkflowEnvironment
) -> AsyncIterator[Org]:
    """Everything a ready install has: schema, groups, webhook, schedules, audit tables."""
    okta = OktaSimulator(api_token=SIM_OKTA_TOKEN)
    hr = BambooHRSimulator(api_key=SIM_BAMBOOHR_KEY, webhook_private_key=None)
    policy = load_policy(POLICY)
    for name in [*policy.managed_groups, *policy.protected.groups]:
        okta.store.create_group(name)
    for name in policy.okta_attributes:
        if not okta.store.is_profile_attribute(name):  # base attributes always exist
            okta.store.add_schema_attribute(name, title=name)
    hr.webhooks.create(webhook_body(monitored_fields(policy)))
    hook = okta.event_hooks.create(okta_hook_body(), created_by="test")
    okta.event_hooks.mark_verified(hook["id"])
    audit_url = f"sqlite:///{tmp_path / 'audit.db'}"
    open_audit_store(audit_url).close()
    target = dev_server_env.client.service_client.config.target_host
    settings = Settings(_env_file=None, temporal_address=target, temporal_task_queue=QUEUE)  # type: ignore[call-arg]
    await apply_schedules(dev_server_env.client, settings)
    with ThreadedServer(okta.app) as okta_server, ThreadedServer(hr.app) as hr_server:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("LIFECYCLE_ENV_FILE", str(tmp_path / "absent.env"))
        monkeypatch.setenv("OKTA_ORG_URL", okta_server.url)
        monkeypatch.setenv("OKTA_API_TOKEN", SIM_OKTA_TOKEN)
        monkeypatch.setenv("BAMBOOHR_BASE_URL", hr_server.url)
        monkeypatch.setenv("BAMBOOHR_API_KEY", SIM_BAMBOOHR_KEY)
        monkeypatch.setenv("LIFECYCLE_POLICY", str(POLICY))
        monkeypatch.setenv("LIFECYCLE_AUDIT_URL", audit_url)
        monkeypatch.setenv("TEMPORAL_ADDRESS", target)
        monkeypatch.setenv("TEMPORAL_TASK_QUEUE", QUEUE)
        monkeypatch.setenv("LIFECYCLE_OTEL_EXPORTER", "none")
        try:
            yield Org(okta, hr, tmp_path)
        finally:
            for schedule_id in (POLL_SCHEDULE_ID, DRIFT_SCHEDULE_ID, OKTA_LOG_SCHEDULE_ID):
                await dev_server_env.client.get_schedule_handle(schedule_id).delete()


async def doctor(*args: str) -> int:
    """Run the command as an operator would (in its own thread: it runs its own loop)."""
    return await asyncio.to_thread(main, ["doctor", "--json", *args])


def findings(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    return json.loads(capsys.readouterr().out)["findings"]


def levels(found: list[dict]) -> dict[str, str]:
    return {f"{f['area']}/{f['check']}": f["level"] for f in found}


async def test_a_ready_install_is_all_ok_and_nothing_is_changed(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    okta_writes, hr_writes = org.okta.stats()["writes"], org.hr.store.change_log()

    code = await doctor()

    found = findings(capsys)
    assert [f for f in found if f["level"] != "ok"] == []
    assert code == 0
    checks = levels(found)
    for check in (
        "settings/variables",
        "policy/file",
        "okta/read users",
        "okta/profile attributes",
        "okta/managed groups",
        "okta/protected groups",
        "okta/System Log",
        "okta/event hook",
        "bamboohr/API key",
        "bamboohr/fields",
        "bamboohr/webhook 1",
        "temporal/server",
        "temporal/search attributes",
        f"temporal/schedule {POLL_SCHEDULE_ID}",
        "audit/schema",
    ):
        assert checks.get(check) == "ok", check
    assert org.okta.stats()["writes"] == okta_writes
    assert org.hr.store.change_log() == hr_writes

    # On a terminal: a line per check, then the count.
    assert await asyncio.to_thread(main, ["doctor"]) == 0
    text = capsys.readouterr().out
    assert "ok       okta      managed groups: all" in text
    assert text.rstrip().endswith(f"{len(found)} ok, 0 warning(s), 0 problem(s)")


async def test_each_planted_problem_is_named_with_its_fix(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = load_policy(POLICY)
    # A managed group deleted in Okta, another that exists only as an imported APP_GROUP.
    gone, imported = policy.managed_groups[0], policy.managed_groups[1]
    for name in (gone, imported):
        group = org.okta.store.find_group(name)
        assert group is not None
        org.okta.store.delete_group(group["id"])
    org.okta.store.create_group(imported, type="APP_GROUP")
    # The protected group renamed in Okta: the policy's name protects nobody any more.
    [protected] = policy.protected.groups
    group = org.okta.store.find_group(protected)
    assert group is not None
    org.okta.store.delete_group(group["id"])
    org.okta.store.create_group(protected + " (renamed)")
    # The policy maps a BambooHR field that does not exist; the webhook misses a field.
    text = POLICY.read_text()
    copy = org.tmp / "policy.yaml"
    assert "profile:\n" in text
    copy.write_text(text.replace("profile:\n", "profile:\n  shoeSize: customShoeSize\n", 1))
    monkeypatch.setenv("LIFECYCLE_POLICY", str(copy))
    [hook] = org.hr.webhooks.all()
    org.hr.webhooks.replace(
        hook.id, webhook_body([f for f in hook.monitor_fields if f != "department"])
    )

    code = await doctor()

    found = {f"{f['area']}/{f['check']}": f for f in findings(capsys)}
    assert code == 2
    assert found[f"okta/group {gone}"]["level"] == "problem"
    assert found[f"okta/group {gone}"]["detail"] == "missing"
    assert "APP_GROUP" in found[f"okta/group {imported}"]["detail"]
    assert "shoeSize" in found["okta/profile attributes"]["detail"]
    assert "setup okta-schema --apply" in found["okta/profile attributes"]["fix"]
    assert "customShoeSize" in found["bamboohr/fields"]["detail"]
    assert found["okta/protected groups"]["level"] == "problem"
    assert protected in found["okta/protected groups"]["detail"]
    hook_finding = found[f"bamboohr/webhook {hook.id}"]
    assert hook_finding["level"] == "problem" and "department" in hook_finding["detail"]
    assert "setup webhook" in hook_finding["fix"]


async def test_a_refused_token_and_a_missing_store_are_problems(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKTA_API_TOKEN", "revoked-token")
    monkeypatch.setenv("BAMBOOHR_API_KEY", "revoked-key")
    monkeypatch.setenv("LIFECYCLE_AUDIT_URL", "postgresql://nobody@127.0.0.1:1/none")

    code = await doctor("--skip", "temporal")

    found = {f"{f['area']}/{f['check']}": f for f in findings(capsys)}
    assert code == 2
    assert found["okta/read users"]["level"] == "problem"
    assert "OKTA_API_TOKEN" in found["okta/read users"]["fix"]
    assert "okta/read groups" not in found  # one refusal is enough to say
    assert found["bamboohr/API key"]["level"] == "problem"
    assert found["audit/store"]["level"] == "problem"
    assert "revoked" not in json.dumps(found)  # no secret on the terminal


async def test_missing_schedules_and_an_unreachable_server(
    org: Org,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    dev_server_env: WorkflowEnvironment,
) -> None:
    await dev_server_env.client.get_schedule_handle(POLL_SCHEDULE_ID).delete()
    code = await doctor("--skip", "okta", "--skip", "bamboohr", "--skip", "audit")
    found = {f"{f['area']}/{f['check']}": f for f in findings(capsys)}
    assert code == 1  # warnings only: it runs, but nothing polls
    assert found[f"temporal/schedule {POLL_SCHEDULE_ID}"]["level"] == "warning"
    assert found[f"temporal/schedule {POLL_SCHEDULE_ID}"]["fix"] == "`lifecycle schedules apply`"
    await apply_schedules(
        dev_server_env.client,
        Settings(_env_file=None, temporal_task_queue=QUEUE),  # type: ignore[call-arg]
    )

    nothing_there = ReservedPort()  # bound, never listening: connections are refused
    try:
        monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{nothing_there.port}")
        code = await doctor("--skip", "okta", "--skip", "bamboohr", "--skip", "audit")
    finally:
        nothing_there.release()
    found = {f"{f['area']}/{f['check']}": f for f in findings(capsys)}
    assert code == 2
    assert found["temporal/server"]["level"] == "problem"
    assert "TEMPORAL_ADDRESS" in found["temporal/server"]["fix"]


async def test_without_an_event_hook_hand_made_changes_wait_for_the_system_log(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    for hook in org.okta.event_hooks.all():
        org.okta.event_hooks.set_status(hook["id"], "INACTIVE")
    code = await doctor("--skip", "bamboohr", "--skip", "temporal", "--skip", "audit")
    found = {f"{f['area']}/{f['check']}": f for f in findings(capsys)}
    assert code == 1  # it runs; the System Log sees the changes within a minute
    assert found["okta/event hook"]["level"] == "warning"
    assert "System Log" in found["okta/event hook"]["detail"]
    assert "lifecycle setup okta-hooks" in found["okta/event hook"]["fix"]
    assert found["okta/System Log"]["level"] == "ok"


async def test_a_token_without_a_permission_is_named(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An admin whose role lets it read users but not groups nor the user schema.
    org.okta.credentials.add_limited_token("users-only-token", {"listGroups", "getUserSchema"})
    monkeypatch.setenv("OKTA_API_TOKEN", "users-only-token")

    code = await doctor("--skip", "bamboohr", "--skip", "temporal", "--skip", "audit")

    found = {f"{f['area']}/{f['check']}": f for f in findings(capsys)}
    assert code == 2
    assert found["okta/read users"]["level"] == "ok"
    for check in ("okta/read groups", "okta/read the user schema"):
        assert found[check]["level"] == "problem"
        assert "403" in found[check]["detail"] and "okta.groups.read" in found[check]["fix"]


async def test_a_namespace_without_our_search_attributes_is_a_problem(
    org: Org,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    dev_server_env: WorkflowEnvironment,
) -> None:
    # A namespace created by hand (or a new Cloud namespace) has none of our attributes:
    # every lifecycle start would fail there.
    namespace = f"doctor-{uuid.uuid4().hex[:8]}"
    await dev_server_env.client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=namespace,
            workflow_execution_retention_period=Duration(seconds=86_400),
        )
    )
    monkeypatch.setenv("TEMPORAL_NAMESPACE", namespace)

    for _ in range(50):  # a new namespace reaches the frontend's cache within seconds
        code = await doctor("--skip", "okta", "--skip", "bamboohr", "--skip", "audit")
        found = {f"{f['area']}/{f['check']}": f for f in findings(capsys)}
        if found["temporal/server"]["level"] == "ok":
            break
        await asyncio.sleep(0.2)

    assert code == 2
    attributes = found["temporal/search attributes"]
    assert attributes["level"] == "problem" and "EmployeeId" in attributes["detail"]
    assert "search-attribute create" in attributes["fix"]


async def test_an_area_whose_client_cannot_be_built_does_not_hide_the_others(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An API service app whose private key file is missing: Okta's client cannot be built.
    monkeypatch.delenv("OKTA_API_TOKEN")
    monkeypatch.setenv("OKTA_CLIENT_ID", "0oa-service-app")
    monkeypatch.setenv("OKTA_PRIVATE_KEY_PATH", str(org.tmp / "missing-key.pem"))

    code = await doctor("--skip", "temporal")

    found = findings(capsys)  # still JSON
    assert code == 2
    okta = [f for f in found if f["level"] == "problem" and "OKTA_PRIVATE_KEY_PATH" in f["detail"]]
    assert okta, found
    assert levels(found)["bamboohr/API key"] == "ok"  # the other areas were still checked
    assert levels(found)["audit/schema"] == "ok"


def test_a_bad_policy_is_named_by_file_and_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text("groups:\n  - name: Engineering\n    match: {department: [1, {}]}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LIFECYCLE_ENV_FILE", str(tmp_path / "absent.env"))
    monkeypatch.setenv("LIFECYCLE_POLICY", str(bad))

    code = main(
        ["doctor", "--skip", "okta", "--skip", "bamboohr", "--skip", "temporal", "--skip", "audit"]
    )

    out = capsys.readouterr().out
    assert code == 2
    assert f"PROBLEM  policy    file: {bad}:3:" in out
