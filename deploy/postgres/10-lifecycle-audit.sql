-- Runs once, when the PostgreSQL volume is initialised (docker-entrypoint-initdb.d).
-- The audit store (LIFECYCLE_AUDIT_URL) lives next to Temporal's databases but in its own
-- database: Temporal's retention never touches it, and it can be backed up on its own.
-- The lifecycle service creates its tables itself on first start.
CREATE DATABASE lifecycle_audit;
