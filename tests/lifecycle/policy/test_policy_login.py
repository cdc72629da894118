"""Generated logins (`identity.generate_login`): normalisation, the candidate sequence, and
what the plan says for a hire without a work email."""

from __future__ import annotations

import pytest
from policy_helpers import demo, snap

from lifecycle.models import ReviewCode
from lifecycle.policy import PolicyConfig, PolicyError, build_plan
from lifecycle.policy.config import GenerateLoginConfig, LoginNormaliseConfig
from lifecycle.policy.login import candidates, fold, login_candidates, normalise, render_base

TEMPLATE = "{preferredName|firstName}.{lastName}@acme.example"
RULES = LoginNormaliseConfig()


def generating(**changes: object) -> PolicyConfig:
    generate = GenerateLoginConfig(template=TEMPLATE, **changes)  # type: ignore[arg-type]
    identity = demo.identity.model_copy(update={"generate_login": generate})
    return demo.model_copy(update={"identity": identity})


def base(fields: dict[str, str | None], **changes: object) -> str | None:
    config = GenerateLoginConfig(template=TEMPLATE, **changes)  # type: ignore[arg-type]
    return render_base(config, fields.get).login


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("José", "jose"),
        ("Núñez", "nunez"),
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),
        ("Anne Marie", "annemarie"),
        ("Søren", "soren"),
        ("Weiß", "weiss"),
        ("Łukasz", "lukasz"),
        ("Jean-Luc", "jean-luc"),
        ("Дмитрий", ""),
        ("王", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw, RULES) == expected


def test_fold_keeps_case() -> None:
    assert fold("José Núñez") == "Jose Nunez"


def test_normalisation_is_configurable() -> None:
    rules = LoginNormaliseConfig(lowercase=False, remove="'")
    assert normalise("Anne Marie O'Brien", rules) == "AnneMarieOBrien"  # space is not allowed
    assert normalise("Zoë", LoginNormaliseConfig(fold_diacritics=False)) == "zo"


def test_template_with_preferred_name_fallback() -> None:
    assert base({"firstName": "José", "lastName": "Núñez"}) == "jose.nunez@acme.example"
    assert (
        base({"firstName": "Josefina", "preferredName": "Fina", "lastName": "Núñez"})
        == "fina.nunez@acme.example"
    )
    # A preferred name with nothing usable falls through to the first name.
    assert (
        base({"firstName": "Wei", "preferredName": "伟", "lastName": "Wang"})
        == "wei.wang@acme.example"
    )


def test_non_latin_name_gives_a_reason_naming_the_field() -> None:
    config = GenerateLoginConfig(template=TEMPLATE)
    result = render_base(config, {"firstName": "Дмитрий", "lastName": "Иванов"}.get)
    assert result.login is None
    assert result.field == "firstName"
    assert "Дмитрий" in (result.problem or "") and "Latin" in (result.problem or "")


def test_numbered_candidates() -> None:
    config = GenerateLoginConfig(template=TEMPLATE, max_candidates=4)
    assert list(candidates(config, "jose.nunez@acme.example")) == [
        "jose.nunez@acme.example",
        "jose.nunez.2@acme.example",
        "jose.nunez.3@acme.example",
        "jose.nunez.4@acme.example",
    ]


def test_middle_initial_comes_before_numbers() -> None:
    config = GenerateLoginConfig(template=TEMPLATE, collision="middle_initial", max_candidates=3)
    found, _ = login_candidates(
        config, {"firstName": "José", "lastName": "Núñez", "middleName": "Ángel"}.get
    )
    assert found == [
        "jose.nunez@acme.example",
        "jose.a.nunez@acme.example",
        "jose.nunez.2@acme.example",
    ]


def test_template_must_name_a_field_and_a_domain() -> None:
    with pytest.raises(ValueError, match="HR field"):
        GenerateLoginConfig(template="'x'@acme.example")
    with pytest.raises(ValueError, match="@"):
        GenerateLoginConfig(template="{firstName}.{lastName}")


def test_policy_file_accepts_the_keys() -> None:
    from lifecycle.policy import parse_policy

    config = parse_policy(
        "identity:\n  generate_login:\n    template: '{firstName}.{lastName}@acme.example'\n"
        "    collision: middle_initial\n  on_hr_email_change: rename_login\n",
        "policy.yaml",
    )
    assert config.identity.generate_login is not None
    assert config.identity.on_hr_email_change == "rename_login"
    with pytest.raises(PolicyError, match="on_hr_email_change"):
        parse_policy("identity:\n  on_hr_email_change: sometimes\n", "policy.yaml")


# --- the plan ----------------------------------------------------------------------------


def test_without_generation_a_missing_email_is_reviewed() -> None:
    plan = build_plan(snap(workEmail=None), demo)
    assert plan.review is not None and plan.review.code is ReviewCode.NO_WORK_EMAIL
    assert not plan.login_needed


def test_hire_without_email_needs_a_generated_login() -> None:
    config = generating()
    plan = build_plan(snap(workEmail=None, firstName="José", lastName="Núñez"), config)
    assert plan.login_needed and plan.review is None


def test_plan_with_the_generated_login_uses_it_for_login_and_email() -> None:
    config = generating()
    plan = build_plan(snap(workEmail=None), config, generated_login="tess.tester.2@acme.example")
    assert not plan.login_needed and plan.review is None
    account = plan.actions[-1].account
    assert account.login == "tess.tester.2@acme.example"
    assert account.profile["email"] == "tess.tester.2@acme.example"


def test_later_hr_email_keeps_the_login_by_default() -> None:
    config = generating()
    typed = snap(workEmail="tess@acme.example")
    plan = build_plan(typed, config, generated_login="tess.tester.2@acme.example")
    account = plan.actions[-1].account
    assert account.login == "tess.tester.2@acme.example"
    assert account.profile["email"] == "tess@acme.example"


def test_later_hr_email_renames_the_login_when_configured() -> None:
    config = generating()
    identity = config.identity.model_copy(update={"on_hr_email_change": "rename_login"})
    config = config.model_copy(update={"identity": identity})
    plan = build_plan(
        snap(workEmail="tess@acme.example"), config, generated_login="tess.tester.2@acme.example"
    )
    assert plan.actions[-1].account.login == "tess@acme.example"


def test_non_latin_only_name_goes_to_review_with_a_clear_reason() -> None:
    plan = build_plan(snap(workEmail=None, firstName="王", lastName="伟"), generating())
    assert not plan.login_needed
    assert plan.review is not None
    assert plan.review.code is ReviewCode.LOGIN_NOT_GENERATED
    assert plan.review.field == "firstName"
    assert "'王'" in plan.review.message and "Latin" in plan.review.message


def test_hr_email_present_needs_nothing() -> None:
    plan = build_plan(snap(), generating())
    assert not plan.login_needed and plan.review is None
    assert plan.actions[-1].account.login == "tess.tester@acme.example"
