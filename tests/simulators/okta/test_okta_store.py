"""The store's Python API, as the seed generator and other tests use it (no HTTP)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from okta_testdata import profile

from simulators.common.clock import SimClock
from simulators.okta import OktaStore
from simulators.okta.errors import OktaError


@pytest.fixture
def store() -> OktaStore:
    clock = SimClock()
    clock.freeze(datetime(2026, 3, 2, tzinfo=UTC))
    return OktaStore(clock)


def test_seeded_users_in_any_status(store: OktaStore) -> None:
    when = datetime(2023, 5, 4, 3, 2, 1, 123456, tzinfo=UTC)
    active = store.create_user(profile(1), created=when)
    staged = store.create_user(profile(2), "STAGED")
    assert active["created"] == active["lastUpdated"] == "2023-05-04T03:02:01.123Z"
    assert active["credentials"]["password"] == {}
    assert "password" not in staged["credentials"] and staged["activated"] is None
    assert store.get_user("USER1@EXAMPLE.TEST") == active
    assert [u["id"] for u in store.list_users()] == [active["id"], staged["id"]]
    with pytest.raises(OktaError):
        store.create_user(profile(3), "HAPPY")


def test_returned_dicts_are_copies(store: OktaStore) -> None:
    user = store.create_user(profile(1))
    user["profile"]["login"] = "changed@example.test"
    assert store.get_user(user["id"])["profile"]["login"] == "user1@example.test"  # type: ignore[index]


def test_groups_and_memberships(store: OktaStore) -> None:
    group = store.create_group("Engineering", "Builders")
    user = store.create_user(profile(1))
    assert store.find_group("engineering") == group
    assert store.find_group("Nope") is None
    assert store.add_member(group["id"], user["id"]) is True
    assert store.add_member(group["id"], user["id"]) is False
    assert store.user_group_ids(user["id"]) == [store.everyone_group_id, group["id"]]
    assert store.remove_member(group["id"], user["id"]) is True
    assert store.remove_member(group["id"], user["id"]) is False
    with pytest.raises(OktaError):
        store.create_group("ENGINEERING")


def test_write_count_counts_state_changes_only(store: OktaStore) -> None:
    user = store.create_user(profile(1))
    before = store.write_count
    store.get_user(user["id"])
    store.update_user(user["id"], {"login": "user1@example.test"})
    store.set_status(user["id"], "ACTIVE")
    store.add_schema_attribute("bambooHrId")
    store.add_schema_attribute("bambooHrId")
    assert store.write_count == before + 1


def test_set_status_forces_any_status(store: OktaStore) -> None:
    user = store.create_user(profile(1))
    assert store.set_status(user["id"], "LOCKED_OUT")["status"] == "LOCKED_OUT"
    with pytest.raises(OktaError):
        store.set_status(user["id"], "GONE")


def test_safe_to_use_from_many_threads(store: OktaStore) -> None:
    group = store.create_group("All")

    def work(offset: int) -> None:
        for n in range(offset, offset + 100):
            user = store.create_user(profile(n))
            store.add_member(group["id"], user["id"])

    threads = [threading.Thread(target=work, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [u["id"] for u in store.list_users()]
    assert len(ids) == 400 and ids == sorted(ids)
    assert len(store.group_member_ids(group["id"])) == 400
