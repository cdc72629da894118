"""Generated logins (`identity.generate_login`): choosing one, and writing it back to HR.

`choose_login` is idempotent: an employee's claim (the audit store's `login_claims`) is
returned as it is; otherwise the first candidate (lifecycle/policy/login.py) that no other
Okta account uses as its login (nor, if configured, as its email) and no other employee has
claimed is claimed atomically. Claims make the choice stick across retries, runs and
continue-as-new, and keep two workflows choosing at once from taking the same login.

Deterministic order for namesakes: the poll's delivery claims the logins of a batch's new
hires in ascending BambooHR id *before* signalling anyone (`claim_for_batch`), so the lower
id gets `jose.nunez`, the higher `jose.nunez.2`, whichever workflow runs first; each workflow
then finds its claim. A webhook-only arrival chooses in its own workflow (first come).

`write_back_work_email` sets BambooHR's workEmail to the chosen login only when it is still
empty at write time (read before write), so a retry or an address HR typed meanwhile is
never overwritten; it is audited like an Okta write. A refusal (403: the key's user may not
write the field; 409: an invalid value) is returned, not raised: the workflow alerts and
the Okta side carries on with the generated login.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from temporalio import activity

from activities.audit import audit_write
from activities.bamboohr import to_application_error as bamboohr_error
from activities.okta.errors import temporal_errors
from activities.okta.matching import is_ours
from contracts.activities import (
    Activity,
    ChooseLoginInput,
    ChooseLoginResult,
    PlannedRequest,
    WriteBackWorkEmailInput,
    WriteBackWorkEmailResult,
)
from integrations.audit import AuditStore
from integrations.bamboohr import BambooHRClient
from integrations.bamboohr.errors import BambooHRAuthError, BambooHRBadRequest, BambooHRError
from integrations.okta.client import OktaClient
from integrations.okta.expressions import profile_eq
from integrations.okta.models import OktaUser
from lifecycle.models import HrSnapshot, ReviewCode, ReviewReason
from lifecycle.policy import PolicyConfig, build_plan
from lifecycle.policy.login import login_candidates
from lifecycle.policy.view import sorted_job_rows, view_at
from lifecycle.settings import Mode

log = logging.getLogger(__name__)

WRITE_BACK_ACTION = "bamboohr.workEmail.write"


class LoginActivities:
    def __init__(
        self,
        *,
        okta: OktaClient,
        bamboohr: BambooHRClient,
        audit: AuditStore,
        policy: PolicyConfig,
        mode: Mode,
    ) -> None:
        self.okta = okta
        self.bamboohr = bamboohr
        self.audit = audit
        self.policy = policy
        self.mode = mode
        self.attribute = policy.identity.okta_id_attribute

    def all(self) -> list[Callable[..., Any]]:
        return [self.choose_login, self.write_back_work_email]

    # --- choosing ---------------------------------------------------------------------------
    @activity.defn(name=Activity.CHOOSE_LOGIN)
    async def choose_login(self, input: ChooseLoginInput) -> ChooseLoginResult:
        with temporal_errors(self.okta.governor.now):
            return await self.choose(input.employee_id, input.snapshot)

    async def claim_for_batch(self, snapshots: Sequence[HrSnapshot]) -> list[str]:
        """Claim logins for the new hires of one delivery that need one, lowest BambooHR id
        first; returns the ids that got one. Called before any of them is signalled.

        Best effort: an Okta or store problem here must not hold up the delivery's other HR
        changes (a termination in the same batch). A hire it skipped chooses in its own
        workflow, first come rather than in id order; the log says so."""
        if self.policy.identity.generate_login is None:
            return []
        claimed = []
        for snapshot in sorted(snapshots, key=_id_order):
            if (snapshot.work_email or "").strip() or snapshot.deleted:
                continue
            if not build_plan(snapshot, self.policy).login_needed:
                continue
            try:
                with temporal_errors(self.okta.governor.now):
                    result = await self.choose(snapshot.employee_id, snapshot)
            except Exception as exc:
                log.warning(
                    "login for employee %s not claimed with its batch (%s); its lifecycle "
                    "chooses it itself",
                    snapshot.employee_id,
                    type(exc).__name__,
                )
                continue
            if result.login is not None:
                claimed.append(snapshot.employee_id)
        return claimed

    async def choose(self, employee_id: str, snapshot: HrSnapshot) -> ChooseLoginResult:
        config = self.policy.identity.generate_login
        if config is None:
            return ChooseLoginResult(
                review=ReviewReason(
                    code=ReviewCode.NO_WORK_EMAIL,
                    field="workEmail",
                    message="no work email in BambooHR and identity.generate_login is off",
                )
            )
        existing = await self.audit.alogin_claim(employee_id)
        if existing is not None:
            return ChooseLoginResult(login=existing)
        # An account this employee already has keeps its login (nothing new is reserved).
        for user in await self.okta.search_users(profile_eq(self.attribute, employee_id)):
            if str(user.profile.get(self.attribute) or "") == employee_id:
                if await self.audit.aclaim_login(user.login, employee_id) == user.login.lower():
                    return ChooseLoginResult(login=user.login.lower(), claimed=True)
        view = view_at(snapshot, self.policy, sorted_job_rows(snapshot), None, None)
        candidates, base = login_candidates(config, view.get)
        if not candidates:
            return ChooseLoginResult(
                review=ReviewReason(
                    code=ReviewCode.LOGIN_NOT_GENERATED,
                    field=base.field,
                    message=base.problem or "cannot generate a login",
                )
            )
        for candidate in candidates:
            owner = await self.audit.alogin_owner(candidate)
            if owner is not None and owner != employee_id:
                continue
            if await self._used_in_okta(candidate, employee_id, snapshot, config.check_okta_email):
                continue
            claim = await self.audit.aclaim_login(candidate, employee_id)
            if claim == candidate:
                log.info("employee %s: generated login claimed", employee_id)
                return ChooseLoginResult(login=claim, claimed=True)
            if claim is not None:
                return ChooseLoginResult(login=claim)  # a concurrent attempt of ours won
        tried = f"{candidates[0]} … {candidates[-1]}" if len(candidates) > 1 else candidates[0]
        return ChooseLoginResult(
            review=ReviewReason(
                code=ReviewCode.LOGIN_NOT_GENERATED,
                field="workEmail",
                message=f"cannot generate a login: all {len(candidates)} candidates ({tried}) "
                "are taken in Okta or by other employees; enter the work email in BambooHR",
            )
        )

    async def _used_in_okta(
        self, login: str, employee_id: str, snapshot: HrSnapshot, check_email: bool
    ) -> bool:
        def theirs(user: OktaUser) -> bool:
            return not is_ours(
                user,
                attribute=self.attribute,
                employee_id=employee_id,
                employee_number=snapshot.employee_number,
            )

        # GET by login is strongly consistent (search may miss a user created moments ago).
        user = await self.okta.get_user(login)
        if user is not None and user.login.lower() == login.lower() and theirs(user):
            return True
        if check_email:
            found = await self.okta.search_users(profile_eq("email", login))
            if any((u.email or "").lower() == login.lower() and theirs(u) for u in found):
                return True
        return False

    # --- writing back -----------------------------------------------------------------------
    @activity.defn(name=Activity.WRITE_BACK_WORK_EMAIL)
    async def write_back_work_email(
        self, input: WriteBackWorkEmailInput
    ) -> WriteBackWorkEmailResult:
        try:
            return await self._write_back(input)
        except BambooHRError as exc:
            raise bamboohr_error(exc) from exc

    async def _write_back(self, input: WriteBackWorkEmailInput) -> WriteBackWorkEmailResult:
        eid, email = input.employee_id, input.work_email
        current = await self.bamboohr.get_employee(eid, ["workEmail"])
        held = str(current.get("workEmail") or "").strip()
        if held.lower() == email.lower():
            if activity.in_activity() and activity.info().attempt > 1:
                # An earlier attempt wrote it and died before recording it: record it now
                # (outcomes are kept once per activity execution).
                detail = {"completed_on_retry": True}
                await self._audit(eid, email, "success", None, detail=detail)
            return WriteBackWorkEmailResult(already=True)
        if held:
            return WriteBackWorkEmailResult(
                skipped_reason=f"BambooHR already has the work email {held}: left as HR set it"
            )
        request = PlannedRequest(
            method="POST", path=f"/api/v1/employees/{eid}", body={"workEmail": email}
        )
        if self.mode == Mode.DRY_RUN:
            await self._audit(eid, email, "planned", request)
            return WriteBackWorkEmailResult(planned=True)
        try:
            await self.bamboohr.update_employee(eid, {"workEmail": email})
        except (BambooHRAuthError, BambooHRBadRequest) as exc:
            # 401/403 (the key, or its user's permissions), 409 (an invalid value, e.g. the
            # address is another employee's): retrying cannot help; people must be told.
            await self._audit(eid, email, "failed", request, error=exc.message)
            return WriteBackWorkEmailResult(refused=str(exc))
        await self._audit(eid, email, "success", request)
        return WriteBackWorkEmailResult(written=True)

    async def _audit(
        self,
        employee_id: str,
        email: str,
        result: Literal["success", "planned", "failed"],
        request: PlannedRequest | None,
        *,
        error: str | None = None,
        detail: Mapping[str, object] | None = None,
    ) -> None:
        await audit_write(
            self.audit,
            employee_id=employee_id,
            action=WRITE_BACK_ACTION,
            target=employee_id,
            result=result,
            before={"workEmail": None},
            after={"workEmail": email},
            error=error,
            request=request,
            mode=self.mode,
            detail={"why": "identity.generate_login", **(detail or {})},
        )


def _id_order(snapshot: HrSnapshot) -> tuple[int, str]:
    eid = snapshot.employee_id
    return (int(eid), eid) if eid.isdigit() else (1 << 62, eid)
