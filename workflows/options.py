"""Timeouts and retry policies for the activities every workflow runs (employee, guard,
poll, reconcile, alerts): one home, so a timeout is changed once.

Every activity is idempotent, so retrying is always safe. Transient failures (5xx, timeouts,
dropped connections, 429 with its own `next_retry_delay`) retry without limit: an outage
of hours must delay a lifecycle, never drop it. Errors the activities mark non-retryable
(validation, not allowed) come back at once so the workflow can route them to review.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

START_TO_CLOSE = timedelta(minutes=2)
# Workers beat every 5 s for each running activity (workers/heartbeat.py): a dead worker's
# activities are retried elsewhere after this, not after START_TO_CLOSE.
HEARTBEAT = timedelta(seconds=20)
MAX_BACKOFF = timedelta(minutes=10)


def _backoff(attempts: int, first: timedelta = timedelta(seconds=1)) -> RetryPolicy:
    """Exponential backoff (doubling) up to MAX_BACKOFF; `attempts` 0 = no limit."""
    return RetryPolicy(
        initial_interval=first,
        backoff_coefficient=2.0,
        maximum_interval=MAX_BACKOFF,
        maximum_attempts=attempts,
    )


# No attempt limit: the workflow, not the retry policy, decides when a failure needs a human.
UNLIMITED = _backoff(0)


def bounded(attempts: int) -> RetryPolicy:
    """Deprovisioning tries this many times before the workflow raises an alert and goes on."""
    return _backoff(max(1, attempts))


NOTIFY_RETRY = RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=2))
NOTIFY_TIMEOUT = timedelta(seconds=60)

# While a non-retryable deprovisioning error waits for a human fix, look again this often.
DEPROVISION_RECHECK = timedelta(minutes=15)
# Once people have been told, a deprovisioning that keeps failing on transient errors (an
# Okta outage) goes on in rounds of about an hour of retries (activity retries add nothing to
# history); between rounds the workflow re-reads HR and obeys pause and cancel.
DEPROVISION_ROUND = _backoff(10, first=timedelta(minutes=1))

# While BambooHR refuses to answer (a rotated key: 401/403) or the audit store refuses a
# record, look again this often (and on every new hint or ops command).
BLOCKED_RECHECK = timedelta(minutes=15)

# The mass-change guard: a few quick attempts to reach it (it answers in milliseconds), then
# the action waits visibly and the workflow asks again this often.
GUARD_ROUND = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
)
GUARD_UNREACHABLE_RECHECK = timedelta(minutes=1)
# A held action is released by the guard's signal; asking again is only the safety net for a
# guard that was reset (its decisions are remembered, so the answer is the same).
GUARD_RECHECK = timedelta(hours=1)
