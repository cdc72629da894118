"""The one error type the audit store raises.

Messages name the store by its masked URL and never carry a password: they end up in
activity failures, which Temporal stores in workflow histories and shows in its UI.
"""

from __future__ import annotations


class AuditStoreError(Exception):
    """The audit store could not be opened, migrated, read or written.

    Retryable from Temporal's point of view: an audit write that fails must be retried, not
    skipped, so activities let it propagate.
    """


class SchemaTooNewError(AuditStoreError):
    """The database was migrated by a newer release than this one.

    Writing with an older schema could lose columns the newer release relies on, so the store
    refuses to open instead of guessing.
    """
