"""The Okta activities: each one reads Okta first and converges it to what the employee's
workflow wants, so running it twice (or after a lost answer) ends in the same state.

One `OktaActivities` per worker process holds the shared `OktaClient` (and through it the
process's rate-limit governor) and the `GroupCache`. In dry-run mode reads still happen and
every write is returned (and audited) as a `PlannedRequest` instead of being sent.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractContextManager
from functools import partial
from typing import Any
from urllib.parse import urlencode

from temporalio import activity

from activities.okta.errors import temporal_errors
from activities.okta.groups import GroupCache
from activities.okta.matching import Candidates, account, is_ours
from activities.okta.profiles import profile_changes
from activities.okta.writes import WriteLog
from contracts.activities import (
    Activity,
    EnsureOktaSchemaInput,
    EnsureOktaSchemaResult,
    EnsureOktaUserInput,
    EnsureOktaUserResult,
    FindOktaUserInput,
    FindOktaUserResult,
    PlannedRequest,
    RevokeOktaSessionsInput,
    RevokeOktaSessionsResult,
    SendOktaActivationInput,
    SendOktaActivationResult,
    SetOktaStatusInput,
    SetOktaStatusResult,
    SyncManagedGroupsInput,
    SyncManagedGroupsResult,
    UpdateOktaProfileInput,
    UpdateOktaProfileResult,
)
from integrations.audit import AuditStore
from integrations.okta.client import OktaClient, segment
from integrations.okta.errors import (
    OktaConflict,
    OktaError,
    OktaInvalidTransition,
    OktaNotFound,
    OktaValidationError,
    is_duplicate_login,
    is_membership_noop,
    is_unknown_group,
)
from integrations.okta.expressions import profile_eq
from integrations.okta.models import (
    OKTA_GROUP,
    OktaGroup,
    OktaUser,
    SchemaAttribute,
    custom_properties,
)
from lifecycle.models import AccountStatus, ReviewCode, ReviewReason
from lifecycle.okta_status import DEPROVISIONED, PROVISIONED, decide
from lifecycle.settings import Mode

log = logging.getLogger(__name__)

SYSTEM = "system"  # the audit "employee" of org-wide changes (the user schema)
_STATUS_ACTIONS = frozenset(
    {"okta.user.activate", "okta.user.unsuspend", "okta.user.suspend", "okta.user.deactivate"}
)
_TRANSITION_ROUNDS = 3  # read-decide-write rounds when the status moves under us


def _path(path: str, **params: str) -> str:
    return f"{path}?{urlencode(params)}" if params else path


class OktaActivities:
    def __init__(
        self,
        client: OktaClient,
        audit: AuditStore | None,
        mode: Mode,
        bamboo_id_attribute: str = "bambooHrId",
    ) -> None:
        self.client = client
        self.audit = audit
        self.mode = mode
        self.attribute = bamboo_id_attribute
        self.groups = GroupCache(client)

    def _log(self, employee_id: str) -> WriteLog:
        return WriteLog(self.audit, self.mode, employee_id)

    def _errors(self) -> AbstractContextManager[None]:
        return temporal_errors(self.client.governor.now)

    async def _require(self, user_id: str) -> OktaUser:
        user = await self.client.get_user(user_id)
        if user is None:
            raise OktaNotFound(
                f"GET /api/v1/users/{segment(user_id)}: 404 no such user",
                method="GET",
                path=f"/api/v1/users/{segment(user_id)}",
                status=404,
            )
        return user

    # --- find -------------------------------------------------------------------------------
    @activity.defn(name=Activity.FIND_OKTA_USER)
    async def find_okta_user(self, input: FindOktaUserInput) -> FindOktaUserResult:
        with self._errors():
            return await self._find(input)

    async def _find(self, input: FindOktaUserInput) -> FindOktaUserResult:
        found = Candidates(self.attribute)
        by_id = await self.client.search_users(profile_eq(self.attribute, input.employee_id))
        found.add(
            "bambooHrId",
            [u for u in by_id if str(u.profile.get(self.attribute) or "") == input.employee_id],
        )
        if input.employee_number:
            number = input.employee_number.strip()
            by_number = await self.client.search_users(profile_eq("employeeNumber", number))
            found.add(
                "employeeNumber",
                [u for u in by_number if str(u.profile.get("employeeNumber") or "") == number],
            )
        if input.login:
            user = await self.client.get_user(input.login)
            if user is not None and user.login.lower() == input.login.lower():
                found.add("login", [user])
        if input.email:
            email = input.email.strip().lower()
            by_email = await self.client.search_users(profile_eq("email", email))
            found.add("email", [u for u in by_email if (u.email or "").lower() == email])
        return FindOktaUserResult(candidates=found.ranked())

    # --- ensure -----------------------------------------------------------------------------
    @activity.defn(name=Activity.ENSURE_OKTA_USER)
    async def ensure_okta_user(self, input: EnsureOktaUserInput) -> EnsureOktaUserResult:
        with self._errors():
            return await self._ensure(input)

    def _ours(self, user: OktaUser, input: EnsureOktaUserInput) -> bool:
        return is_ours(
            user,
            attribute=self.attribute,
            employee_id=input.employee_id,
            employee_number=input.employee_number,
        )

    def _conflict(self, user: OktaUser, login: str) -> EnsureOktaUserResult:
        owner = str(user.profile.get(self.attribute) or "") or "none"
        return EnsureOktaUserResult(
            review=ReviewReason(
                code=ReviewCode.EMAIL_CONFLICT,
                field="workEmail",
                message=f"the login {login} already belongs to Okta user {user.id} "
                f"({self.attribute}: {owner}), which is not this employee's account; "
                "nothing was created",
            )
        )

    async def _adopt(self, wlog: WriteLog, user: OktaUser, login: str) -> EnsureOktaUserResult:
        found = account(user, self.attribute)
        await wlog.recover({"okta.user.create"}, login, after=found)
        return EnsureOktaUserResult(account=found, adopted=True)

    async def _ensure(self, input: EnsureOktaUserInput) -> EnsureOktaUserResult:
        wlog = self._log(input.employee_id)
        if input.known_user_id:
            known = await self.client.get_user(input.known_user_id)
            if known is not None:
                return EnsureOktaUserResult(account=account(known, self.attribute))
            log.warning(
                "employee %s: Okta user %s is gone; looking for the account again",
                input.employee_id,
                input.known_user_id,
            )
        login = input.login.strip()
        if not login:
            return EnsureOktaUserResult(
                review=ReviewReason(
                    code=ReviewCode.NO_WORK_EMAIL,
                    field="workEmail",
                    message="no login (work e-mail) to create the Okta account with",
                )
            )
        # GET by login is strongly consistent; search may not show a user created moments ago.
        by_login = await self.client.get_user(login)
        by_id = await self.client.search_users(profile_eq(self.attribute, input.employee_id))
        ours = {u.id: u for u in by_id if self._ours(u, input)}
        if by_login is not None and self._ours(by_login, input):
            ours.setdefault(by_login.id, by_login)
        if len(ours) > 1:
            logins = ", ".join(sorted(u.login for u in ours.values()))
            return EnsureOktaUserResult(
                review=ReviewReason(
                    code=ReviewCode.AMBIGUOUS_MATCH,
                    message=f"several Okta accounts carry {self.attribute} "
                    f"{input.employee_id}: {logins}",
                )
            )
        if ours:
            return await self._adopt(wlog, next(iter(ours.values())), login)
        if by_login is not None:
            return self._conflict(by_login, login)

        profile = {**input.profile, "login": login, self.attribute: input.employee_id}
        # The account comes with its managed groups (one call, not one per group); a group
        # that cannot be resolved here is left to sync_managed_groups, which reports it.
        groups = [g for g in [await self._resolve_writable(n) for n in input.groups] if g]
        body: dict[str, Any] = {"profile": profile}
        if groups:
            body["groupIds"] = [g.id for g in groups]
        request = PlannedRequest(
            method="POST", path=_path("/api/v1/users", activate="false"), body=body
        )
        after: dict[str, Any] = {"profile": profile, "status": "STAGED"}
        if groups:
            after["groups"] = [g.name for g in groups]
        try:
            sent, created = await wlog.write(
                "okta.user.create",
                login,
                request,
                lambda: self.client.create_user(
                    profile, activate=False, group_ids=body.get("groupIds")
                ),
                after=after,
                handled=lambda e: is_duplicate_login(e) or (bool(groups) and is_unknown_group(e)),
            )
        except OktaValidationError as error:
            if groups and is_unknown_group(error):
                # A group deleted since we cached it: create without groups this time;
                # sync_managed_groups finds (or reports) each group afresh.
                for group in groups:
                    self.groups.forget(group.name)
                return await self._ensure(input.model_copy(update={"groups": []}))
            if not is_duplicate_login(error):
                raise
            # Another attempt (or a concurrent call) created it first: whose is it?
            again = await self.client.get_user(login)
            if again is None:
                raise OktaConflict(
                    f"{error.message}; but no user with that login can be read yet",
                    method=error.method,
                    path=error.path,
                    status=error.status,
                    error_code=error.error_code,
                ) from None
            if self._ours(again, input):
                return await self._adopt(wlog, again, login)
            return self._conflict(again, login)
        if not sent:
            return EnsureOktaUserResult(planned=wlog.planned)
        assert created is not None
        return EnsureOktaUserResult(account=account(created, self.attribute), created=True)

    # --- profile ----------------------------------------------------------------------------
    @activity.defn(name=Activity.UPDATE_OKTA_PROFILE)
    async def update_okta_profile(self, input: UpdateOktaProfileInput) -> UpdateOktaProfileResult:
        with self._errors():
            return await self._update_profile(input)

    async def _update_profile(self, input: UpdateOktaProfileInput) -> UpdateOktaProfileResult:
        wlog = self._log(input.employee_id)
        user = await self._require(input.user_id)
        skipped = UpdateOktaProfileResult(
            skipped_reason="the account is DEPROVISIONED: Okta refuses profile changes until "
            "it is activated again"
        )
        if user.effective_status == DEPROVISIONED:
            return skipped
        changes = profile_changes(user.profile, input.profile)
        if not changes:
            await wlog.recover({"okta.profile.update"}, user.id, after=None)
            return UpdateOktaProfileResult()
        body = {"profile": {name: change.after for name, change in changes.items()}}
        request = PlannedRequest(method="POST", path=f"/api/v1/users/{user.id}", body=body)
        before = {name: change.before for name, change in changes.items()}
        try:
            await wlog.write(
                "okta.profile.update",
                user.id,
                request,
                lambda: self.client.update_profile(user.id, body["profile"]),
                before=before,
                after=body["profile"],
                handled=lambda error: isinstance(error, OktaInvalidTransition),
            )
        except OktaInvalidTransition:
            # Deactivated between our read and the write (403 E0000038).
            again = await self._require(user.id)
            if again.effective_status == DEPROVISIONED:
                return skipped
            raise
        return UpdateOktaProfileResult(changes=changes, planned=wlog.planned)

    # --- status -----------------------------------------------------------------------------
    @activity.defn(name=Activity.SET_OKTA_STATUS)
    async def set_okta_status(self, input: SetOktaStatusInput) -> SetOktaStatusResult:
        with self._errors():
            return await self._set_status(input)

    async def _protection(
        self, input: SetOktaStatusInput, user: OktaUser, groups: list[OktaGroup] | None
    ) -> str | None:
        if input.protected:
            return f"protected account {user.login}: automation never suspends or deactivates it"
        if not input.protected_groups:
            return None
        wanted = {name.lower() for name in input.protected_groups}
        if groups is None:
            groups = await self.client.user_groups(user.id)
        hits = sorted(g.name for g in groups if g.name.lower() in wanted)
        if hits:
            return f"protected account {user.login}: member of {', '.join(hits)}"
        return None

    async def _set_status(self, input: SetOktaStatusInput) -> SetOktaStatusResult:
        wlog = self._log(input.employee_id)
        last_error: OktaError | None = None
        for round_ in range(_TRANSITION_ROUNDS):
            if round_ == 0 and _protection_check_likely(input):
                user, groups = await self._user_and_groups(input.user_id)
            else:
                user, groups = await self._require(input.user_id), None
            current = user.effective_status
            decision = decide(current, input.target)
            if decision.reached:
                recovered = await wlog.recover(_STATUS_ACTIONS, user.id, after={"status": current})
                # An earlier attempt of this execution sent the change and lost the answer:
                # report the operation as this execution's, so the workflow announces it.
                done = [recovered.action.removeprefix("okta.user.")] if recovered else []
                prior = recovered.before if recovered else None
                status_before = prior.get("status") if isinstance(prior, dict) else None
                before = status_before if isinstance(status_before, str) else current
                return SetOktaStatusResult(
                    before=before,
                    after=current,
                    operations=done,
                    activation_email_due=_email_later(input, before, done),
                )
            if decision.operation is None:
                return SetOktaStatusResult(
                    before=current, after=current, not_applicable=decision.not_applicable
                )
            operation = decision.operation
            action = f"okta.user.{operation}"
            email_now = input.send_activation_email and not _email_later(
                input, current, [operation]
            )
            params = (
                {"sendEmail": "true" if email_now else "false"} if operation == "activate" else {}
            )
            request = PlannedRequest(
                method="POST",
                path=_path(f"/api/v1/users/{user.id}/lifecycle/{operation}", **params),
            )
            if input.target in (AccountStatus.SUSPENDED, AccountStatus.DEPROVISIONED):
                reason = await self._protection(input, user, groups)
                if reason is not None:
                    await wlog.held(
                        action, user.id, before={"status": current}, reason=reason, request=request
                    )
                    return SetOktaStatusResult(
                        before=current, after=current, held=True, held_reason=reason
                    )
            detail = {"reason": input.reason} if input.reason else None
            try:
                sent, _ = await wlog.write(
                    action,
                    user.id,
                    request,
                    partial(self._lifecycle, operation, user.id, email_now),
                    before={"status": current},
                    after={"status": decision.expected},
                    detail=detail,
                    handled=lambda error: isinstance(error, OktaInvalidTransition | OktaNotFound),
                )
            except (OktaInvalidTransition, OktaNotFound) as error:
                # The status moved between our read and the call (or deactivating an
                # already deprovisioned user answered 404): read again and decide again.
                last_error = error
                continue
            email_later = _email_later(input, current, [operation])
            if not sent:
                return SetOktaStatusResult(
                    before=current,
                    after=decision.expected or current,
                    operations=[operation],
                    planned=wlog.planned,
                    activation_email_due=email_later,
                )
            after = await self.client.get_user(user.id)
            return SetOktaStatusResult(
                before=current,
                after=after.effective_status if after else (decision.expected or current),
                operations=[operation],
                activation_email_due=email_later,
            )
        assert last_error is not None
        raise last_error

    async def _user_and_groups(self, user_id: str) -> tuple[OktaUser, list[OktaGroup]]:
        """The account and its groups, read at once; the account's error comes first (a
        missing user is "not found", whatever the groups read said)."""
        user, groups = await asyncio.gather(
            self._require(user_id), self.client.user_groups(user_id), return_exceptions=True
        )
        for answer in (user, groups):
            if isinstance(answer, BaseException):
                raise answer
        return user, groups  # type: ignore[return-value]

    async def _lifecycle(self, operation: str, user_id: str, send_email: bool) -> None:
        if operation == "activate":
            # With sendEmail=false Okta answers the activation link: deliberately dropped.
            await self.client.activate(user_id, send_email=send_email)
        elif operation == "unsuspend":
            await self.client.unsuspend(user_id)
        elif operation == "suspend":
            await self.client.suspend(user_id)
        elif operation == "deactivate":
            await self.client.deactivate(user_id)
        else:  # pragma: no cover - decide() returns only the four above
            raise ValueError(operation)

    @activity.defn(name=Activity.SEND_OKTA_ACTIVATION)
    async def send_okta_activation(
        self, input: SendOktaActivationInput
    ) -> SendOktaActivationResult:
        """The activation e-mail of a rehired account, sent to the address its profile holds
        now (Okta's reactivate, valid while the account waits for activation)."""
        with self._errors():
            wlog = self._log(input.employee_id)
            if await wlog.recover({"okta.user.reactivate"}, input.user_id):
                return SendOktaActivationResult(sent=True)  # an earlier attempt sent it
            user = await self._require(input.user_id)
            if user.effective_status != PROVISIONED:
                return SendOktaActivationResult(sent=False)  # already activated meanwhile
            request = PlannedRequest(
                method="POST",
                path=_path(f"/api/v1/users/{user.id}/lifecycle/reactivate", sendEmail="true"),
            )
            sent, _ = await wlog.write(
                "okta.user.reactivate",
                user.id,
                request,
                lambda: self.client.reactivate(user.id, send_email=True),
                before={"status": PROVISIONED},
                after={"status": PROVISIONED},
            )
            return SendOktaActivationResult(sent=sent, planned=wlog.planned)

    # --- sessions ---------------------------------------------------------------------------
    @activity.defn(name=Activity.REVOKE_OKTA_SESSIONS)
    async def revoke_okta_sessions(
        self, input: RevokeOktaSessionsInput
    ) -> RevokeOktaSessionsResult:
        with self._errors():
            wlog = self._log(input.employee_id)
            oauth = "true" if input.oauth_tokens else "false"
            request = PlannedRequest(
                method="DELETE",
                path=_path(f"/api/v1/users/{segment(input.user_id)}/sessions", oauthTokens=oauth),
            )
            sent, _ = await wlog.write(
                "okta.sessions.revoke",
                input.user_id,
                request,
                lambda: self.client.revoke_sessions(input.user_id, oauth_tokens=input.oauth_tokens),
                after={"oauthTokens": input.oauth_tokens},
            )
            return RevokeOktaSessionsResult(revoked=sent, planned=wlog.planned)

    # --- groups -----------------------------------------------------------------------------
    @activity.defn(name=Activity.SYNC_MANAGED_GROUPS)
    async def sync_managed_groups(self, input: SyncManagedGroupsInput) -> SyncManagedGroupsResult:
        with self._errors():
            return await self._sync_groups(input)

    async def _sync_groups(self, input: SyncManagedGroupsInput) -> SyncManagedGroupsResult:
        wlog = self._log(input.employee_id)
        managed = {name.lower() for name in input.managed}
        desired: dict[str, str] = {}
        for name in input.desired:
            if name.lower() in managed:
                desired.setdefault(name.lower(), name)
            else:
                log.warning(
                    "employee %s: group %r is desired but not managed; left alone",
                    input.employee_id,
                    name,
                )
        # Only OKTA_GROUPs can be managed memberships: an APP_GROUP imported from AD or
        # Google that shares a managed group's name is another group, not a membership.
        listed = await self.client.user_groups(input.user_id)
        current = [g for g in listed if g.type == OKTA_GROUP]
        for group in current:
            self.groups.remember(group)
        member = {g.name.lower(): g for g in current}

        result = SyncManagedGroupsResult()
        after = {g.name.lower(): g.name for g in listed}
        for key, name in sorted(desired.items()):
            if key in member:
                await wlog.recover({"okta.group.add"}, member[key].name)
                continue
            wanted = await self._resolve_writable(name)
            if wanted is None:
                result.missing_groups.append(name)
                continue
            if await self._membership(wlog, "add", wanted, input):
                result.added.append(wanted.name)
                after[key] = wanted.name
            else:
                result.missing_groups.append(name)  # deleted while we were at it
        for key, group in sorted(member.items()):
            if key not in managed:
                continue  # not ours to touch, whatever it is
            if key in desired:
                continue
            if not group.writable:
                log.warning(
                    "group %r is %s: its memberships are not managed here", group.name, group.type
                )
                continue
            if await self._membership(wlog, "remove", group, input):
                result.removed.append(group.name)
                after.pop(key, None)
        for key in sorted(managed - set(member) - set(desired)):
            name = next((n for n in input.managed if n.lower() == key), key)
            await wlog.recover({"okta.group.remove"}, name)
        result.member_of = sorted(after.values(), key=str.lower)
        result.planned = wlog.planned
        return result

    async def _resolve_writable(self, name: str) -> OktaGroup | None:
        group = await self.groups.resolve(name)
        if group is not None and not group.writable:
            log.warning("group %r is %s: its memberships are not managed here", name, group.type)
            return None
        return group

    async def _membership(
        self, wlog: WriteLog, kind: str, group: OktaGroup, input: SyncManagedGroupsInput
    ) -> bool:
        """Add or remove one membership; True when done (or planned in dry-run)."""
        user_id = input.user_id
        path = f"/api/v1/groups/{group.id}/users/{user_id}"
        method, action = (
            ("PUT", "okta.group.add") if kind == "add" else ("DELETE", "okta.group.remove")
        )
        call = self.client.add_to_group if kind == "add" else self.client.remove_from_group
        try:
            await wlog.write(
                action,
                group.name,
                PlannedRequest(method=method, path=path),
                lambda: call(group.id, user_id),
                before={"member": kind != "add"},
                after={"member": kind == "add"},
                detail={"user_id": user_id, "group_id": group.id},
                handled=lambda error: isinstance(error, OktaNotFound) or is_membership_noop(error),
            )
        except OktaNotFound:
            if kind == "remove":
                return True  # gone with its group: nothing left to remove
            self.groups.forget(group.name)  # deleted since we cached it: look again once
            fresh = await self._resolve_writable(group.name)
            if fresh is None or fresh.id == group.id:
                return False
            return await self._membership(wlog, kind, fresh, input)
        except OktaError as error:
            if is_membership_noop(error):
                return True  # "already a member" / "not a member": the state we want
            raise
        return True

    # --- schema -----------------------------------------------------------------------------
    @activity.defn(name=Activity.ENSURE_OKTA_SCHEMA)
    async def ensure_okta_schema(self, input: EnsureOktaSchemaInput) -> EnsureOktaSchemaResult:
        with self._errors():
            wlog = self._log(SYSTEM)
            properties = custom_properties(await self.client.get_user_schema())
            present = [a.name for a in input.attributes if a.name in properties]
            missing = [
                SchemaAttribute(name=a.name, title=a.title, type=a.type)
                for a in input.attributes
                if a.name not in properties
            ]
            if not missing:
                await wlog.recover({"okta.schema.add"}, "user-schema:default")
                return EnsureOktaSchemaResult(present=present)
            body = {
                "definitions": {"custom": {"properties": {a.name: a.definition() for a in missing}}}
            }
            sent, _ = await wlog.write(
                "okta.schema.add",
                "user-schema:default",
                PlannedRequest(method="POST", path="/api/v1/meta/schemas/user/default", body=body),
                lambda: self.client.add_custom_attributes(missing),
                after={a.name: a.definition() for a in missing},
            )
            return EnsureOktaSchemaResult(
                added=[a.name for a in missing] if sent else [],
                present=present,
                planned=wlog.planned,
            )


def _email_later(input: SetOktaStatusInput, before: str, operations: list[str]) -> bool:
    """A rehire's activation e-mail waits for the profile (see SetOktaStatusInput)."""
    return (
        input.activation_email_after_profile
        and input.send_activation_email
        and before == DEPROVISIONED
        and "activate" in operations
    )


def _protection_check_likely(input: SetOktaStatusInput) -> bool:
    """A suspension or deactivation that has not happened yet, of an account that is not
    protected outright, needs the account's groups for the protected-groups check."""
    return (
        input.target in (AccountStatus.SUSPENDED, AccountStatus.DEPROVISIONED)
        and not input.protected
        and bool(input.protected_groups)
        and input.known_status != input.target.value
    )
