-- API tokens: how a municipality's other systems call /api/v1. Only the SHA-256 hash of the
-- 256-bit token is kept (the token is shown once, when created); the role decides what the
-- token may do, through the same permission matrix as for staff. Revoked tokens stay listed.

CREATE TABLE api_token (
    api_token_id INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    token_hash   TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    role         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    CONSTRAINT api_token_hash_key UNIQUE (token_hash),
    CONSTRAINT api_token_role_check CHECK (role IN ('admin', 'builder', 'reviewer', 'viewer'))
);
-- A name tells the town's live tokens apart; a revoked token's name may be used again.
CREATE UNIQUE INDEX api_token_name_key ON api_token (tenant_id, name) WHERE revoked_at IS NULL;
CREATE INDEX api_token_tenant_idx ON api_token (tenant_id, api_token_id);
