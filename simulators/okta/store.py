"""The simulated Okta org: users, groups, memberships, the user schema, sent e-mails.

`OktaStore` is both what the HTTP routes act on and a Python API for the seed generator and
tests (which call it from other threads: every method takes the store's lock). Methods
raise `OktaError` with the code Okta would answer, so the routes only translate HTTP.

Records are kept in the public JSON shape of the API (`User`, `Group`), minus `_links`,
which depend on the URL a client used. Dicts handed out are copies.

Python API (the documented surface):
    create_user(profile, status="ACTIVE", user_type_id=None, created=None, *, password=None,
                group_ids=None, recovery_question=None, activation_email=False) -> dict
    get_user(id_or_login) -> dict | None            list_users() -> list[dict]
    update_user(user_id, profile=None, *, replace=False, credentials=None) -> dict
    set_status(user_id, status) -> dict             complete_activation(user_id) -> dict
    lifecycle(user_id, op, *, send_email=True) -> (dict, dict)
    revoke_sessions(user_id, oauth_tokens=False)    revocations(user_id) -> dict
    create_group(name, description=None, type="OKTA_GROUP") -> dict
    get_group(group_id) / find_group(name) -> dict | None       list_groups() -> list[dict]
    add_member(group_id, user_id) -> bool           remove_member(group_id, user_id) -> bool
    user_group_ids(user_id) -> list[str]            group_member_ids(group_id) -> list[str]
    add_schema_attribute(name, type="string", *, title=None, required=False, ...) -> dict
    remove_schema_attribute(name) -> bool           custom_attributes() -> dict
    outbox() -> list[dict]                          snapshot() -> dict / load(state)
    reset()                                         write_count, version (ints)
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from simulators.common.clock import SimClock
from simulators.okta import user_schema
from simulators.okta.behaviour import OktaBehaviour
from simulators.okta.errors import (
    OktaError,
    access_denied,
    not_allowed_in_status,
    not_found,
    validation_failed,
)
from simulators.okta.event_hooks import EventHookRegistry
from simulators.okta.ids import make_id, random_token
from simulators.okta.lifecycle import STATUSES, Op, next_status
from simulators.okta.syslog import DEFAULT_MAX_EVENTS, SystemLog, group_target, user_target
from simulators.okta.timefmt import okta_time

# Counts state changes made while serving one API request (set by the API layer), so the
# simulator can tell "writes" from "write attempts" without trusting each handler.
CURRENT_REQUEST_WRITES: ContextVar[list[int] | None] = ContextVar(
    "okta_sim_request_writes", default=None
)

EVERYONE = "Everyone"
MAX_GROUP_IDS_ON_CREATE = 20
_NO_PASSWORD_STATUSES = {"STAGED", "PROVISIONED"}

Page = tuple[list[dict[str, Any]], str | None]


class OktaStore:
    def __init__(
        self,
        clock: SimClock | None = None,
        *,
        org_url: str = "http://127.0.0.1",
        behaviour: OktaBehaviour | None = None,
        search_lag_seconds: float = 0.0,
        max_log_events: int = DEFAULT_MAX_EVENTS,
    ) -> None:
        self.clock = clock or SimClock()
        # Changes made through the API (not seeding) are logged; hooks hear of them.
        self.system_log = SystemLog(self.clock, max_log_events)
        self.event_hooks = EventHookRegistry(self.clock, on_change=self._changed)
        self.org_url = org_url.rstrip("/")
        self.behaviour = behaviour or OktaBehaviour()
        self._lock = threading.RLock()
        # Users the API token's admin role may not change the status of (403 E0000006).
        self.outside_admin_scope: set[str] = set()
        self._search_lag = float(search_lag_seconds)
        self.write_count = 0
        self.memberships_at_create = 0  # group memberships that came with a create call
        self.version = 0
        self._init_state()

    # --- bookkeeping -----------------------------------------------------------------------

    def _init_state(self) -> None:
        self._seq = 0
        self._users: dict[str, dict[str, Any]] = {}
        self._by_login: dict[str, str] = {}
        self._groups: dict[str, dict[str, Any]] = {}
        self._group_by_name: dict[str, str] = {}
        self._members: dict[str, dict[str, None]] = {}
        self._user_groups: dict[str, dict[str, None]] = {}
        self._custom: dict[str, dict[str, Any]] = {}
        self._outbox: list[dict[str, Any]] = []
        self._revocations: dict[str, dict[str, Any]] = {}
        self._history: dict[str, list[tuple[float, dict[str, Any]]]] = {}
        now = self._now()
        self._schema_id = make_id("osc", self._next_seq())
        self._user_type_id = make_id("oty", self._next_seq())
        self._schema_times = {"created": now, "lastUpdated": now}
        self._everyone_id = self._insert_group(
            EVERYONE, "All users in your organization", "BUILT_IN", now
        )

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _now(self) -> str:
        return okta_time(self.clock.now())

    def _changed(self) -> None:
        self.write_count += 1
        self.version += 1
        box = CURRENT_REQUEST_WRITES.get()
        if box is not None:
            box[0] += 1

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    @property
    def user_type_id(self) -> str:
        return self._user_type_id

    @property
    def schema_id(self) -> str:
        return self._schema_id

    @property
    def everyone_group_id(self) -> str:
        return self._everyone_id

    @property
    def search_lag_seconds(self) -> float:
        return self._search_lag

    @search_lag_seconds.setter
    def search_lag_seconds(self, seconds: float) -> None:
        with self._lock:
            self._search_lag = max(0.0, float(seconds))
            if not self._search_lag:
                self._history.clear()

    # --- users: reads ----------------------------------------------------------------------

    def _find_user(self, id_or_login: str) -> dict[str, Any] | None:
        user = self._users.get(id_or_login)
        if user is None:
            user_id = self._by_login.get(id_or_login.lower())
            user = self._users.get(user_id) if user_id else None
        return user

    def _require_user(self, id_or_login: str) -> dict[str, Any]:
        user = self._find_user(id_or_login)
        if user is None:
            raise not_found(id_or_login)
        return user

    def get_user(self, id_or_login: str) -> dict[str, Any] | None:
        """By id, or by login (case-insensitive). Always consistent (no search lag)."""
        with self._lock:
            user = self._find_user(id_or_login)
            return copy.deepcopy(user) if user else None

    def require_user(self, id_or_login: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._require_user(id_or_login))

    def list_users(self) -> list[dict[str, Any]]:
        """Every user, DEPROVISIONED included, in creation order."""
        with self._lock:
            return copy.deepcopy(list(self._users.values()))

    def user_count(self) -> int:
        return len(self._users)

    def etag(self, user: dict[str, Any]) -> str:
        return f'W/"{abs(hash((user["id"], user["lastUpdated"], user["status"]))):x}"'

    def page_users(
        self,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        *,
        search_view: bool = False,
        include_deprovisioned: bool = True,
        after: str | None = None,
        limit: int = 200,
        sort_by: str | None = None,
        descending: bool = False,
    ) -> Page:
        """One page of matching users and the cursor for the next page (None on the last).

        `search_view` reads the eventually consistent copy `search` and `q` see.
        """
        with self._lock:
            records: Iterable[dict[str, Any]] = (
                self._search_records() if search_view else self._users.values()
            )
            matches = (
                r
                for r in records
                if (include_deprovisioned or r["status"] != "DEPROVISIONED")
                and (predicate is None or predicate(r))
            )
            return _paginate(matches, after, limit, sort_by, descending)

    # --- eventual consistency of search ----------------------------------------------------

    def _before_change(self, user_id: str) -> None:
        if self._search_lag and user_id not in self._history and user_id in self._users:
            # The version search still sees is the one from before this write.
            self._history[user_id] = [(float("-inf"), copy.deepcopy(self._users[user_id]))]

    def _after_change(self, user_id: str, at: float | None = None) -> None:
        if self._search_lag:
            when = self.clock.time() if at is None else at
            self._history.setdefault(user_id, []).append(
                (when, copy.deepcopy(self._users[user_id]))
            )

    def _search_records(self) -> Iterator[dict[str, Any]]:
        if not self._history:
            yield from self._users.values()
            return
        cutoff = self.clock.time() - self._search_lag
        for user_id, record in list(self._users.items()):
            versions = self._history.get(user_id)
            if versions is None:
                yield record
                continue
            visible = None
            for when, version in versions:
                if when <= cutoff:
                    visible = version
                else:
                    break
            if versions[-1][0] <= cutoff:
                del self._history[user_id]  # caught up: search sees the current record
            if visible is not None:
                yield visible

    # --- users: writes ---------------------------------------------------------------------

    def _check_login_free(self, login: str, user_id: str | None = None) -> None:
        owner = self._by_login.get(login.lower())
        if owner is not None and owner != user_id:
            raise validation_failed(
                "login",
                "login: An object with this field already exists in the current organization",
            )

    def create_user(
        self,
        profile: dict[str, Any],
        status: str = "ACTIVE",
        user_type_id: str | None = None,
        created: datetime | None = None,
        *,
        password: bool | None = None,
        group_ids: list[str] | None = None,
        recovery_question: str | None = None,
        activation_email: bool = False,
    ) -> dict[str, Any]:
        """Create a user directly in `status` (seed data) or as the API does.

        `password` defaults to "has one" for every status but STAGED and PROVISIONED.
        `created` back-dates the user (all its timestamps; search sees it at once).
        `activation_email` records the welcome e-mail Okta sends (see `outbox()`).
        """
        if status not in STATUSES:
            raise validation_failed("status", f"status: must be one of {', '.join(STATUSES)}")
        with self._lock:
            cleaned = user_schema.validate_profile(profile, self._custom)
            self._check_login_free(cleaned["login"])
            if user_type_id is not None and user_type_id != self._user_type_id:
                raise validation_failed(
                    "type", f"type: The user type '{user_type_id}' was not found"
                )
            group_ids = list(dict.fromkeys(group_ids or []))
            if len(group_ids) > MAX_GROUP_IDS_ON_CREATE:
                raise OktaError(
                    400,
                    "E0000093",
                    "Target count limit exceeded",
                    ["The number of group targets is too large"],
                )
            for group_id in group_ids:
                group = self._groups.get(group_id)
                if group is None:
                    raise validation_failed("groupIds", f"groupIds: Group not found: {group_id}")
                if group["type"] != "OKTA_GROUP":
                    raise access_denied("Group memberships can only be changed for OKTA_GROUP")
            has_password = status not in _NO_PASSWORD_STATUSES if password is None else password
            at = created.timestamp() if created is not None else None
            when = okta_time(created) if created is not None else self._now()
            user_id = make_id("00u", self._next_seq())
            credentials: dict[str, Any] = {"provider": {"type": "OKTA", "name": "OKTA"}}
            if has_password:
                credentials["password"] = {}
            if recovery_question:
                credentials["recovery_question"] = {"question": recovery_question}
            activated = None if status == "STAGED" else when
            user = {
                "id": user_id,
                "status": status,
                "created": when,
                "activated": activated,
                "statusChanged": activated,
                "lastLogin": None,
                "lastUpdated": when,
                "passwordChanged": when if has_password else None,
                "type": {"id": self._user_type_id},
                "profile": cleaned,
                "credentials": credentials,
            }
            self._users[user_id] = user
            self._by_login[cleaned["login"].lower()] = user_id
            self._after_change(user_id, at)
            for group_id in group_ids:
                self._add_member(group_id, user_id, when)
            # Each of these would be one PUT /groups/{id}/users/{id} without groupIds.
            self.memberships_at_create += len(group_ids)
            if activation_email:
                self._send_activation(user, "activation", random_token(20))
            self._changed()
            target = user_target(user)
            self.system_log.record("user.lifecycle.create", [target])
            if status != "STAGED":  # created with activate=true
                self.system_log.record("user.lifecycle.activate", [target])
            for group_id in group_ids:
                self.system_log.record(
                    "group.user_membership.add", [target, group_target(self._groups[group_id])]
                )
            return copy.deepcopy(user)

    def update_user(
        self,
        user_id: str,
        profile: dict[str, Any] | None = None,
        *,
        replace: bool = False,
        credentials: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """POST semantics (merge; a null value unsets) or PUT semantics (`replace=True`)."""
        with self._lock:
            user = self._require_user(user_id)
            if (
                user["status"] == "DEPROVISIONED"
                and not self.behaviour.allow_deprovisioned_profile_update
            ):
                raise not_allowed_in_status()
            if profile is not None and not isinstance(profile, dict):
                raise validation_failed("profile", "profile: The field must be an object")
            new_profile = user["profile"]
            if profile is not None:
                merged = dict(profile) if replace else {**user["profile"], **profile}
                new_profile = user_schema.validate_profile(merged, self._custom)
                self._check_login_free(new_profile["login"], user["id"])
            password_set = bool(
                isinstance(credentials, dict)
                and isinstance(credentials.get("password"), dict)
                and credentials["password"].get("value")
            )
            question = (credentials or {}).get("recovery_question") if credentials else None
            if new_profile == user["profile"] and not password_set and not question:
                return copy.deepcopy(user)  # nothing changes: Okta answers 200 all the same
            self._before_change(user["id"])
            now = self._now()
            changed = sorted(
                name
                for name in {*new_profile, *user["profile"]}
                if new_profile.get(name) != user["profile"].get(name)
            )
            if new_profile != user["profile"]:
                old_login = user["profile"]["login"].lower()
                user["profile"] = new_profile
                if old_login != new_profile["login"].lower():
                    del self._by_login[old_login]
                    self._by_login[new_profile["login"].lower()] = user["id"]
            if password_set:
                user["credentials"]["password"] = {}
                user["passwordChanged"] = now
            if isinstance(question, dict) and question.get("question"):
                user["credentials"]["recovery_question"] = {"question": question["question"]}
            user["lastUpdated"] = now
            self._after_change(user["id"])
            self._changed()
            if changed:
                self.system_log.record(
                    "user.account.update_profile",
                    [user_target(user)],
                    {"changedAttributes": ",".join(changed)},
                )
            if password_set:
                self.system_log.record("user.account.update_password", [user_target(user)])
            return copy.deepcopy(user)

    def _set_status(self, user: dict[str, Any], status: str, now: str) -> None:
        self._before_change(user["id"])
        user["status"] = status
        user["statusChanged"] = now
        user["lastUpdated"] = now
        # Transitions complete before the answer; Okta omits the field when none is running
        # (a null would not even validate against the spec's enum).
        user.pop("transitioningToStatus", None)
        if status in {"ACTIVE", "PROVISIONED"} and user.get("activated") is None:
            user["activated"] = now
        self._after_change(user["id"])
        self._changed()

    def set_status(self, user_id: str, status: str) -> dict[str, Any]:
        """Force a status (tests, seed): no transition rules, no e-mail."""
        if status not in STATUSES:
            raise validation_failed("status", f"status: must be one of {', '.join(STATUSES)}")
        with self._lock:
            user = self._require_user(user_id)
            if user["status"] != status:
                self._set_status(user, status, self._now())
            return copy.deepcopy(user)

    def lifecycle(
        self, user_id: str, op: Op, *, send_email: bool = True
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply a lifecycle operation; return (user, UserActivationToken body)."""
        with self._lock:
            user = self._require_user(user_id)
            if user["id"] in self.outside_admin_scope:
                # A custom admin role whose resource set leaves this user out (another admin,
                # a VIP): Okta refuses every lifecycle operation on them.
                raise access_denied(f"The token's admin role may not {op.value} this user")
            has_password = "password" in user["credentials"]
            target = next_status(
                user["status"],
                op,
                has_password=has_password,
                user_id=user_id,
                deprovisioned_status=self.behaviour.deactivate_deprovisioned_status,
            )
            now = self._now()
            result: dict[str, Any] = {}
            self._before_change(user["id"])
            if op == Op.REACTIVATE:
                # Reactivation restarts the activation flow: any password is forgotten.
                user["credentials"].pop("password", None)
            if op == Op.COMPLETE_ACTIVATION:
                user["credentials"]["password"] = {}
                user["passwordChanged"] = now
            if op == Op.ACTIVATE:
                user["activated"] = None  # (re)activation stamps a new activation time
            self._set_status(user, target, now)
            if op in {Op.ACTIVATE, Op.REACTIVATE} and target == "PROVISIONED":
                token = random_token(20)
                if send_email:
                    self._send_activation(
                        user, "activation" if op == Op.ACTIVATE else "reactivation", token
                    )
                else:
                    result = {
                        "activationUrl": f"{self.org_url}/welcome/{token}",
                        "activationToken": token,
                    }
            if op != Op.COMPLETE_ACTIVATION:  # that one is the user's doing, not the API's
                self.system_log.record(f"user.lifecycle.{op.value}", [user_target(user)])
            return copy.deepcopy(user), result

    def complete_activation(self, user_id: str) -> dict[str, Any]:
        """The user followed the activation e-mail and set a password: PROVISIONED → ACTIVE."""
        return self.lifecycle(user_id, Op.COMPLETE_ACTIVATION)[0]

    def _send_activation(self, user: dict[str, Any], kind: str, token: str) -> None:
        self._outbox.append(
            {
                "id": f"msg{len(self._outbox) + 1}",
                "time": self._now(),
                "kind": kind,
                "userId": user["id"],
                "login": user["profile"]["login"],
                "to": user["profile"]["email"],
                "activationToken": token,
                "activationUrl": f"{self.org_url}/welcome/{token}",
            }
        )

    def send_activation_email(self, user_id: str, kind: str = "activation") -> None:
        with self._lock:
            user = self._require_user(user_id)
            self._send_activation(user, kind, random_token(20))
            self._changed()

    def outbox(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._outbox)

    def revoke_sessions(self, user_id: str, oauth_tokens: bool = False) -> None:
        with self._lock:
            user = self._require_user(user_id)
            entry = self._revocations.setdefault(
                user["id"], {"count": 0, "oauthTokens": 0, "last": None}
            )
            entry["count"] += 1
            entry["oauthTokens"] += 1 if oauth_tokens else 0
            entry["last"] = self._now()
            self._changed()

    def revocations(self, user_id: str | None = None) -> dict[str, Any]:
        """Session revocations per user id ({count, oauthTokens, last}); one user's or all."""
        with self._lock:
            if user_id is None:
                return copy.deepcopy(self._revocations)
            user = self._find_user(user_id)
            key = user["id"] if user else user_id
            return dict(self._revocations.get(key, {"count": 0, "oauthTokens": 0, "last": None}))

    # --- groups ----------------------------------------------------------------------------

    def _insert_group(self, name: str, description: str | None, type: str, now: str) -> str:
        group_id = make_id("00g", self._next_seq())
        profile: dict[str, Any] = {"name": name}
        if description is not None:
            profile["description"] = description
        self._groups[group_id] = {
            "id": group_id,
            "created": now,
            "lastUpdated": now,
            "lastMembershipUpdated": now,
            "objectClass": ["okta:user_group"],
            "type": type,
            "profile": profile,
        }
        if type != "APP_GROUP":
            self._group_by_name[name.lower()] = group_id
        self._members[group_id] = {}
        return group_id

    def create_group(
        self, name: str, description: str | None = None, type: str = "OKTA_GROUP"
    ) -> dict[str, Any]:
        if type not in {"OKTA_GROUP", "APP_GROUP", "BUILT_IN"}:
            raise validation_failed("type", "type: must be OKTA_GROUP, APP_GROUP or BUILT_IN")
        if not isinstance(name, str) or not name.strip():
            raise validation_failed("name", "name: The field cannot be left blank")
        if len(name) > 255:
            raise validation_failed("name", "name: The field cannot be longer than 255 characters")
        with self._lock:
            # Okta keeps names unique among the groups it owns; an APP_GROUP (imported from
            # AD, Google...) may carry the same name as an OKTA_GROUP.
            if type != "APP_GROUP" and name.lower() in self._group_by_name:
                raise validation_failed(
                    "name",
                    "name: An object with this field already exists in the current organization",
                )
            group_id = self._insert_group(name, description, type, self._now())
            self._changed()
            return copy.deepcopy(self._groups[group_id])

    def delete_group(self, group_id: str) -> None:
        """An admin deletes a group (its memberships go with it)."""
        with self._lock:
            group = self._groups.pop(group_id, None)
            if group is None:
                raise not_found(group_id, "Group")
            name = group["profile"]["name"].lower()
            if self._group_by_name.get(name) == group_id:
                del self._group_by_name[name]
            for user_id in self._members.pop(group_id, {}):
                self._user_groups.get(user_id, {}).pop(group_id, None)
            self._changed()

    def get_group(self, group_id: str) -> dict[str, Any] | None:
        with self._lock:
            group = self._groups.get(group_id)
            return copy.deepcopy(group) if group else None

    def require_group(self, group_id: str) -> dict[str, Any]:
        with self._lock:
            group = self._groups.get(group_id)
            if group is None:
                raise not_found(group_id, "UserGroup")
            return copy.deepcopy(group)

    def find_group(self, name: str) -> dict[str, Any] | None:
        """The group of that name, case-insensitively: the OKTA_GROUP (or built-in group) when
        there is one (those names are unique), else an imported APP_GROUP of that name."""
        with self._lock:
            group_id = self._group_by_name.get(name.lower())
            if group_id is None:  # else an imported group of that name, if any
                group_id = next(
                    (
                        gid
                        for gid, g in self._groups.items()
                        if g["profile"]["name"].lower() == name.lower()
                    ),
                    None,
                )
            return copy.deepcopy(self._groups[group_id]) if group_id else None

    def list_groups(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._groups.values()))

    def page_groups(
        self,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        *,
        after: str | None = None,
        limit: int = 10000,
        sort_by: str | None = None,
        descending: bool = False,
    ) -> Page:
        with self._lock:
            matches = (g for g in self._groups.values() if predicate is None or predicate(g))
            return _paginate(matches, after, limit, sort_by, descending)

    def member_count(self, group_id: str) -> int:
        with self._lock:
            if group_id == self._everyone_id:
                return len(self._users)
            return len(self._members.get(group_id, {}))

    def group_member_ids(self, group_id: str) -> list[str]:
        with self._lock:
            if group_id == self._everyone_id:
                return list(self._users)
            if group_id not in self._groups:
                raise not_found(group_id, "UserGroup")
            return list(self._members[group_id])

    def page_group_members(self, group_id: str, after: str | None, limit: int) -> Page:
        with self._lock:
            if group_id not in self._groups:
                raise not_found(group_id, "UserGroup")
            if group_id == self._everyone_id:
                users: Iterable[dict[str, Any]] = self._users.values()
            else:
                users = (self._users[u] for u in sorted(self._members[group_id]))
            return _paginate(users, after, limit, None, False)

    def user_group_ids(self, user_id: str) -> list[str]:
        """The user's groups, the built-in Everyone group first."""
        with self._lock:
            user = self._require_user(user_id)
            return [self._everyone_id, *self._user_groups.get(user["id"], {})]

    def user_groups(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(self._groups[g]) for g in self.user_group_ids(user_id)]

    def _add_member(self, group_id: str, user_id: str, now: str) -> None:
        self._members[group_id][user_id] = None
        self._user_groups.setdefault(user_id, {})[group_id] = None
        self._groups[group_id]["lastMembershipUpdated"] = now

    def _membership_target(
        self, group_id: str, user_id: str, okta_groups_only: bool
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        group = self._groups.get(group_id)
        if group is None:
            raise not_found(group_id, "UserGroup")
        user = self._require_user(user_id)
        if group_id == self._everyone_id or (okta_groups_only and group["type"] != "OKTA_GROUP"):
            # Okta: memberships of APP_GROUP (imports) and BUILT_IN groups are not writable.
            raise access_denied(
                f"Memberships can only be changed for groups of type OKTA_GROUP; "
                f"'{group['profile']['name']}' is {group['type']}"
            )
        return group, user

    def add_member(self, group_id: str, user_id: str, *, okta_groups_only: bool = False) -> bool:
        """Add; True when it changed anything (already a member: False)."""
        with self._lock:
            group, user = self._membership_target(group_id, user_id, okta_groups_only)
            if user["id"] in self._members[group_id]:
                return False  # already a member: no change, no event
            self._add_member(group_id, user["id"], self._now())
            self._changed()
            self.system_log.record(
                "group.user_membership.add", [user_target(user), group_target(group)]
            )
            return True

    def remove_member(self, group_id: str, user_id: str, *, okta_groups_only: bool = False) -> bool:
        """Remove; True when it changed anything (not a member: False)."""
        with self._lock:
            group, user = self._membership_target(group_id, user_id, okta_groups_only)
            if user["id"] not in self._members[group_id]:
                return False
            del self._members[group_id][user["id"]]
            self._user_groups.get(user["id"], {}).pop(group_id, None)
            group["lastMembershipUpdated"] = self._now()
            self._changed()
            self.system_log.record(
                "group.user_membership.remove", [user_target(user), group_target(group)]
            )
            return True

    # --- user schema -----------------------------------------------------------------------

    def custom_attributes(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._custom)

    def is_profile_attribute(self, name: str) -> bool:
        return name in user_schema.BASE_ATTRIBUTES or name in self._custom

    def add_schema_attribute(
        self,
        name: str,
        type: str = "string",
        *,
        title: str | None = None,
        required: bool = False,
        description: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Add (or redefine) a custom profile attribute. Idempotent."""
        definition = user_schema.custom_attribute(
            title or name, type, required=required, description=description, **extra
        )
        with self._lock:
            self._define(name, definition)
            return copy.deepcopy(self._custom[name])

    def _define(self, name: str, definition: dict[str, Any]) -> bool:
        user_schema.check_custom_name(name)
        if self._custom.get(name) == definition:
            return False
        self._custom[name] = definition
        self._schema_times["lastUpdated"] = self._now()
        self._changed()
        return True

    def remove_schema_attribute(self, name: str) -> bool:
        with self._lock:
            if name not in self._custom:
                return False
            del self._custom[name]
            for user in self._users.values():
                user["profile"].pop(name, None)
            self._schema_times["lastUpdated"] = self._now()
            self._changed()
            return True

    def update_schema(self, body: dict[str, Any]) -> None:
        """`POST /meta/schemas/user/default`: partial update of custom properties (null removes).

        Base properties allow only limited changes in Okta; the simulator accepts and ignores
        them.
        """
        custom = ((body.get("definitions") or {}).get("custom") or {}).get("properties") or {}
        if not isinstance(custom, dict):
            raise validation_failed(
                "definitions", "definitions.custom.properties: must be an object"
            )
        with self._lock:
            prepared: dict[str, dict[str, Any] | None] = {}
            for name, spec in custom.items():
                user_schema.check_custom_name(name)
                if spec is None:
                    prepared[name] = None
                    continue
                if not isinstance(spec, dict):
                    raise validation_failed(name, f"{name}: must be an object")
                spec = dict(spec)
                kind = spec.pop("type", None)
                title = spec.pop("title", None)
                if not title:
                    raise validation_failed(name, f"{name}: title: The field cannot be left blank")
                if kind is None:
                    raise validation_failed(name, f"{name}: type: The field cannot be left blank")
                required = bool(spec.pop("required", False))
                description = spec.pop("description", None)
                prepared[name] = user_schema.custom_attribute(
                    title, kind, required=required, description=description, **spec
                )
            for name, definition in prepared.items():
                if definition is None:
                    self.remove_schema_attribute(name)
                else:
                    self._define(name, definition)

    def schema(self, org_url: str | None = None) -> dict[str, Any]:
        with self._lock:
            return user_schema.schema_document(
                self._custom,
                schema_id=self._schema_id,
                org_url=(org_url or self.org_url).rstrip("/"),
                created=self._schema_times["created"],
                last_updated=self._schema_times["lastUpdated"],
            )

    # --- whole state -----------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The whole org as JSON-able data (for `/_sim/state` and persistence)."""
        with self._lock:
            return copy.deepcopy(
                {
                    "format": 1,
                    "seq": self._seq,
                    "schemaId": self._schema_id,
                    "userTypeId": self._user_type_id,
                    "everyoneGroupId": self._everyone_id,
                    "schemaTimes": self._schema_times,
                    "customSchema": self._custom,
                    "users": list(self._users.values()),
                    "groups": list(self._groups.values()),
                    "members": {g: list(m) for g, m in self._members.items() if m},
                    "outbox": self._outbox,
                    "revocations": self._revocations,
                    "writeCount": self.write_count,
                    "systemLog": self.system_log.snapshot(),
                    "eventHooks": self.event_hooks.snapshot(),
                }
            )

    def load(self, state: dict[str, Any]) -> None:
        """Replace the whole org with a `snapshot()`."""
        state = copy.deepcopy(state)
        with self._lock:
            self._init_state()
            self._seq = int(state["seq"])
            self._schema_id = state["schemaId"]
            self._user_type_id = state["userTypeId"]
            self._schema_times = state["schemaTimes"]
            self._custom = state.get("customSchema", {})
            self._groups = {}
            self._group_by_name = {}
            self._members = {}
            for group in sorted(state["groups"], key=lambda g: g["id"]):
                self._groups[group["id"]] = group
                if group["type"] != "APP_GROUP":
                    self._group_by_name[group["profile"]["name"].lower()] = group["id"]
                self._members[group["id"]] = {}
            self._everyone_id = state["everyoneGroupId"]
            for user in sorted(state["users"], key=lambda u: u["id"]):
                self._users[user["id"]] = user
                self._by_login[user["profile"]["login"].lower()] = user["id"]
            for group_id, members in state.get("members", {}).items():
                for user_id in members:
                    self._members[group_id][user_id] = None
                    self._user_groups.setdefault(user_id, {})[group_id] = None
            self._outbox = state.get("outbox", [])
            self._revocations = state.get("revocations", {})
            self.write_count = int(state.get("writeCount", 0))
            self.system_log.load(state.get("systemLog"))
            self.event_hooks.load(state.get("eventHooks"))
            self.version += 1

    def reset(self) -> None:
        """An empty org (only the Everyone group and the base schema)."""
        with self._lock:
            self._init_state()
            self.write_count = 0
            self.memberships_at_create = 0
            self.system_log.clear()
            self.event_hooks.load(None)
            self.version += 1


def _paginate(
    matches: Iterable[dict[str, Any]],
    after: str | None,
    limit: int,
    sort_by: str | None,
    descending: bool,
) -> Page:
    """Records are kept in id order (ids grow with creation), so `after` = last id seen."""
    if sort_by:
        parts = sort_by.split(".")

        def key(record: dict[str, Any]) -> tuple[Any, ...]:
            value: Any = record
            for part in parts:
                value = value.get(part) if isinstance(value, dict) else None
            text = "" if value is None else str(value).lower()
            return (value is None, text, record["id"])

        ordered = sorted(matches, key=key, reverse=descending)
        start = 0
        if after:
            ids = [r["id"] for r in ordered]
            start = ids.index(after) + 1 if after in ids else len(ids)
        window = ordered[start : start + limit + 1]
    else:
        window = []
        for record in matches:
            if after and record["id"] <= after:
                continue
            window.append(record)
            if len(window) > limit:
                break
    page = window[:limit]
    next_after = page[-1]["id"] if len(window) > limit and page else None
    return copy.deepcopy(page), next_after
