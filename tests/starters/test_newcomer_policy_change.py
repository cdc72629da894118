"""The newcomer's change — "sync one more HR field and add a Contractors group" — is a policy
change only: two entries in a copy of config/policy.yaml, and the webhook's monitored fields,
the seeded Okta org (`lifecycle dev`) and the compliance report all follow, with no Python
touched. (The shipped policy already syncs both phone numbers, so the field here is the home
email, into Okta's `secondEmail`.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from integrations.serving import ThreadedServer
from lifecycle.policy import PolicyConfig, load_policy, monitored_fields
from lifecycle.settings import Settings
from simulators.bamboohr.app import BambooHRSimulator
from simulators.okta.app import OktaSimulator
from simulators.seed.company import generate_company
from simulators.seed.load import load_bamboohr, load_okta
from simulators.seed.models import Company
from starters.children import REPO
from starters.dev_seed import policy_group_rule
from starters.report.build import build_report
from starters.report.gather import gather
from starters.report.model import ComplianceReport

SHIPPED = REPO / "config" / "policy.yaml"
CONTRACTORS = "Contractors"


def newcomers_policy(tmp_path: Path) -> Path:
    """The shipped policy plus the two lines a newcomer adds."""
    text = SHIPPED.read_text()
    assert "\nprofile:\n" in text and "\ngroups:\n" in text
    text = text.replace("\nprofile:\n", "\nprofile:\n  secondEmail: homeEmail\n", 1)
    text = text.replace(
        "\ngroups:\n",
        f"\ngroups:\n  - {{name: {CONTRACTORS}, match: {{employment_status: Contractor}}}}\n",
        1,
    )
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> tuple[PolicyConfig, PolicyConfig]:
    return load_policy(SHIPPED), load_policy(newcomers_policy(tmp_path_factory.mktemp("p")))


TODAY = datetime.now(UTC).date()


def seeded(policy: PolicyConfig) -> Company:
    return generate_company(7, 60, today=TODAY, group_rule=policy_group_rule(policy))


def contractors(company: Company) -> set[str]:
    current = set(company.expectations.current)
    return {
        e.id
        for e in company.employees
        if e.id in current and e.status_on(TODAY).employmentStatus == "Contractor"
    }


def test_the_webhook_monitors_the_new_field(policies: tuple[PolicyConfig, PolicyConfig]) -> None:
    shipped, newcomers = policies
    assert "homeEmail" not in monitored_fields(shipped)
    assert "homeEmail" in monitored_fields(newcomers)


def test_the_seeded_org_gets_the_new_group(policies: tuple[PolicyConfig, PolicyConfig]) -> None:
    shipped, newcomers = policies
    company = seeded(newcomers)
    ids = contractors(company)
    assert ids, "the generated company has contractors"
    members = {
        u.profile.get("bambooHrId")
        for u in company.okta_users
        if CONTRACTORS in company.groups_of(u.login)
    }
    planted_wrong = {m.employee_id for m in company.expectations.misaligned_groups}
    assert ids - planted_wrong <= members
    before = seeded(shipped)
    assert not any(CONTRACTORS in before.groups_of(u.login) for u in before.okta_users)


Sims = tuple[OktaSimulator, BambooHRSimulator, Settings]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Sims]:
    okta, hr = OktaSimulator(), BambooHRSimulator()
    with ThreadedServer(okta.app, name="okta") as o, ThreadedServer(hr.app, name="hr") as h:
        yield (
            okta,
            hr,
            Settings(
                _env_file=None,  # type: ignore[call-arg]
                okta_org_url=o.url,
                okta_api_token=SecretStr(okta.credentials.api_token),
                bamboohr_base_url=h.url,
                bamboohr_api_key=SecretStr(hr.api_key),
                lifecycle_audit_url=f"sqlite:///{tmp_path / 'audit.db'}",
                lifecycle_data_dir=tmp_path,
            ),
        )
    hr.close()


async def test_the_report_checks_the_new_group_and_attribute(
    policies: tuple[PolicyConfig, PolicyConfig], stack: Sims
) -> None:
    shipped, newcomers = policies
    okta, hr, settings = stack
    company = seeded(newcomers)
    load_bamboohr(hr.store, company)
    logins = load_okta(okta.store, company)
    # One account's second email differs from HR's home email: drift only a policy that syncs
    # it can see.
    someone = next(e for e in company.employees if e.homeEmail and e.workEmail.lower() in logins)
    okta.store.update_user(logins[someone.workEmail.lower()], {"secondEmail": "old@home.example"})

    async def _report(policy: PolicyConfig) -> ComplianceReport:
        return build_report(await gather(settings, policy, temporal=False))

    theirs = await _report(newcomers)
    drift = {r.employee_id: r.attributes for r in theirs.category("attribute-drift").rows}
    assert "secondEmail" in drift.get(someone.id, {})
    misaligned = theirs.category("group-misalignments").rows
    # The seed planted Contractors where the policy wants it: no row asks for it.
    assert not any(CONTRACTORS in r.groups_missing for r in misaligned)

    before = await _report(shipped)
    drift = {r.employee_id: r.attributes for r in before.category("attribute-drift").rows}
    assert "mobilePhone" not in drift.get(someone.id, {})
    # The shipped policy does not manage Contractors: the planted memberships are not its business.
    assert not any(
        CONTRACTORS in r.groups_extra for r in before.category("group-misalignments").rows
    )
