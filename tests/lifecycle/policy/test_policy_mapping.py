from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from policy_helpers import demo, policy, snap

from lifecycle.models import HrSnapshot
from lifecycle.policy import PolicyConfig
from lifecycle.policy.mapping import map_profile
from lifecycle.policy.templates import TemplateError, parse_template
from lifecycle.policy.view import sorted_job_rows, view_at

Parse = Callable[[str], PolicyConfig]


def profile(config: PolicyConfig, snapshot: HrSnapshot, day: date | None = None) -> dict:
    view = view_at(snapshot, config, sorted_job_rows(snapshot), day, snapshot.employment_status)
    return map_profile(config, view)


def one(policy: Parse, spec_yaml: str, snapshot: HrSnapshot) -> str | None:
    config = policy("profile:\n  out:" + spec_yaml)
    return profile(config, snapshot).get("out")


# --- sources -----------------------------------------------------------------------------


def test_plain_source_field() -> None:
    assert one(policy, " jobTitle", snap()) == "Software Engineer"
    assert one(policy, " preferredName", snap()) is None


def test_custom_fields_by_alias_and_numeric_id() -> None:
    snapshot = snap(custom={"customJobLevel": "L4", "4002": "CC-2200"})
    assert one(policy, " customJobLevel", snapshot) == "L4"
    assert one(policy, " 4002", snapshot) == "CC-2200"
    assert one(policy, ' "4002"', snapshot) == "CC-2200"


def test_special_sources() -> None:
    snapshot = snap(location="Berlin, Germany")
    config = policy(
        """
time:
  zones_by_location: {"Berlin, Germany": Europe/Berlin}
profile:
  a: manager.employeeNumber
  b: manager.displayName
  c: manager.workEmail
  d: manager.id
  e: bambooHrId
  f: id
  g: timeZone
  h: hireDate
"""
    )
    got = profile(config, snapshot)
    assert (got["a"], got["b"], got["c"], got["d"]) == (
        "E007",
        "Morgan Manager",
        "morgan.manager@acme.example",
        "7",
    )
    assert got["e"] == got["f"] == "101"
    assert got["g"] == "Europe/Berlin"
    assert got["h"] == "2026-03-16"


def test_manager_sources_without_a_manager() -> None:
    assert one(policy, " manager.displayName", snap(manager=None)) is None


def test_login_and_identity_attribute_always_present() -> None:
    config = policy(
        """
identity:
  okta_id_attribute: hrisId
  login: "{employeeNumber}@acme.example"
profile:
  email: workEmail
"""
    )
    assert profile(config, snap()) == {
        "login": "E101@acme.example",
        "hrisId": "101",
        "email": "tess.tester@acme.example",
    }


# --- templates ---------------------------------------------------------------------------


def test_template_fallback_alternatives() -> None:
    spec = ' "{preferredName|firstName} {lastName}"'
    assert one(policy, spec, snap()) == "Tess Tester"
    assert one(policy, spec, snap(preferredName="Tee")) == "Tee Tester"
    assert one(policy, spec, snap(preferredName="")) == "Tess Tester"


def test_template_literal_fallback_and_escapes() -> None:
    assert one(policy, """ "{preferredName|'n/a'}" """, snap()) == "n/a"
    assert one(policy, ' "{{{employeeNumber}}}"', snap()) == "{E101}"


def test_template_collapses_gaps_and_empty_is_none() -> None:
    spec = ' "{firstName} {preferredName} {lastName}"'
    assert one(policy, spec, snap()) == "Tess Tester"
    assert one(policy, ' "{preferredName} {homeEmail}"', snap()) is None


def test_template_parse_errors() -> None:
    for bad in ["{a", "a}", "{}", "{a||b}", "{manager.nope}", "{a{b}}"]:
        with pytest.raises(TemplateError):
            parse_template(bad)
    assert parse_template("{a|'x|y'}").fields() == ["a"]


# --- transforms --------------------------------------------------------------------------


def test_lookup_with_default_for_missing_keys() -> None:
    spec = """
    source: customJobLevel
    lookup: {L1: Associate, L3: Senior}
    lookup_default: Unlisted"""
    assert one(policy, spec, snap()) == "Senior"
    assert one(policy, spec, snap(custom={"customJobLevel": "l1"})) == "Associate"  # any case
    assert one(policy, spec, snap(custom={"customJobLevel": "L9"})) == "Unlisted"
    assert one(policy, spec, snap(custom={})) is None  # no value: nothing to look up


def test_lookup_without_default_gives_no_value() -> None:
    spec = """
    source: customJobLevel
    lookup: {L1: Associate}"""
    assert one(policy, spec, snap()) is None


@pytest.mark.parametrize(
    ("case", "expected"),
    [("upper", "TESS TESTER"), ("lower", "tess tester"), ("title", "Tess Tester")],
)
def test_case(case: str, expected: str) -> None:
    spec = f"""
    template: "{{firstName}} {{lastName}}"
    case: {case}"""
    assert one(policy, spec, snap(firstName="tESS")) == expected


def test_regex_extract() -> None:
    group = """
    source: location
    extract: '^([^,]+),'"""
    whole = """
    source: workPhone
    extract: '[0-9]{4}$'"""
    assert one(policy, group, snap()) == "New York"
    assert one(policy, group, snap(location="Remote - US")) is None  # no match
    assert one(policy, whole, snap()) == "0199"


def test_default_when_empty() -> None:
    spec = """
    source: preferredName
    default: none given"""
    assert one(policy, spec, snap()) == "none given"
    assert one(policy, spec, snap(preferredName="Tee")) == "Tee"


def test_constant_value() -> None:
    assert one(policy, "\n    value: Acme Robotics", snap()) == "Acme Robotics"


def test_transforms_apply_in_order() -> None:
    # extract → lookup → case → default
    spec = """
    source: customCostCenter
    extract: '^CC-(\\d+)$'
    lookup: {"1100": rnd}
    case: upper
    default: UNKNOWN"""
    assert one(policy, spec, snap()) == "RND"
    assert one(policy, spec, snap(custom={"customCostCenter": "XX"})) == "UNKNOWN"


# --- conditional variants ----------------------------------------------------------------

VARIANTS = """
    - when: {employmentHistoryStatus: Contractor}
      value: Contractor
    - when: {employmentHistoryStatus: [Intern, Part-Time], department: Engineering}
      template: "{employmentHistoryStatus} Engineer"
    - when: {jobTitle: "*manager*"}
      value: Manager
    - value: Employee"""


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"employmentHistoryStatus": "Contractor"}, "Contractor"),
        ({"employmentHistoryStatus": "Intern"}, "Intern Engineer"),
        ({"employmentHistoryStatus": "Part-Time"}, "Part-Time Engineer"),
        ({"employmentHistoryStatus": "Part-Time", "department": "Sales"}, "Employee"),
        ({"jobTitle": "Engineering Manager"}, "Manager"),  # glob, case-insensitive
        ({}, "Employee"),
    ],
)
def test_variants_first_match_wins(fields: dict, expected: str) -> None:
    assert one(policy, VARIANTS, snap(**fields)) == expected


def test_variants_without_a_match_give_no_value() -> None:
    spec = """
    - when: {department: Sales}
      value: S"""
    assert one(policy, spec, snap()) is None


def test_bare_string_variant_is_a_source() -> None:
    spec = """
    - when: {department: Sales}
      value: S
    - jobTitle"""
    assert one(policy, spec, snap()) == "Software Engineer"


# --- defaults ----------------------------------------------------------------------------


def test_default_profile() -> None:
    config = policy("time: {zones_by_location: {'New York, NY': America/New_York}}")
    snapshot = snap(preferredName="Tee", custom={"costCenter": "CC-9"})
    assert profile(config, snapshot) == {
        "login": "tess.tester@acme.example",
        "bambooHrId": "101",
        "email": "tess.tester@acme.example",
        "firstName": "Tee",
        "lastName": "Tester",
        "displayName": "Tee Tester",
        "title": "Software Engineer",
        "department": "Engineering",
        "division": "R&D",
        "costCenter": "CC-9",
        "employeeNumber": "E101",
        "userType": "Employee",
        "managerId": "E007",
        "manager": "Morgan Manager",
        "city": "New York",
        "timezone": "America/New_York",
        "mobilePhone": "+1 555 0101",
        "primaryPhone": "+1 555 0199",
    }


def test_default_user_type_for_contractors() -> None:
    config = policy("")
    assert profile(config, snap(employmentHistoryStatus="Contractor"))["userType"] == "Contractor"
    assert profile(config, snap(employmentHistoryStatus="Intern"))["userType"] == "Employee"


def test_demo_profile() -> None:
    got = profile(demo, snap(location="Sydney, Australia", employmentHistoryStatus="Contractor"))
    assert got["jobLevel"] == "Senior"
    assert got["costCenter"] == "CC-1100"
    assert got["userType"] == "Contractor"
    assert got["city"] == "Sydney"
    assert got["countryCode"] == "AU"
    assert got["timezone"] == "Australia/Sydney"
    assert got["organization"] == "Acme Robotics"


# --- effective-dated fields --------------------------------------------------------------


def test_job_fields_are_read_as_of_the_date() -> None:
    config = policy("profile: {department: department, title: jobTitle, city: location}")
    snapshot = snap(
        job_rows=[
            {"date": "2026-03-16", "department": "Sales", "jobTitle": "AE"},
            {"date": "2026-08-01", "department": "Marketing", "location": "Austin, TX"},
        ]
    )
    assert profile(config, snapshot, date(2026, 3, 1))["department"] == "Sales"  # before: first
    assert profile(config, snapshot, date(2026, 7, 31))["department"] == "Sales"
    later = profile(config, snapshot, date(2026, 8, 1))
    assert later["department"] == "Marketing"
    assert later["city"] == "Austin, TX"
    assert later["title"] == "Software Engineer"  # empty column: the current value


# --- empty values ------------------------------------------------------------------------


def test_empty_attributes_are_left_out_unless_cleared() -> None:
    config = policy(
        """
profile:
  nickName: preferredName
  mobilePhone: mobilePhone
  title: jobTitle
clear_when_empty: [mobilePhone]
"""
    )
    got = profile(config, snap(mobilePhone=None))
    assert "nickName" not in got  # Okta keeps whatever it has
    assert got["mobilePhone"] is None  # cleared in Okta
    assert got["title"] == "Software Engineer"
