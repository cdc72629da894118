"""`build_plan`: one HR snapshot + the policy → the employee's `LifecyclePlan`.

Pure and deterministic: the same snapshot and policy always give the same plan (the only
clock is `snapshot.fetched_at`), so the workflow can recompute it on every HR signal.
"""

from __future__ import annotations

from datetime import date

from lifecycle.calendar import as_utc, local_date
from lifecycle.models.hr import HrSnapshot
from lifecycle.models.plan import (
    AccountStatus,
    ActionKind,
    DatedAction,
    DesiredAccount,
    LifecyclePlan,
    ReviewCode,
    ReviewReason,
)
from lifecycle.policy.conditions import same_text
from lifecycle.policy.config import PolicyConfig
from lifecycle.policy.groups import groups_for
from lifecycle.policy.login import render_base
from lifecycle.policy.mapping import map_profile
from lifecycle.policy.review import (
    choose,
    department_reasons,
    identity_reasons,
    location_reasons,
    status_reasons,
)
from lifecycle.policy.timeline import Step, Timeline, build_timeline
from lifecycle.policy.view import HrView, view_at


class _Builder:
    def __init__(
        self, snapshot: HrSnapshot, config: PolicyConfig, generated_login: str | None = None
    ) -> None:
        self.hr_work_email = snapshot.work_email
        self.generated_login = generated_login if config.identity.generate_login else None
        if self.generated_login and not (snapshot.work_email or "").strip():
            # Until BambooHR shows the generated address (written back), it stands in for
            # the work email everywhere the policy reads it.
            snapshot = snapshot.model_copy(update={"work_email": self.generated_login})
        self.snapshot = snapshot
        self.config = config
        self.timeline: Timeline = build_timeline(snapshot, config)

    def profile(self, view: HrView) -> dict[str, str | None]:
        profile = map_profile(self.config, view)
        if self.generated_login and self.config.identity.on_hr_email_change == "keep_login":
            # A work email HR typed later changes the Okta email, not the login.
            profile["login"] = self.generated_login
        return profile

    def view(self, day: date | None, status: str | None) -> HrView:
        return view_at(self.snapshot, self.config, self.timeline.job_rows, day, status)

    def live_account(self, status: AccountStatus, view: HrView, on_leave: bool) -> DesiredAccount:
        profile = self.profile(view)
        groups = groups_for(self.config, view)
        if on_leave:
            removed = set(self.config.leave.remove_groups)
            groups = [g for g in groups if g not in removed]
        return DesiredAccount(
            status=status, login=profile.get("login"), profile=profile, groups=groups
        )

    def account(self, step: Step, previous: DesiredAccount | None) -> DesiredAccount:
        view = self.view(step.lookup_date, step.mapping_status)
        if step.status is not AccountStatus.DEPROVISIONED:
            return self.live_account(step.status, view, step.on_leave)
        drop_groups = step.kind is ActionKind.RESCIND or self.config.termination.remove_groups
        if previous is not None and previous.status is not AccountStatus.NONE:
            # Keep the last profile: Okta refuses profile writes to DEPROVISIONED users and
            # a last-second rewrite (e.g. userType) would only be noise in the audit.
            return DesiredAccount(
                status=AccountStatus.DEPROVISIONED,
                login=previous.login,
                profile=dict(previous.profile),
                groups=[] if drop_groups else list(previous.groups),
            )
        live = self.live_account(AccountStatus.DEPROVISIONED, view, on_leave=False)
        if drop_groups:
            live.groups = []
        return live

    def actions(self, baseline: DesiredAccount) -> list[DatedAction]:
        actions: list[DatedAction] = []
        previous: DesiredAccount | None = baseline
        seen: dict[str, int] = {}
        for step in self.timeline.steps:
            account = self.account(step, previous)
            if step.kind is ActionKind.TRANSFER and previous is not None and account == previous:
                continue  # a row that changes nothing Okta sees
            key = f"{step.kind.value}:{step.effective_date.isoformat()}"
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key = f"{key}#{seen[key]}"
            actions.append(
                DatedAction(
                    key=key,
                    kind=step.kind,
                    at=step.at,
                    effective_date=step.effective_date,
                    account=account,
                    immediate=step.immediate,
                    note=step.note,
                )
            )
            previous = account
        return actions

    def baseline(self) -> DesiredAccount:
        if not self.timeline.prior_employment:
            return DesiredAccount(status=AccountStatus.NONE)
        # An earlier employment (originalHireDate before every row): the account exists,
        # deprovisioned, and the first hire on record is a rehire of it.
        view = self.view(self.timeline.first_hire, None)
        account = self.live_account(AccountStatus.DEPROVISIONED, view, on_leave=False)
        account.groups = []
        return account

    def today(self, zone: str) -> date | None:
        fetched = self.snapshot.fetched_at
        return local_date(as_utc(fetched), zone) if fetched is not None else None

    def status_now(self, today: date | None) -> str | None:
        rows = self.timeline.rows
        if today is None:
            return self.snapshot.employment_status or (rows[-1].status if rows else None)
        in_effect = [r for r in rows if r.date <= today]
        return in_effect[-1].status if in_effect else None

    def build(self) -> LifecyclePlan:
        snapshot, config = self.snapshot, self.config
        zone = config.zone_for_location(snapshot.location)
        today = self.today(zone)
        if today is not None:
            zone = self.view(today, None).zone
            today = self.today(zone)
        status_now = self.status_now(today)
        current = self.view(today, status_now)
        baseline = self.baseline()
        actions = self.actions(baseline)

        ending = config.status_class(status_now) == "terminated" or (
            bool(actions) and actions[-1].kind is ActionKind.RESCIND
        )
        reasons: list[ReviewReason] = status_reasons(config, self.timeline, today, snapshot)
        login_needed = False
        if ending:
            # Data problems never block deprovisioning; only a deletion needs a person.
            reasons = [r for r in reasons if r.code is ReviewCode.DELETED_IN_HR]
        else:
            mapping_status = self._mapping_status(status_now, today)
            mapping_view = self.view(today, mapping_status)
            profile = self.profile(mapping_view)
            generating = not profile.get("login") and config.identity.generate_login is not None
            if generating and config.identity.generate_login is not None:
                base = render_base(config.identity.generate_login, mapping_view.get)
                if base.login is None:
                    reasons.append(
                        ReviewReason(
                            code=ReviewCode.LOGIN_NOT_GENERATED,
                            message=base.problem or "cannot generate a login",
                            field=base.field,
                        )
                    )
                else:
                    login_needed = True
            if generating:
                # Chosen next (`choose_login`), then planned again with it.
                reasons += [
                    r
                    for r in identity_reasons(config, profile)
                    if r.code is not ReviewCode.NO_WORK_EMAIL
                ]
            else:
                reasons += identity_reasons(config, profile)
            departments = [current.get("department")] + [
                row.department or current.get("department")
                for row in self.timeline.job_rows
                if today is None or row.date > today
            ]
            reasons += department_reasons(config, departments)
            locations = [current.get("location")] + [
                row.location for row in self.timeline.job_rows if today is None or row.date > today
            ]
            reasons += location_reasons(config, locations)

        login = self._current_login(actions, current)
        protected = any(
            same_text(candidate, p)
            for candidate in (login, current.get("workEmail"))
            if candidate
            for p in config.protected.logins
        )
        return LifecyclePlan(
            employee_id=snapshot.employee_id,
            time_zone=current.zone,
            review=choose(reasons),
            baseline=baseline,
            actions=actions,
            managed_groups=list(config.managed_groups),
            protected=protected,
            protected_groups=list(config.protected.groups),
            deprovision_alert_after=config.termination.alert_after_failures,
            send_activation_email=config.activation.send_email,
            tamper=config.tamper.rule(),
            last_changed=snapshot.last_changed,
            login_needed=login_needed,
        )

    def _mapping_status(self, status_now: str | None, today: date | None) -> str | None:
        # On leave, the profile shows the status held before the leave (as the plan does).
        if self.config.status_class(status_now) != "leave":
            return status_now
        for row in reversed(self.timeline.rows):
            if today is not None and row.date > today:
                continue
            if self.config.status_class(row.status) == "active":
                return row.status
        return status_now

    def _current_login(self, actions: list[DatedAction], current: HrView) -> str | None:
        profile = self.profile(current)
        return profile.get("login") or next(
            (a.account.login for a in reversed(actions) if a.account.login), None
        )


def build_plan(
    snapshot: HrSnapshot, config: PolicyConfig, generated_login: str | None = None
) -> LifecyclePlan:
    """The employee's desired Okta account over time (see `lifecycle.models.plan`).

    `generated_login`: the login chosen for this employee under `identity.generate_login`
    (the workflow remembers it); it stands in for an empty work email and, with
    `on_hr_email_change: keep_login`, stays the login when HR types another address."""
    return _Builder(snapshot, config, generated_login).build()
