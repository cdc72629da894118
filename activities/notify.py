"""The notify activity: tell IT, security, HR or a manager about a lifecycle event.

It never raises. A sink that fails is reported in `NotifyResult.failed` (and logged), so a
notification can never block or fail the lifecycle step that sent it, and Temporal does not
retry it: a retry would re-send to the sinks that did deliver.
"""

from __future__ import annotations

from temporalio import activity

from contracts.activities import Activity, NotifyInput, NotifyResult
from integrations.notify import Notifier, build_notifier
from integrations.notify.redact import clean_error_text
from lifecycle.settings import Settings


class NotifyActivities:
    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    @classmethod
    def from_settings(cls, settings: Settings) -> NotifyActivities:
        """Raises SettingsError (naming the variable) for a bad sink configuration."""
        return cls(build_notifier(settings))

    @activity.defn(name=Activity.NOTIFY)
    async def notify(self, input: NotifyInput) -> NotifyResult:
        try:
            outcome = await self._notifier.notify(
                input.event.value,
                employee_id=input.employee_id,
                audiences=input.audiences,
                data=input.data,
            )
        except Exception as exc:  # the notifier catches sink errors; this is a last guard
            error = clean_error_text(f"{type(exc).__name__}: {exc}")
            activity.logger.warning("notification %s failed: %s", input.event.value, error)
            return NotifyResult(failed={"notifier": error})
        if outcome.failed:
            activity.logger.warning(
                "notification %s for employee %s: delivered by %s, failed: %s",
                input.event.value,
                input.employee_id or "-",
                ", ".join(outcome.delivered) or "none",
                "; ".join(f"{name}: {error}" for name, error in outcome.failed.items()),
            )
        return NotifyResult(delivered=outcome.delivered, failed=outcome.failed)
