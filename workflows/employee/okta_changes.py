"""Changes someone else made to the employee's Okta account (lifecycle/tamper.py).

The signal only queues the events (handlers cannot run activities); the main loop judges
them once the plan is current: each event once (Okta's uuid: the event hook and the System
Log report the same event), each with the plan's tamper rule. `revert` converges the account
back to what HR says; anything not ignored is told to security once per batch, naming who
changed what, and every event is recorded in the audit trail and the lifecycle's history.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.activities import NotificationEvent
    from contracts.employee import EmployeeState, LifecycleState, OktaChanged
    from lifecycle.models import AccountStatus
    from lifecycle.tamper import TamperMode, TamperRule

SEEN_KEEP = 200  # event uuids remembered: far more than a burst of hand-made changes
_DEPARTED = {LifecycleState.TERMINATED, LifecycleState.ON_LEAVE}
_DEPARTED_STATUSES = {AccountStatus.DEPROVISIONED, AccountStatus.SUSPENDED}


class OktaChanges:
    """Mixed into EmployeeLifecycle."""

    s: EmployeeState
    _wake: bool
    _converge_due: bool

    @workflow.signal(name="okta_changed")
    def okta_changed(self, change: OktaChanged) -> None:
        known = set(self.s.okta_events_seen) | {e.uuid for e in self.s.okta_events}
        for event in change.events:
            if event.uuid not in known:
                known.add(event.uuid)
                self.s.okta_events.append(event)
        self._wake = True

    async def _judge_okta_changes(self) -> None:
        events = sorted(self.s.okta_events, key=lambda e: (e.published, e.uuid))
        self.s.okta_events = []
        seen = self.s.okta_events_seen + [e.uuid for e in events]
        self.s.okta_events_seen = seen[-SEEN_KEEP:]
        plan = self.s.plan
        if plan is not None:
            # What HR says *now* decides, not the last convergence: a leaver in review or a
            # lifecycle restarted by this very signal is still a leaver.
            desired = plan.desired_at(workflow.now(), self.s.skipped, self.s.forced)
            departed = desired.status in _DEPARTED_STATUSES
            rule = plan.tamper
        else:  # HR could not be read: what the lifecycle last knew
            departed = self.s.state in _DEPARTED
            rule = TamperRule()
        ours = self.s.okta_user_id
        verdicts = []
        for event in events:
            if ours is not None and event.user_id != ours:
                # Another account names this employee (its identity attribute was set by
                # hand): converging ours would not touch it. Security must look.
                verdicts.append((event, TamperMode.ALERT, "alerted: not this employee's account"))
            else:
                verdicts.append((event, rule.mode_for(event, departed), None))
        revert = any(mode is TamperMode.REVERT for _, mode, _ in verdicts)
        # A paused lifecycle or one in review does not write: say so rather than "reverted".
        can_revert = revert and not self.s.paused and self.s.review is None
        for event, mode, note in verdicts:
            outcome = note or _outcome(mode, can_revert)
            self._log(
                f"Okta: {event.actor.describe()} {event.describe()}",
                _RESULT.get(outcome, "info"),
                f"tamper rule {mode.value}: {outcome}",
            )
            self._queue_audit(
                "okta_changed_elsewhere",
                {
                    "event_uuid": event.uuid,
                    "event_type": event.event_type,
                    "published": event.published.isoformat(),
                    "actor_id": event.actor.id,
                    "actor": event.actor.describe(),
                    "change": event.describe(),
                    "okta_user_id": event.user_id,
                    "tamper_rule": mode.value,
                    "outcome": outcome,
                },
            )
        told = [(e, m) for e, m, _ in verdicts if m is not TamperMode.IGNORE]
        if told:
            await self._notify(
                NotificationEvent.OKTA_TAMPERED,
                ["security"],
                {
                    "changes": [f"{e.actor.describe()} {e.describe()}" for e, _ in told],
                    "actors": sorted({e.actor.describe() for e, _ in told}),
                    "first_at": told[0][0].published,
                    "outcome": _outcome(
                        TamperMode.REVERT if revert else TamperMode.ALERT, can_revert
                    ),
                    "lifecycle_state": self.s.state.value,
                },
            )
        await self._flush_audit()
        if can_revert:
            self._converge_due = True


# Outcome → the history record's result.
_RESULT = {"reverting": "info", "held": "held", "alerted": "info", "ignored": "ignored"}


def _outcome(mode: TamperMode, can_revert: bool) -> str:
    if mode is TamperMode.REVERT:
        return "reverting" if can_revert else "held"
    return "alerted" if mode is TamperMode.ALERT else "ignored"
