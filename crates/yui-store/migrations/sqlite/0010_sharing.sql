-- Sharing apps between towns: apps a town offers in this instance's catalog, apps installed
-- from packages (with the upstream definition they came from, the base of later merges),
-- other instances' catalogs a town follows (with the key pinned on first fetch), and
-- adoption reports received for this instance's packages (one per package and town).

CREATE TABLE shared_package (
    shared_package_id INTEGER PRIMARY KEY,
    tenant_id         INTEGER NOT NULL,
    app_id            INTEGER NOT NULL,
    -- `<town code>/<app id>`, stable across versions.
    package_id        TEXT    NOT NULL,
    licence           TEXT    NOT NULL,
    shared_by         INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    CONSTRAINT shared_package_app_key UNIQUE (tenant_id, app_id),
    CONSTRAINT shared_package_package_key UNIQUE (package_id),
    CONSTRAINT shared_package_app_fkey FOREIGN KEY (tenant_id, app_id) REFERENCES app (tenant_id, app_id) ON DELETE CASCADE
);

CREATE TABLE installed_package (
    installed_package_id INTEGER PRIMARY KEY,
    tenant_id            INTEGER NOT NULL,
    app_id               INTEGER NOT NULL,
    package_id           TEXT    NOT NULL,
    source_fingerprint   TEXT    NOT NULL,
    source_public_key    TEXT    NOT NULL,
    author_town          TEXT    NOT NULL,
    author_code          TEXT    NOT NULL,
    catalog_url          TEXT,
    licence              TEXT    NOT NULL,
    installed_version    INTEGER NOT NULL,
    -- The upstream definition of installed_version (JSON).
    base_definition      TEXT    NOT NULL,
    -- A newer upstream version waiting for the builder, as its signed package file.
    pending_version      INTEGER,
    pending_package      TEXT,
    installed_at         INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    CONSTRAINT installed_package_app_key UNIQUE (tenant_id, app_id),
    CONSTRAINT installed_package_package_key UNIQUE (tenant_id, package_id),
    CONSTRAINT installed_package_app_fkey FOREIGN KEY (tenant_id, app_id) REFERENCES app (tenant_id, app_id) ON DELETE CASCADE
);

CREATE TABLE followed_catalog (
    followed_catalog_id INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    url                 TEXT    NOT NULL,
    key_fingerprint     TEXT    NOT NULL,
    public_key          TEXT    NOT NULL,
    -- The last document fetched, as received (signed JSON).
    document            TEXT,
    last_fetched_at     INTEGER,
    last_error          TEXT,
    created_at          INTEGER NOT NULL,
    CONSTRAINT followed_catalog_url_key UNIQUE (tenant_id, url)
);

CREATE TABLE adoption (
    adoption_id     INTEGER PRIMARY KEY,
    package_id      TEXT    NOT NULL,
    town_code       TEXT    NOT NULL,
    key_fingerprint TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    first_seen_at   INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    CONSTRAINT adoption_town_key UNIQUE (package_id, town_code)
);
