-- Files residents uploaded while filling a form, before they submit. Each belongs to the draft
-- (by its token hash) that uploaded it, so answers can only refer to their own files.

CREATE TABLE upload (
    blob_key     TEXT    PRIMARY KEY,
    tenant_id    BIGINT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    app_id       BIGINT NOT NULL,
    owner_hash   TEXT    NOT NULL,
    field_path   TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT    NOT NULL,
    latitude     DOUBLE PRECISION,
    longitude    DOUBLE PRECISION,
    created_at   BIGINT NOT NULL
);
CREATE INDEX upload_owner_idx ON upload (owner_hash);
CREATE INDEX upload_created_idx ON upload (created_at);
