-- Durable background work (e-mails, later LINE messages and webhooks). A job is enqueued in the
-- same transaction as the change that causes it, claimed with a lease, retried with backoff.

CREATE TABLE job (
    job_id          INTEGER PRIMARY KEY,
    tenant_id       INTEGER REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL,
    run_at          INTEGER NOT NULL,
    locked_until    INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CONSTRAINT job_idempotency_key UNIQUE (idempotency_key),
    CONSTRAINT job_status_check CHECK (status IN ('pending', 'running', 'done', 'failed'))
);
CREATE INDEX job_due_idx ON job (status, run_at);
