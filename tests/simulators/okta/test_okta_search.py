"""`search`, `filter` and `q` on users: the expression language, which users each one sees,
paging with Link headers, and the eventual consistency of search."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest
from okta_contract import assert_okta_error
from okta_testdata import profile

from simulators.common.clock import SimClock
from simulators.okta import OktaSimulator
from simulators.okta.errors import OktaError
from simulators.okta.search import USER_SEARCH, compile_expression, parse

# --- the expression language (no HTTP) ----------------------------------------------------


def matches(expression: str, record: dict) -> bool:
    return compile_expression(expression, USER_SEARCH)(record)


RECORD = {
    "id": "00u1",
    "status": "ACTIVE",
    "created": "2024-05-01T10:00:00.000Z",
    "type": {"id": "oty1"},
    "profile": {
        "login": "Ada.L@Example.test",
        "department": "R&D",
        "tags": ["a", "b"],
        "level": 3,
        "note": 'say "hi"',
    },
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('profile.login eq "ada.l@example.TEST"', True),
        ('PROFILE.login eq "x"', False),
        ('profile.login EQ "ADA.L@EXAMPLE.TEST"', True),
        ('profile.login sw "ada"', True),
        ('profile.login co "l@ex"', True),
        ('status eq "ACTIVE" and profile.department eq "r&d"', True),
        ('status eq "STAGED" or profile.department eq "R&D"', True),
        ('status eq "STAGED" or status eq "ACTIVE" and profile.department eq "none"', False),
        ('(status eq "STAGED" or status eq "ACTIVE") and profile.department eq "R&D"', True),
        ('profile.tags eq "b"', True),
        ("profile.level gt 2", True),
        ("profile.level le 2", False),
        ("profile.department pr", True),
        ("profile.city pr", False),
        ('profile.note eq "say \\"hi\\""', True),
        ('created lt "2024-06-01T00:00:00.000Z"', True),
        ('created gt "2024-05-01T10:00:00.000Z"', False),
        ('created ge "2024-05-01T10:00:00.000Z"', True),
        ('type.id eq "oty1"', True),
        ('status lt "STAGED" or status gt "STAGED"', True),
        ('id eq "00U1"', True),
    ],
)
def test_expression_semantics(expression: str, expected: bool) -> None:
    if expression.startswith("PROFILE."):
        with pytest.raises(OktaError):  # property names are case-sensitive
            matches(expression, RECORD)
        return
    assert matches(expression, RECORD) is expected


@pytest.mark.parametrize(
    "expression",
    [
        "",
        'profile.login eq "open',
        'profile.login ne "x"',
        'not status eq "ACTIVE"',
        'status eq "ACTIVE" and',
        'status eq "ACTIVE")',
        '(status eq "ACTIVE"',
        'status eq "ACTIVE" status eq "STAGED"',
        "status eq",
        'profile.department co "R"',
        'created gt "yesterday"',
        'unknownTop eq "x"',
    ],
)
def test_invalid_expressions_raise_e0000031(expression: str) -> None:
    with pytest.raises(OktaError) as caught:
        compile_expression(expression, USER_SEARCH)
    assert (caught.value.status, caught.value.code) == (400, "E0000031")


def test_deep_nesting_parses() -> None:
    text = "(" * 50 + 'status eq "ACTIVE"' + ")" * 50
    assert parse(text) is not None


# --- over HTTP ----------------------------------------------------------------------------


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [u["id"] for u in response.json()]


@pytest.fixture
def people(sim: OktaSimulator) -> dict[str, dict]:
    sim.store.add_schema_attribute("bambooHrId")
    s = sim.store
    return {
        "active": s.create_user(profile(1, bambooHrId="101", department="Engineering")),
        "suspended": s.create_user(
            profile(2, bambooHrId="102", department="Engineering"), "SUSPENDED"
        ),
        "gone": s.create_user(
            profile(3, bambooHrId="103", department="Engineering"), "DEPROVISIONED"
        ),
        "staged": s.create_user(
            profile(4, bambooHrId="104", department="Sales"),
            "STAGED",
            created=datetime(2020, 1, 1, tzinfo=UTC),
        ),
    }


def test_search_custom_attribute_and_includes_deprovisioned(
    okta: httpx.Client, people: dict[str, dict]
) -> None:
    found = okta.get("/api/v1/users", params={"search": 'profile.bambooHrId eq "103"'})
    assert ids(found) == [people["gone"]["id"]]
    expression = (
        'profile.department eq "engineering" and (status eq "ACTIVE" or status eq "DEPROVISIONED")'
    )
    found = okta.get("/api/v1/users", params={"search": expression})
    assert ids(found) == [people["active"]["id"], people["gone"]["id"]]
    old = okta.get("/api/v1/users", params={"search": 'created lt "2021-01-01T00:00:00.000Z"'})
    assert ids(old) == [people["staged"]["id"]]


def test_search_errors_are_400_e0000031(okta: httpx.Client, people: dict[str, dict]) -> None:
    for expression in ['profile.nothing eq "x"', "profile.login eq", 'profile.city co "x"']:
        response = okta.get("/api/v1/users", params={"search": expression})
        assert response.status_code == 400
        assert_okta_error(response, "E0000031")


def test_listing_without_query_omits_deprovisioned(
    okta: httpx.Client, people: dict[str, dict]
) -> None:
    assert people["gone"]["id"] not in ids(okta.get("/api/v1/users"))
    assert len(ids(okta.get("/api/v1/users"))) == 3


def test_filter_supports_only_its_subset(okta: httpx.Client, people: dict[str, dict]) -> None:
    gone = okta.get("/api/v1/users", params={"filter": 'status eq "DEPROVISIONED"'})
    assert ids(gone) == [people["gone"]["id"]]
    by_login = okta.get(
        "/api/v1/users",
        params={
            "filter": 'profile.login eq "user2@example.test"'
            ' or profile.login eq "user4@example.test"'
        },
    )
    assert ids(by_login) == [people["suspended"]["id"], people["staged"]["id"]]
    recent = okta.get(
        "/api/v1/users", params={"filter": 'lastUpdated gt "2025-01-01T00:00:00.000Z"'}
    )
    assert len(ids(recent)) == 3
    for expression in [
        'profile.department eq "Sales"',
        'profile.login sw "user"',
        'status gt "A"',
        "profile.login pr",
    ]:
        response = okta.get("/api/v1/users", params={"filter": expression})
        assert_okta_error(response, "E0000031")


def test_q_prefix_matches_names_and_email_and_omits_deprovisioned(
    okta: httpx.Client, people: dict[str, dict]
) -> None:
    assert ids(okta.get("/api/v1/users", params={"q": "first2"})) == [people["suspended"]["id"]]
    assert ids(okta.get("/api/v1/users", params={"q": "LAST1"})) == [people["active"]["id"]]
    assert ids(okta.get("/api/v1/users", params={"q": "user3"})) == []  # DEPROVISIONED
    assert len(ids(okta.get("/api/v1/users", params={"q": "user"}))) == 3


def test_q_defaults_to_10_results_and_is_not_paged(okta: httpx.Client, sim: OktaSimulator) -> None:
    for n in range(15):
        sim.store.create_user(profile(n))
    response = okta.get("/api/v1/users", params={"q": "user"})
    assert len(response.json()) == 10
    assert "next" not in response.links


def test_sort_by_for_search(okta: httpx.Client, sim: OktaSimulator) -> None:
    for n, name in enumerate(["Moss", "Adams", "Zeta"]):
        sim.store.create_user(profile(n, lastName=name))
    response = okta.get(
        "/api/v1/users",
        params={"search": "profile.lastName pr", "sortBy": "profile.lastName", "sortOrder": "desc"},
    )
    assert [u["profile"]["lastName"] for u in response.json()] == ["Zeta", "Moss", "Adams"]


@pytest.mark.parametrize(
    "query", [{}, {"search": 'profile.department eq "Ops"'}, {"filter": 'status eq "ACTIVE"'}]
)
def test_paging_follows_link_headers_to_the_end(
    okta: httpx.Client, sim: OktaSimulator, query: dict[str, str]
) -> None:
    created = [sim.store.create_user(profile(n, department="Ops"))["id"] for n in range(450)]
    seen: list[str] = []
    pages = []
    response = okta.get("/api/v1/users", params={**query, "limit": "200"})
    while True:
        pages.append(len(response.json()))
        seen += ids(response)
        links = response.links
        assert links["self"]["url"].startswith(str(okta.base_url).rstrip("/") + "/api/v1/users")
        if "next" not in links:
            break
        assert "after=" in links["next"]["url"]
        response = okta.get(links["next"]["url"])
    assert pages == [200, 200, 50]
    assert seen == created


def test_limit_is_capped_at_200(okta: httpx.Client, sim: OktaSimulator) -> None:
    for n in range(205):
        sim.store.create_user(profile(n))
    response = okta.get("/api/v1/users", params={"limit": "1000"})
    assert len(response.json()) == 200 and "next" in response.links
    assert len(okta.get("/api/v1/users").json()) == 200
    assert_okta_error(okta.get("/api/v1/users", params={"limit": "many"}), "E0000001")


def test_search_lag_hides_new_and_changed_users_until_the_clock_moves(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator, clock: SimClock
) -> None:
    assert anon.put("/_sim/search-lag", json={"seconds": 5}).json() == {"seconds": 5.0}
    user = okta.post("/api/v1/users", json={"profile": profile(1, title="Dev")}).json()
    by_login = {"search": 'profile.login eq "user1@example.test"'}
    assert ids(okta.get("/api/v1/users", params=by_login)) == []
    assert ids(okta.get("/api/v1/users", params={"q": "first1"})) == []
    assert okta.get(f"/api/v1/users/{user['id']}").status_code == 200  # by id: consistent
    assert ids(
        okta.get("/api/v1/users", params={"filter": 'profile.login eq "user1@example.test"'})
    ) == [user["id"]]
    clock.advance(5)
    assert ids(okta.get("/api/v1/users", params=by_login)) == [user["id"]]

    okta.post(f"/api/v1/users/{user['id']}", json={"profile": {"title": "Lead"}})
    stale = okta.get("/api/v1/users", params={"search": 'profile.title eq "Lead"'})
    assert ids(stale) == []
    old = okta.get("/api/v1/users", params={"search": 'profile.title eq "Dev"'})
    assert ids(old) == [user["id"]], "search still sees the version before the write"
    clock.advance(4.9)
    assert ids(okta.get("/api/v1/users", params={"search": 'profile.title eq "Lead"'})) == []
    clock.advance(0.1)
    assert ids(okta.get("/api/v1/users", params={"search": 'profile.title eq "Lead"'})) == [
        user["id"]
    ]
    assert ids(okta.get("/api/v1/users", params={"search": 'profile.title eq "Dev"'})) == []


def test_search_over_ten_thousand_users_is_fast(okta: httpx.Client, sim: OktaSimulator) -> None:
    sim.store.add_schema_attribute("bambooHrId")
    for n in range(10_000):
        sim.store.create_user(profile(n, bambooHrId=str(n)))
    started = time.perf_counter()
    for n in (5, 5000, 9999):
        found = okta.get("/api/v1/users", params={"search": f'profile.bambooHrId eq "{n}"'})
        assert len(found.json()) == 1
    assert time.perf_counter() - started < 2.0
