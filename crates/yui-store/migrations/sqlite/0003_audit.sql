-- The audit trail: append-only, hash-chained per municipality (chain 0 holds instance-level
-- events). Each event's hash covers the previous event's hash, so editing or deleting any
-- event breaks the chain, and audit_chain's head catches a cut-off tail.

CREATE TABLE audit_chain (
    chain_key  INTEGER PRIMARY KEY,
    seq        INTEGER NOT NULL,
    head_hash  TEXT    NOT NULL
);

CREATE TABLE audit_event (
    audit_id     INTEGER PRIMARY KEY,
    chain_key    INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    tenant_id    INTEGER REFERENCES tenant (tenant_id),
    at           INTEGER NOT NULL,
    actor_kind   TEXT    NOT NULL,
    actor_id     INTEGER,
    actor_label  TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    subject_kind TEXT,
    subject_id   TEXT,
    person_key   TEXT,
    client_addr  TEXT,
    detail       TEXT    NOT NULL,
    prev_hash    TEXT    NOT NULL,
    hash         TEXT    NOT NULL,
    CONSTRAINT audit_event_seq_key UNIQUE (chain_key, seq)
);
CREATE INDEX audit_event_tenant_at_idx ON audit_event (tenant_id, at);
CREATE INDEX audit_event_person_idx ON audit_event (tenant_id, person_key);
CREATE INDEX audit_event_subject_idx ON audit_event (tenant_id, subject_kind, subject_id);

-- Append-only: the database itself refuses updates and deletes of audit events.
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
