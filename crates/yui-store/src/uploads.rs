//! Uploaded files waiting for their submission, and the local-disk blob store.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::model::TenantId;
use yui_core::ports::{Blobs, StoreError, StoreResult, UploadStore};
use yui_core::records::{AppId, UploadRecord};

use crate::error::map;
use crate::rows::{from_ms, ms};
use crate::{SqlStore, with_pool};

#[derive(sqlx::FromRow)]
struct UploadRow {
    blob_key: String,
    tenant_id: i64,
    app_id: i64,
    owner_hash: String,
    field_path: String,
    name: String,
    content_type: String,
    size: i64,
    sha256: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    created_at: i64,
}

impl TryFrom<UploadRow> for UploadRecord {
    type Error = StoreError;
    fn try_from(r: UploadRow) -> Result<Self, StoreError> {
        Ok(UploadRecord {
            blob_key: r.blob_key,
            tenant_id: TenantId(r.tenant_id),
            app_id: AppId(r.app_id),
            owner_hash: r.owner_hash,
            field_path: r.field_path,
            name: r.name,
            content_type: r.content_type,
            size: r.size.unsigned_abs(),
            sha256: r.sha256,
            location: r.latitude.zip(r.longitude),
            created_at: from_ms(r.created_at)?,
        })
    }
}

macro_rules! upload_columns {
    () => {
        "blob_key, tenant_id, app_id, owner_hash, field_path, name, content_type, size, sha256, \
         latitude, longitude, created_at"
    };
}

#[async_trait]
impl UploadStore for SqlStore {
    async fn record_upload(&self, u: &UploadRecord) -> StoreResult<()> {
        with_pool!(self, write, |pool| {
            sqlx::query(concat!(
                "INSERT INTO upload (",
                upload_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ))
            .bind(&u.blob_key)
            .bind(u.tenant_id.0)
            .bind(u.app_id.0)
            .bind(&u.owner_hash)
            .bind(&u.field_path)
            .bind(&u.name)
            .bind(&u.content_type)
            .bind(i64::try_from(u.size).unwrap_or(i64::MAX))
            .bind(&u.sha256)
            .bind(u.location.map(|l| l.0))
            .bind(u.location.map(|l| l.1))
            .bind(ms(u.created_at))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        Ok(())
    }

    async fn upload(&self, tenant: TenantId, blob_key: &str) -> StoreResult<Option<UploadRecord>> {
        let row: Option<UploadRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                upload_columns!(),
                " FROM upload WHERE tenant_id = $1 AND blob_key = $2"
            ))
            .bind(tenant.0)
            .bind(blob_key)
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(UploadRecord::try_from).transpose()
    }

    async fn stale_uploads(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<UploadRecord>> {
        let rows: Vec<UploadRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                upload_columns!(),
                " FROM upload WHERE created_at < $1 AND NOT EXISTS \
                 (SELECT 1 FROM submission_file f WHERE f.blob_key = upload.blob_key) LIMIT $2"
            ))
            .bind(ms(before))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        rows.into_iter().map(UploadRecord::try_from).collect()
    }

    async fn forget_upload(&self, blob_key: &str) -> StoreResult<()> {
        with_pool!(self, write, |pool| {
            sqlx::query("DELETE FROM upload WHERE blob_key = $1")
                .bind(blob_key)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        Ok(())
    }
}

/// Files on local disk under `<data dir>/blobs/<town>/<xx>/<key>`. A write goes to a
/// temporary file that is synced, renamed into place, and its directory synced, so a file
/// whose `put` returned survives a crash; an error while syncing is never retried away.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("blobs"),
        }
    }

    fn path(&self, tenant: TenantId, key: &str) -> Option<PathBuf> {
        // Keys are ours: 32 lowercase hex digits. Anything else is not a key (no traversal).
        let valid = key.len() == 32
            && key
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| {
            self.root
                .join(tenant.0.to_string())
                .join(&key[..2])
                .join(key)
        })
    }
}

fn io_error(e: &std::io::Error) -> StoreError {
    // A full disk or a read-only filesystem is a condition to wait out, not a bug.
    match e.raw_os_error() {
        Some(28 | 30 | 122) => StoreError::Unavailable(format!("file storage: {e}")),
        _ => StoreError::Internal(format!("file storage: {e}")),
    }
}

fn write_durably(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("blob")
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[async_trait]
impl Blobs for LocalBlobs {
    async fn put(&self, tenant: TenantId, bytes: Vec<u8>) -> StoreResult<String> {
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw)
            .map_err(|e| StoreError::Internal(format!("random source: {e}")))?;
        let key: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let path = self
            .path(tenant, &key)
            .ok_or_else(|| StoreError::Internal("bad blob key".into()))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        tokio::task::spawn_blocking(move || write_durably(&dir, &path, &bytes))
            .await
            .map_err(|e| StoreError::Internal(format!("file storage task: {e}")))?
            .map_err(|e| io_error(&e))?;
        Ok(key)
    }

    async fn get(&self, tenant: TenantId, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let Some(path) = self.path(tenant, key) else {
            return Ok(None);
        };
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&e)),
        }
    }

    async fn delete(&self, tenant: TenantId, key: &str) -> StoreResult<()> {
        let Some(path) = self.path(tenant, key) else {
            return Ok(());
        };
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(&e)),
        }
    }
}
