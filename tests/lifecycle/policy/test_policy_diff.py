from __future__ import annotations

from lifecycle.policy import group_changes, profile_changes


def test_only_differences_are_returned() -> None:
    desired = {"firstName": "Tess", "lastName": "Tester", "title": "Staff Engineer"}
    actual = {"firstName": "Tess", "lastName": "Tester", "title": "Engineer", "nickName": "T"}
    assert profile_changes(desired, actual) == {"title": "Staff Engineer"}


def test_missing_actual_attribute_is_a_change() -> None:
    assert profile_changes({"jobLevel": "Senior"}, {}) == {"jobLevel": "Senior"}


def test_emails_and_logins_compare_ignoring_case() -> None:
    desired = {
        "login": "Tess.Tester@acme.example",
        "email": "tess.tester@ACME.example",
        "secondEmail": "T@acme.example",
        "managerLogin": "BOSS@acme.example",
    }
    actual = {
        "login": "tess.tester@acme.example",
        "email": "tess.tester@acme.example",
        "secondEmail": "t@acme.example",
        "managerLogin": "boss@acme.example",
    }
    assert profile_changes(desired, actual) == {}


def test_other_attributes_compare_case_sensitively() -> None:
    assert profile_changes({"lastName": "McTester"}, {"lastName": "Mctester"}) == {
        "lastName": "McTester"
    }


def test_none_means_leave_alone_unless_cleared() -> None:
    desired = {"mobilePhone": None, "primaryPhone": None, "title": ""}
    actual = {"mobilePhone": "+1 555 0101", "primaryPhone": "+1 555 0199", "title": "Eng"}
    assert profile_changes(desired, actual) == {}
    assert profile_changes(desired, actual, clear={"mobilePhone"}) == {"mobilePhone": None}
    assert profile_changes(desired, {"mobilePhone": None}, clear={"mobilePhone"}) == {}


def test_numbers_from_okta_equal_their_text() -> None:
    assert profile_changes({"employeeNumber": "42"}, {"employeeNumber": 42}) == {}
    assert profile_changes({"employeeNumber": "43"}, {"employeeNumber": 42}) == {
        "employeeNumber": "43"
    }


def test_group_changes_are_sorted_and_managed_only() -> None:
    managed = {"A", "B", "C", "D"}
    to_add, to_remove = group_changes({"B", "A", "X"}, {"C", "B", "Everyone", "Y"}, managed)
    assert to_add == ["A"]
    assert to_remove == ["C"]


def test_group_changes_with_nothing_managed_do_nothing() -> None:
    assert group_changes({"A"}, {"B"}, set()) == ([], [])
