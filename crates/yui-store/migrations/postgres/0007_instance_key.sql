-- The instance's ed25519 key, which signs the app packages this instance publishes. One row;
-- every node of a PostgreSQL deployment uses the same key.

CREATE TABLE instance_key (
    key_id     INTEGER PRIMARY KEY,
    secret_key TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT instance_key_single CHECK (key_id = 1)
);
