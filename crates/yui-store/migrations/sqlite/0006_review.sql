-- Processing submissions: the history timeline (status changes, assignments, comments,
-- corrections), every revision of the answers, values indexed for the inbox's filters,
-- per-status counters, and links that let a resident correct a returned submission.

CREATE TABLE submission_event (
    event_id      INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submission (submission_id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    actor_kind    TEXT    NOT NULL,
    actor_id      INTEGER,
    actor_label   TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    from_status   TEXT,
    to_status     TEXT,
    assignee_id   INTEGER,
    body          TEXT,
    CONSTRAINT submission_event_kind_check
        CHECK (kind IN ('submitted', 'status', 'assigned', 'comment', 'returned', 'corrected'))
);
CREATE INDEX submission_event_submission_idx ON submission_event (submission_id, event_id);

-- Answers as they were at each revision: the resident's first submission is revision 1, each
-- correction after a return adds one. submission.answers always holds the latest.
CREATE TABLE submission_revision (
    submission_id  INTEGER NOT NULL REFERENCES submission (submission_id) ON DELETE CASCADE,
    revision       INTEGER NOT NULL,
    app_version_id INTEGER NOT NULL,
    answers        TEXT    NOT NULL,
    at             INTEGER NOT NULL,
    PRIMARY KEY (submission_id, revision)
);

-- One row per filterable answer (choices, dates, numbers) of the latest revision.
CREATE TABLE submission_value (
    submission_id INTEGER NOT NULL REFERENCES submission (submission_id) ON DELETE CASCADE,
    tenant_id     INTEGER NOT NULL,
    app_id        INTEGER NOT NULL,
    field         TEXT    NOT NULL,
    text_value    TEXT,
    num_value     REAL
);
CREATE INDEX submission_value_text_idx ON submission_value (tenant_id, app_id, field, text_value, submission_id);
CREATE INDEX submission_value_num_idx ON submission_value (tenant_id, app_id, field, num_value, submission_id);
CREATE INDEX submission_value_submission_idx ON submission_value (submission_id);

CREATE INDEX submission_status_recent_idx ON submission (tenant_id, app_id, status, submitted_at DESC, submission_id DESC);
CREATE INDEX submission_assignee_recent_idx ON submission (tenant_id, assignee_id, submitted_at DESC, submission_id DESC);

-- Exact counts per status without counting a million rows for every inbox page.
CREATE TABLE submission_status_count (
    tenant_id INTEGER NOT NULL,
    app_id    INTEGER NOT NULL,
    status    TEXT    NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, app_id, status)
);

-- A returned submission's secret correction link.
CREATE TABLE correction_link (
    token_hash    TEXT    PRIMARY KEY,
    tenant_id     INTEGER NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submission (submission_id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
);
CREATE INDEX correction_link_submission_idx ON correction_link (submission_id);

-- Text search over answers: trigrams find any substring of three or more characters, which
-- suits Japanese text without word boundaries. Shorter queries fall back to LIKE.
CREATE VIRTUAL TABLE submission_fts USING fts5 (search_text, content = 'submission', content_rowid = 'submission_id', tokenize = 'trigram');
INSERT INTO submission_fts (rowid, search_text) SELECT submission_id, search_text FROM submission;
CREATE TRIGGER submission_fts_insert AFTER INSERT ON submission BEGIN
    INSERT INTO submission_fts (rowid, search_text) VALUES (new.submission_id, new.search_text);
END;
CREATE TRIGGER submission_fts_delete AFTER DELETE ON submission BEGIN
    INSERT INTO submission_fts (submission_fts, rowid, search_text) VALUES ('delete', old.submission_id, old.search_text);
END;
CREATE TRIGGER submission_fts_update AFTER UPDATE OF search_text ON submission BEGIN
    INSERT INTO submission_fts (submission_fts, rowid, search_text) VALUES ('delete', old.submission_id, old.search_text);
    INSERT INTO submission_fts (rowid, search_text) VALUES (new.submission_id, new.search_text);
END;
