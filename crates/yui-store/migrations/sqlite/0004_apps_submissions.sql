-- Apps (what builders make), their immutable published versions, residents' submissions with
-- their receipt numbers, files and history, and resumable drafts.

CREATE TABLE app (
    app_id            INTEGER PRIMARY KEY,
    tenant_id         INTEGER NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    slug              TEXT    NOT NULL,
    department_id     INTEGER,
    -- draft: never published; open: accepting submissions; closed: published, not accepting.
    state             TEXT    NOT NULL,
    -- The builder's working copy (definition JSON), edited until the next publish.
    draft_definition  TEXT    NOT NULL,
    draft_updated_at  INTEGER NOT NULL,
    draft_updated_by  INTEGER,
    published_version INTEGER,
    -- Cached from the definition for listings and search.
    title_ja          TEXT    NOT NULL,
    title_en          TEXT,
    category          TEXT,
    search_text       TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    CONSTRAINT app_slug_key UNIQUE (tenant_id, slug),
    CONSTRAINT app_tenant_key UNIQUE (tenant_id, app_id),
    CONSTRAINT app_state_check CHECK (state IN ('draft', 'open', 'closed')),
    CONSTRAINT app_department_fkey FOREIGN KEY (tenant_id, department_id)
        REFERENCES department (tenant_id, department_id)
);

CREATE TABLE app_version (
    app_version_id INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL,
    app_id         INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    definition     TEXT    NOT NULL,
    change_summary TEXT    NOT NULL,
    published_by   INTEGER,
    published_at   INTEGER NOT NULL,
    CONSTRAINT app_version_key UNIQUE (app_id, version),
    CONSTRAINT app_version_app_fkey FOREIGN KEY (tenant_id, app_id) REFERENCES app (tenant_id, app_id) ON DELETE CASCADE
);

-- Receipt numbers (受付番号) run per municipality and year: 2026-000123.
CREATE TABLE receipt_counter (
    tenant_id INTEGER NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    year      INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, year)
);

CREATE TABLE submission (
    submission_id   INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL,
    app_id          INTEGER NOT NULL,
    app_version_id  INTEGER NOT NULL REFERENCES app_version (app_version_id),
    receipt_number  TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    answers         TEXT    NOT NULL,
    contact_email   TEXT,
    person_key      TEXT,
    search_text     TEXT    NOT NULL,
    assignee_id     INTEGER,
    revision        INTEGER NOT NULL DEFAULT 1,
    submitted_at    INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CONSTRAINT submission_receipt_key UNIQUE (tenant_id, receipt_number),
    CONSTRAINT submission_idempotency_key UNIQUE (tenant_id, idempotency_key),
    CONSTRAINT submission_app_fkey FOREIGN KEY (tenant_id, app_id) REFERENCES app (tenant_id, app_id)
);
CREATE INDEX submission_app_recent_idx ON submission (tenant_id, app_id, submitted_at DESC, submission_id DESC);
CREATE INDEX submission_tenant_recent_idx ON submission (tenant_id, submitted_at DESC, submission_id DESC);

CREATE TABLE submission_file (
    file_id       INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submission (submission_id) ON DELETE CASCADE,
    field_path    TEXT    NOT NULL,
    blob_key      TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT    NOT NULL
);
CREATE INDEX submission_file_submission_idx ON submission_file (submission_id);

-- A resident's unfinished application, reachable through a secret resume link.
CREATE TABLE draft (
    draft_id       INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL,
    app_id         INTEGER NOT NULL,
    token_hash     TEXT    NOT NULL,
    app_version_id INTEGER NOT NULL REFERENCES app_version (app_version_id),
    answers        TEXT    NOT NULL,
    email          TEXT,
    submitted      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    CONSTRAINT draft_token_key UNIQUE (token_hash),
    CONSTRAINT draft_app_fkey FOREIGN KEY (tenant_id, app_id) REFERENCES app (tenant_id, app_id) ON DELETE CASCADE
);
CREATE INDEX draft_expires_idx ON draft (expires_at);
