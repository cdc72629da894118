"""Login claims (identity.generate_login): one login per employee, one employee per login,
claimed atomically so two workflows choosing at once never get the same login."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from integrations.audit import AuditStore


def test_a_claim_is_kept_and_repeated_claims_return_it(store: AuditStore) -> None:
    assert store.login_claim("1") is None
    assert store.claim_login("Jose.Nunez@acme.example", "1") == "jose.nunez@acme.example"
    assert store.claim_login("jose.nunez@acme.example", "1") == "jose.nunez@acme.example"
    # An employee keeps their first claim: a second login is not taken for them.
    assert store.claim_login("jose.nunez.2@acme.example", "1") == "jose.nunez@acme.example"
    assert store.login_owner("JOSE.NUNEZ@acme.example") == "1"
    assert store.login_owner("jose.nunez.2@acme.example") is None


def test_a_login_has_one_employee(store: AuditStore) -> None:
    assert store.claim_login("jose.nunez@acme.example", "1") == "jose.nunez@acme.example"
    assert store.claim_login("jose.nunez@acme.example", "2") is None
    assert store.claim_login("jose.nunez.2@acme.example", "2") == "jose.nunez.2@acme.example"


def test_concurrent_claims_give_the_login_to_one(store: AuditStore) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda e: store.claim_login("ada.quill@acme.example", str(e)), range(8))
        )
    winners = [r for r in results if r is not None]
    assert winners == ["ada.quill@acme.example"]


async def test_every_claim_is_read_in_one_go(store: AuditStore) -> None:
    assert store.login_claims() == {}
    store.claim_login("Jose.Nunez@acme.example", "1")
    store.claim_login("jose.nunez.2@acme.example", "2")
    store.claim_login("ada.quill@acme.example", "10")
    everyone = {
        "1": "jose.nunez@acme.example",
        "2": "jose.nunez.2@acme.example",
        "10": "ada.quill@acme.example",
    }
    assert store.login_claims() == everyone
    # Some employees only (unknown ids have no claim); more ids than one statement binds.
    many = [str(n) for n in range(3, 2000)]
    assert store.login_claims(["2", "10", "99", *many]) == {
        "2": "jose.nunez.2@acme.example",
        "10": "ada.quill@acme.example",
    }
    assert store.login_claims([]) == {}
    assert await store.alogin_claims() == everyone
    assert await store.alogin_claims(iter(["1"])) == {"1": "jose.nunez@acme.example"}
