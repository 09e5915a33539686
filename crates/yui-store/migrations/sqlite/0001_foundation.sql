-- Foundation: municipalities, departments, staff accounts, sessions and sign-in throttling.
-- Times are Unix epoch milliseconds (UTC) on both backends so that one SQL text serves both.

CREATE TABLE tenant (
    tenant_id   INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    CONSTRAINT tenant_slug_key UNIQUE (slug),
    CONSTRAINT tenant_code_key UNIQUE (code)
);

CREATE TABLE department (
    department_id INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    CONSTRAINT department_name_key UNIQUE (tenant_id, name),
    CONSTRAINT department_tenant_key UNIQUE (tenant_id, department_id)
);

CREATE TABLE staff_user (
    user_id       INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    login         TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    department_id INTEGER,
    password_hash TEXT    NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CONSTRAINT staff_user_login_key UNIQUE (tenant_id, login),
    CONSTRAINT staff_user_role_check CHECK (role IN ('admin', 'builder', 'reviewer', 'viewer')),
    -- A user's department must belong to the user's own municipality.
    CONSTRAINT staff_user_department_fkey FOREIGN KEY (tenant_id, department_id)
        REFERENCES department (tenant_id, department_id)
);

CREATE TABLE staff_session (
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES staff_user (user_id) ON DELETE CASCADE,
    tenant_id    INTEGER NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX staff_session_user_idx ON staff_session (user_id);
CREATE INDEX staff_session_expires_idx ON staff_session (expires_at);

CREATE TABLE login_throttle (
    throttle_key      TEXT    PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_started_at INTEGER NOT NULL
);
