"""choose_login and write_back_work_email against the real simulators (over HTTP): a login
another account uses is skipped, a choice sticks (claims), namesakes are ordered by
BambooHR id, and the write-back only ever fills an empty workEmail."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from okta_activity_support import environment
from pydantic import SecretStr

from activities.login import WRITE_BACK_ACTION, LoginActivities
from contracts.activities import ChooseLoginInput, WriteBackWorkEmailInput
from integrations.audit import AuditStore
from integrations.bamboohr import BambooHRClient
from integrations.okta import OktaClient
from integrations.serving import ThreadedServer
from lifecycle.models import HrSnapshot, ReviewCode
from lifecycle.policy import PolicyConfig, load_policy
from lifecycle.policy.config import GenerateLoginConfig
from lifecycle.settings import SIM_BAMBOOHR_KEY, Mode
from simulators.bamboohr import BambooHRSimulator
from simulators.common.clock import SimClock
from simulators.okta import OktaSimulator

POLICY_PATH = Path(__file__).resolve().parents[3] / "config" / "policy.yaml"

TEMPLATE = "{preferredName|firstName}.{lastName}@acme.example"


def generating_policy() -> PolicyConfig:
    policy = load_policy(POLICY_PATH)
    identity = policy.identity.model_copy(
        update={"generate_login": GenerateLoginConfig(template=TEMPLATE)}
    )
    return policy.model_copy(update={"identity": identity})


@pytest.fixture
def hr(clock: SimClock) -> BambooHRSimulator:
    return BambooHRSimulator(clock=clock)


@pytest.fixture
def hr_server(hr: BambooHRSimulator) -> Iterator[ThreadedServer]:
    with ThreadedServer(hr.app, name="bamboohr-sim") as running:
        yield running


@pytest.fixture
async def hr_client(hr_server: ThreadedServer) -> AsyncIterator[BambooHRClient]:
    async with BambooHRClient(hr_server.url, SecretStr(SIM_BAMBOOHR_KEY), timeout=10) as client:
        yield client


@pytest.fixture
def logins(client: OktaClient, hr_client: BambooHRClient, store: AuditStore) -> LoginActivities:
    return LoginActivities(
        okta=client, bamboohr=hr_client, audit=store, policy=generating_policy(), mode=Mode.APPLY
    )


def hire(employee_id: str, first: str = "José", last: str = "Núñez", **fields: str) -> HrSnapshot:
    return HrSnapshot.model_validate(
        {
            "id": employee_id,
            "firstName": first,
            "lastName": last,
            "employmentHistoryStatus": "Full-Time",
            "hireDate": "2026-03-16",
            "department": "Engineering",
            "location": "New York, NY",
            "employment_status_rows": [{"date": "2026-03-16", "employmentStatus": "Full-Time"}],
            "fetched_at": datetime(2026, 3, 2, 9, tzinfo=UTC),
            **fields,
        }
    )


async def choose(logins: LoginActivities, snapshot: HrSnapshot, attempt: int = 1) -> str | None:
    env = environment(attempt=attempt, workflow_id=f"employee-{snapshot.employee_id}")
    result = await env.run(
        logins.choose_login,
        ChooseLoginInput(employee_id=snapshot.employee_id, snapshot=snapshot),
    )
    return result.login


async def test_a_login_another_account_holds_is_skipped_and_the_choice_sticks(
    logins: LoginActivities, sim: OktaSimulator
) -> None:
    sim.store.create_user(
        {
            "login": "jose.nunez@acme.example",
            "email": "jose.nunez@acme.example",
            "firstName": "José",
            "lastName": "Núñez",
            "bambooHrId": "900",
        }
    )
    first = await choose(logins, hire("7"))
    assert first == "jose.nunez.2@acme.example"
    # Run again (a retry, a later plan): the same login, not the next one.
    assert await choose(logins, hire("7"), attempt=2) == first
    # Okta now has the account with that login, and it is this employee's: still theirs.
    sim.store.create_user(
        {
            "login": first,
            "email": first,
            "firstName": "José",
            "lastName": "Núñez",
            "bambooHrId": "7",
        }
    )
    assert await choose(logins, hire("7")) == first


async def test_an_okta_email_counts_as_taken(logins: LoginActivities, sim: OktaSimulator) -> None:
    sim.store.create_user(
        {
            "login": "someone.else@acme.example",
            "email": "ada.quill@acme.example",
            "firstName": "Ada",
            "lastName": "Other",
        }
    )
    assert await choose(logins, hire("8", "Ada", "Quill")) == "ada.quill.2@acme.example"


async def test_namesakes_in_one_batch_are_ordered_by_bamboohr_id(
    logins: LoginActivities, store: AuditStore
) -> None:
    # Delivered in the "wrong" order: the lower id still gets the base login.
    claimed = await logins.claim_for_batch([hire("21"), hire("12"), hire("30", workEmail="x@y.z")])
    assert claimed == ["12", "21"]
    assert store.login_claim("12") == "jose.nunez@acme.example"
    assert store.login_claim("21") == "jose.nunez.2@acme.example"
    assert store.login_claim("30") is None  # HR gave this one an email
    # Each workflow then finds its own claim, whichever asks first.
    assert await choose(logins, hire("21")) == "jose.nunez.2@acme.example"
    assert await choose(logins, hire("12")) == "jose.nunez@acme.example"


async def test_non_latin_name_gets_a_reason(logins: LoginActivities) -> None:
    env = environment()
    result = await env.run(
        logins.choose_login,
        ChooseLoginInput(employee_id="9", snapshot=hire("9", "Дмитрий", "Иванов")),
    )
    assert result.login is None and result.review is not None
    assert result.review.code is ReviewCode.LOGIN_NOT_GENERATED
    assert "Дмитрий" in result.review.message


async def test_write_back_fills_an_empty_work_email_once(
    logins: LoginActivities, hr: BambooHRSimulator, store: AuditStore
) -> None:
    eid = hr.store.hire("José", "Núñez", None, hire_date="2026-03-16")
    write = WriteBackWorkEmailInput(employee_id=eid, work_email="jose.nunez@acme.example")
    first = await environment(workflow_id=f"employee-{eid}").run(
        logins.write_back_work_email, write
    )
    assert first.written
    assert hr.store.get(eid, ["workEmail"])["workEmail"] == "jose.nunez@acme.example"
    again = await environment(workflow_id=f"employee-{eid}", attempt=2).run(
        logins.write_back_work_email, write
    )
    assert again.already and not again.written
    records = store.query(employee_id=eid, action=WRITE_BACK_ACTION, result="success")
    assert len(records) == 1 and records[0].after == {"workEmail": "jose.nunez@acme.example"}


async def test_write_back_never_overwrites_what_hr_typed(
    logins: LoginActivities, hr: BambooHRSimulator
) -> None:
    eid = hr.store.hire("José", "Núñez", "jn@acme.example", hire_date="2026-03-16")
    result = await environment().run(
        logins.write_back_work_email,
        WriteBackWorkEmailInput(employee_id=eid, work_email="jose.nunez@acme.example"),
    )
    assert result.skipped_reason and not result.written
    assert hr.store.get(eid, ["workEmail"])["workEmail"] == "jn@acme.example"


async def test_a_refused_write_back_is_returned_and_audited(
    logins: LoginActivities, hr: BambooHRSimulator, store: AuditStore
) -> None:
    hr.permissions.denied = {"workEmail"}
    eid = hr.store.hire("José", "Núñez", None, hire_date="2026-03-16")
    result = await environment().run(
        logins.write_back_work_email,
        WriteBackWorkEmailInput(employee_id=eid, work_email="jose.nunez@acme.example"),
    )
    assert result.refused and "permission" in result.refused
    assert store.count(employee_id=eid, action=WRITE_BACK_ACTION, result="failed") == 1
