from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from policy_helpers import demo, policy

from lifecycle.policy import PolicyError, load_policy, parse_policy
from lifecycle.policy.config import DEFAULT_PROFILE, MappingSpec, Variant


def problems(text: str, source: str = "config/policy.yaml") -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source)
    return caught.value.problems


# --- the shipped example -----------------------------------------------------------------


def test_shipped_policy_loads() -> None:
    assert demo.identity.okta_id_attribute == "bambooHrId"
    assert demo.identity.email_domains == ["acme.example"]
    assert demo.time.zones_by_location["Remote - US"] == "America/Denver"
    assert demo.time.zones_by_location["Sydney, Australia"] == "Australia/Sydney"
    assert date(2026, 11, 26) in demo.holidays_for("New York, NY", (2026,))  # Thanksgiving
    assert demo.preboard.business_days == 5
    assert demo.activation.at == "07:00"
    assert demo.activation.send_email is True
    assert demo.statuses.leave == ["Leave of Absence", "Parental Leave"]
    assert demo.termination.immediate_types == ["Involuntary"]
    assert demo.termination.at == "end_of_day"
    assert demo.leave.remove_groups == ["VPN Users"]
    assert demo.leave.return_date_field == "customLeaveReturnDate"
    assert demo.protected.logins == ["ceo@acme.example"]
    assert demo.protected.groups == ["IT Break Glass"]
    assert (demo.safeguards.max_share, demo.safeguards.min_count) == (0.05, 5)
    assert demo.service_accounts.user_types == ["Service", "System", "Bot"]
    assert "svc-*" in demo.service_accounts.login_patterns
    assert len(demo.known_departments or []) == 9


def test_shipped_policy_managed_groups() -> None:
    groups = demo.managed_groups
    assert groups == sorted(groups)
    assert len(groups) == 2 + 9 + 7 + 4
    for name in (
        "All Employees",
        "All Contractors",
        "Dept - Customer Success",
        "Loc - Remote US",
        "Engineering Managers",
        "VPN Users",
        "GitHub Users",
        "Salesforce Users",
    ):
        assert name in groups
    assert "IT Break Glass" not in groups


def test_shipped_policy_job_level_lookup() -> None:
    spec = demo.profile["jobLevel"]
    assert isinstance(spec, MappingSpec)
    assert spec.source == "customJobLevel"
    assert spec.lookup is not None and spec.lookup["L8"] == "Executive"


# --- defaults ----------------------------------------------------------------------------


def test_empty_policy_gives_the_documented_defaults() -> None:
    config = policy("")
    assert config.identity.okta_id_attribute == "bambooHrId"
    assert config.identity.login == "{workEmail}"
    assert config.identity.email_domains == []
    assert config.time.default_zone == "UTC"
    assert config.time.weekend_days == frozenset({5, 6})
    assert config.preboard.business_days == 5
    assert config.activation.at == "07:00"
    assert config.activation.send_email is True
    assert config.termination.at == "end_of_day"
    assert config.termination.remove_groups is True
    assert config.termination.alert_after_failures == 5
    assert config.safeguards.max_share == 0.05
    assert config.safeguards.min_count == 5
    assert config.groups == []
    assert config.managed_groups == []
    assert config.known_departments is None
    assert set(config.profile) == set(DEFAULT_PROFILE)
    for attribute in (
        "email", "firstName", "lastName", "displayName", "title", "department", "division",
        "costCenter", "employeeNumber", "userType", "managerId", "manager", "city",
        "timezone", "mobilePhone", "primaryPhone",
    ):  # fmt: skip
        assert attribute in config.profile


def test_profile_section_replaces_the_defaults() -> None:
    config = policy("profile:\n  nickName: preferredName\n")
    assert list(config.profile) == ["nickName"]


def test_value_shapes_are_normalised() -> None:
    config = policy(
        """
time:
  weekend: [fri, Saturday]
preboard:
  at: 9:30          # unquoted: must stay a time, not YAML 1.1's base-60 integer
termination:
  immediate_types: Involuntary
profile:
  costCenter: 4002  # numeric custom field id, unquoted
  country:
    source: countryCode
    lookup: {NO: Norway, on: Ontario}
"""
    )
    assert config.time.weekend_days == frozenset({4, 5})
    assert config.preboard.at == "09:30"
    assert config.termination.immediate_types == ["Involuntary"]
    assert config.profile["costCenter"] == "4002"
    country = config.profile["country"]
    assert isinstance(country, MappingSpec)
    assert country.lookup == {"NO": "Norway", "on": "Ontario"}


def test_variants_and_templates_parse() -> None:
    config = policy(
        """
profile:
  displayName: "{preferredName|firstName} {lastName}"
  userType:
    - when: {employmentHistoryStatus: [Contractor, Intern]}
      value: External
    - employmentHistoryStatus
"""
    )
    assert config.profile["displayName"] == "{preferredName|firstName} {lastName}"
    variants = config.profile["userType"]
    assert isinstance(variants, list)
    assert isinstance(variants[0], Variant)
    assert variants[0].when == {"employmentHistoryStatus": ["Contractor", "Intern"]}
    assert variants[1] == "employmentHistoryStatus"


def test_load_policy_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("activation:\n  at: '06:45'\n", encoding="utf-8")
    assert load_policy(path).activation.at == "06:45"


# --- errors: file, line, key path --------------------------------------------------------


def test_brief_example_message() -> None:
    text = """groups:
  - name: A
  - name: B
  - name: C
  - name: D
    match:
      department: {name: Engineering}
"""
    assert problems(text) == [
        "config/policy.yaml:7: groups[3].match.department: expected a string or list of strings"
    ]


def test_unknown_keys_are_errors_with_a_suggestion() -> None:
    text = """identity:
  login: "{workEmail}"
groups:
  - name: A
    match:
      departmnet: Sales
termination:
  imediate_types: [Involuntary]
colour: blue
"""
    assert problems(text) == [
        "config/policy.yaml:6: groups[0].match.departmnet: unknown key (did you mean "
        "'department'?)",
        "config/policy.yaml:8: termination.imediate_types: unknown key (did you mean "
        "'immediate_types'?)",
        "config/policy.yaml:9: colour: unknown key",
    ]


def test_every_problem_is_reported_in_line_order() -> None:
    text = """time:
  default_zone: Mars/Base
  zones_by_location:
    "New York, NY": America/New_Yrok
  weekend: [Saturday, Funday]
  holidays: [2026-01-01, someday]
preboard:
  business_days: -1
activation:
  at: "25:00"
  send_email: maybe
profile:
  jobLevel:
    source: customJobLevel
    case: shout
  empty:
  mgr: "{manager.phone}"
  both: {source: a, template: "{b}"}
  none: {lookup: {a: b}}
  orphan: {source: a, lookup_default: x}
  broken: "{firstName"
  badregex: {source: a, extract: "(unclosed"}
safeguards:
  max_share: 2
"""
    got = problems(text)
    assert got == [
        "config/policy.yaml:2: time.default_zone: unknown time zone 'Mars/Base' (expected an "
        "IANA name such as 'Europe/Berlin')",
        'config/policy.yaml:4: time.zones_by_location["New York, NY"]: unknown time zone '
        "'America/New_Yrok' (expected an IANA name such as 'Europe/Berlin')",
        "config/policy.yaml:5: time.weekend[1]: expected a weekday name such as 'Saturday', "
        "got 'Funday'",
        "config/policy.yaml:6: time.holidays[1]: expected a date (YYYY-MM-DD)",
        "config/policy.yaml:8: preboard.business_days: input should be greater than or equal to 0",
        "config/policy.yaml:10: activation.at: expected a time 'HH:MM' (00:00-23:59) or "
        "'end_of_day', got '25:00'",
        "config/policy.yaml:11: activation.send_email: expected true or false",
        "config/policy.yaml:15: profile.jobLevel.case: expected 'upper', 'lower' or 'title'",
        "config/policy.yaml:16: profile.empty: expected a field name, a {template}, a mapping "
        "(source/template/value, lookup, case, extract, default) or a list of variants",
        "config/policy.yaml:17: profile.mgr: unknown manager field 'manager.phone' (use one "
        "of: manager.id, manager.employeeNumber, manager.displayName, manager.workEmail) in "
        "template '{manager.phone}'",
        "config/policy.yaml:18: profile.both: give exactly one of 'source', 'template' or "
        "'value' (found source, template)",
        "config/policy.yaml:19: profile.none: give exactly one of 'source', 'template' or 'value'",
        "config/policy.yaml:20: profile.orphan: 'lookup_default' needs a 'lookup' table",
        "config/policy.yaml:21: profile.broken: unclosed '{' in template '{firstName'",
        "config/policy.yaml:22: profile.badregex.extract: invalid regular expression: missing "
        "), unterminated subpattern at position 0",
        "config/policy.yaml:24: safeguards.max_share: input should be less than or equal to 1",
    ]


def test_variant_errors_point_into_the_list() -> None:
    text = """profile:
  userType:
    - when: {employmentHistoryStatus: Contractor}
      value: Contractor
    - when: {employmentHistoryStatus: []}
      value: x
    - 42.5.1
    - {value: Employee, colour: red}
"""
    assert problems(text) == [
        "config/policy.yaml:5: profile.userType[1].when.employmentHistoryStatus: expected at "
        "least one value",
        "config/policy.yaml:8: profile.userType[3].colour: unknown key",
    ]


def test_missing_group_name_and_templated_group_name() -> None:
    text = """groups:
  - match: {department: Sales}
  - name: "Dept - {department}"
"""
    assert problems(text) == [
        "config/policy.yaml:2: groups[0].name: required key is missing",
        "config/policy.yaml:3: groups[1].name: group names are literal Okta group names "
        "(no {templates})",
    ]


def test_duplicate_keys_are_errors() -> None:
    text = """activation:
  at: "07:00"
activation:
  at: "08:00"
"""
    assert problems(text) == ["config/policy.yaml:3: activation: duplicate key 'activation'"]


def test_yaml_syntax_error_has_a_line() -> None:
    got = problems("groups:\n  - name: A\n    match: {department: [Sales\n")
    assert len(got) == 1
    assert got[0].startswith("config/policy.yaml:4: YAML syntax error:")


def test_top_level_must_be_a_mapping() -> None:
    assert problems("- a\n- b\n") == [
        "config/policy.yaml:1: (top level): expected a mapping of sections"
    ]


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PolicyError) as caught:
        load_policy(missing)
    assert caught.value.problems[0].startswith(f"{missing}: cannot read the policy file")


# --- errors across sections --------------------------------------------------------------


def test_cross_section_consistency() -> None:
    text = """statuses:
  active: [Full-Time, Contractor]
  leave: [Leave of Absence, contractor]
  terminated: [Terminated]
leave:
  remove_groups: [VPN Users, Wifi Users]
protected:
  groups: [IT Break Glass, VPN Users]
profile:
  login: workEmail
  bambooHrId: id
  email: workEmail
clear_when_empty: [email, fax]
known_departments: [Engineering, Sales]
groups:
  - name: VPN Users
    unless: {employment_status: Contractor}
  - name: Dept - Engineering
    match: {department: Engneering}
  - name: Managers
    match:
      department: [Sales, "Eng*"]
      employment_status: [Full-Time, Ful-Time]
time:
  weekend: [Mon, Tue, Wed, Thu, Fri, Sat, Sun]
"""
    assert problems(text) == [
        "config/policy.yaml:3: statuses.leave[1]: 'contractor' is also in statuses.active",
        "config/policy.yaml:6: leave.remove_groups[1]: 'Wifi Users' is not a managed group "
        "(no rule in 'groups' names it)",
        "config/policy.yaml:8: protected.groups[1]: 'VPN Users' is also a managed group: "
        "automation would add and remove it",
        "config/policy.yaml:10: profile.login: 'login' is set by identity.login",
        "config/policy.yaml:11: profile.bambooHrId: 'bambooHrId' is set by "
        "identity.okta_id_attribute",
        "config/policy.yaml:13: clear_when_empty[1]: 'fax' is not an attribute in 'profile'",
        "config/policy.yaml:19: groups[1].match.department: 'Engneering' is not in "
        "known_departments (did you mean 'Engineering'?)",
        "config/policy.yaml:23: groups[2].match.employment_status[1]: 'Ful-Time' is not a "
        "configured employment status (statuses.*) (did you mean 'Full-Time'?)",
        "config/policy.yaml:25: time.weekend: the weekend cannot cover all seven days",
    ]


def test_source_name_is_used_verbatim() -> None:
    assert problems("colour: blue\n", "/etc/lifecycle/acme.yaml") == [
        "/etc/lifecycle/acme.yaml:1: colour: unknown key"
    ]


# --- holiday calendars -------------------------------------------------------------------


def test_each_location_has_its_own_public_holidays() -> None:
    london = demo.holidays_for("London, UK", (2026,))
    new_york = demo.holidays_for("New York, NY", (2026,))
    berlin = demo.holidays_for("Berlin, Germany", (2026,))
    assert date(2026, 8, 31) in london and date(2026, 8, 31) not in new_york  # bank holiday
    assert date(2026, 11, 26) in new_york and date(2026, 11, 26) not in london  # Thanksgiving
    assert date(2026, 3, 8) in berlin  # International Women's Day: Berlin only in Germany
    assert demo.holidays_for("london, uk", (2026,)) == london  # BambooHR spelling varies
    # A location without a calendar of its own gets the default one (US, as the company
    # observes it: the day after Thanksgiving added, Columbus and Veterans Day worked).
    assert demo.holidays_for("Remote - US", (2026,)) == new_york
    assert date(2026, 11, 27) in new_york
    assert date(2026, 10, 12) not in new_york and date(2026, 11, 11) not in new_york
    # Removing a holiday by name also removes the weekday it is observed on.
    assert date(2028, 11, 10) not in demo.holidays_for("New York, NY", (2028,))


def test_company_wide_days_off_apply_everywhere() -> None:
    config = policy(
        """
time:
  holidays: [2026-12-24]
  holiday_calendars:
    "London, UK": {country: GB, subdivision: ENG, add: [2026-12-29], remove: [2026-12-28]}
"""
    )
    london = config.holidays_for("London, UK", (2026,))
    assert {date(2026, 12, 24), date(2026, 12, 29)} <= london
    assert date(2026, 12, 28) not in london  # Boxing Day (observed), worked
    assert config.holidays_for("Austin, TX", (2026,)) == {date(2026, 12, 24)}  # no default


def test_unknown_holiday_calendars_are_named_with_their_line() -> None:
    text = """
time:
  holiday_calendars:
    "London, UK": {country: ZZ}
    "Berlin, Germany": {country: DE, subdivision: BERLIN}
  default_holiday_calendar: {country: US, remove: [Columbus Dya]}
"""
    got = problems(text)
    assert len(got) == 3, got
    assert got[0].startswith(
        'config/policy.yaml:4: time.holiday_calendars["London, UK"]: unknown holiday country '
        "'ZZ' (ISO 3166-1 alpha-2"
    )
    assert got[1].startswith(
        'config/policy.yaml:5: time.holiday_calendars["Berlin, Germany"]: unknown subdivision '
        "'BERLIN' of DE (known: "
    )
    assert got[2] == (
        "config/policy.yaml:6: time.default_holiday_calendar: remove: no holiday named "
        "'Columbus Dya' in US (names as the holidays package gives them, e.g. 'Columbus Day')"
    )


def test_a_calendar_without_data_for_a_year_is_reported() -> None:
    # The holidays package has German holidays from 1990 on (reunification): none for 1980.
    assert demo.holiday_calendar_gaps(2027) == []
    [gap] = demo.holiday_calendar_gaps(1980)
    assert gap.startswith("time.holiday_calendars 'Berlin, Germany': the holidays package has")
    assert "DE-BE holidays for 1980" in gap
