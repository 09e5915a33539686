//! `yui-bench seed`: one town with the play-room booking app, staff, and N submissions.
//!
//! The town, app and staff are created through Yui's use cases, like an operator would. The
//! submissions are then written straight into the tables in large transactions (multi-row
//! INSERTs), with the same normalised answers, search text and indexed values that
//! `Yui::submit_answers` stores, and the status counters and receipt counters brought in
//! line at the end. A generator thread makes the next batch while the database writes one.

use std::collections::BTreeMap;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use sqlx::Connection as _;
use time::{Duration, OffsetDateTime};
use yui_core::clock::JST;
use yui_core::records::receipt_number;
use yui_core::resident::{indexed_values, person_key_for_email, search_text};
use yui_core::review::IndexedValue;
use yui_core::staff::NewStaffInput;
use yui_core::token::hash_token;
use yui_core::{Actor, Yui};
use yui_domain::definition::Form;
use yui_store::DatabaseTarget;

use crate::data::{Rng, answers, status};

/// The staff password of a seeded town (a benchmark database holds no real data).
pub const PASSWORD: &str = "bench password 2026";

const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");

/// Rows per INSERT statement (well under both backends' parameter limits).
const ROWS_PER_STATEMENT: usize = 500;

/// The last submission's time: 2026-04-01 00:00 in Japan. The year before it is filled.
const END: OffsetDateTime = time::macros::datetime!(2026-03-31 15:00 UTC);

/// One submission as written.
struct Row {
    id: i64,
    receipt: String,
    idempotency_key: String,
    status: &'static str,
    answers: String,
    email: String,
    person_key: String,
    search_text: String,
    assignee: Option<i64>,
    submitted_at: i64,
    values: Vec<IndexedValue>,
}

/// What every row shares.
struct Ctx {
    tenant: i64,
    app: i64,
    version: i64,
}

pub async fn run(
    yui: &Yui,
    target: &DatabaseTarget,
    town: &str,
    count: u64,
    batch: u64,
) -> anyhow::Result<()> {
    let op = Actor::Operator;
    let tenant = yui
        .create_tenant(&op, town, "434248", "小国町")
        .await
        .context("creating the town (seed a fresh database)")?;
    let app = yui.create_app(&op, tenant.id, PLAY_ROOM).await?;
    yui.publish_app(&op, tenant.id, app.id, "benchmark").await?;
    let published = yui.resident_app(tenant.id, "play-room-booking").await?;
    let mut assignees = Vec::new();
    for (login, role) in [
        ("admin", "admin"),
        ("reviewer", "reviewer"),
        ("reviewer2", "reviewer"),
        ("reviewer3", "reviewer"),
        ("viewer", "viewer"),
    ] {
        let input = NewStaffInput {
            login: login.into(),
            display_name: format!("{login} さん"),
            role: role.into(),
            department: None,
            password: PASSWORD.into(),
        };
        let user = yui.create_staff_user(&op, tenant.id, &input).await?;
        if role != "viewer" {
            assignees.push(user.id.0);
        }
    }
    let ctx = Ctx {
        tenant: tenant.id.0,
        app: published.app.id.0,
        version: published.version.id.0,
    };
    let bar = ProgressBar::new(count);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} submissions ({per_sec}, {eta} left)",
        )?
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let years = match target {
        DatabaseTarget::Sqlite { data_dir } => {
            let path = data_dir.join(yui_store::open::SQLITE_FILE);
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                // Seeding only: a crash means seeding again, so skip the per-commit fsync.
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
            let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
            let years = load(
                &mut conn,
                &ctx,
                published.form.clone(),
                assignees,
                count,
                batch,
                &bar,
                insert_sqlite,
            )
            .await?;
            finish_sqlite(&mut conn, &ctx, &years).await?;
            years
        }
        DatabaseTarget::Postgres { url } => {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            sqlx::query("SET synchronous_commit = off")
                .execute(&mut conn)
                .await?;
            let years = load(
                &mut conn,
                &ctx,
                published.form.clone(),
                assignees,
                count,
                batch,
                &bar,
                insert_postgres,
            )
            .await?;
            finish_postgres(&mut conn, &ctx, &years).await?;
            years
        }
    };
    bar.finish();
    println!(
        "seeded town {town} with {count} submissions in {:.1} s (receipts per year: {years:?})",
        started.elapsed().as_secs_f64()
    );
    println!("staff: admin, reviewer, reviewer2, reviewer3, viewer; password: {PASSWORD}");
    Ok(())
}

type Inserter<C> = for<'a> fn(
    &'a mut C,
    &'a Ctx,
    &'a [Row],
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>,
>;

/// Generates batches on a thread of their own and writes them as they come.
#[allow(clippy::too_many_arguments)]
async fn load<C: Send>(
    conn: &mut C,
    ctx: &Ctx,
    form: std::sync::Arc<Form>,
    assignees: Vec<i64>,
    count: u64,
    batch: u64,
    bar: &ProgressBar,
    insert: Inserter<C>,
) -> anyhow::Result<BTreeMap<i32, i64>> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Row>>(2);
    let generator =
        tokio::task::spawn_blocking(move || generate(&form, &assignees, count, batch, &tx));
    while let Some(rows) = rx.recv().await {
        insert(conn, ctx, &rows).await?;
        bar.inc(rows.len() as u64);
    }
    generator.await?
}

fn generate(
    form: &Form,
    assignees: &[i64],
    count: u64,
    batch: u64,
    tx: &tokio::sync::mpsc::Sender<Vec<Row>>,
) -> anyhow::Result<BTreeMap<i32, i64>> {
    let mut rng = Rng::new(20_260_401);
    let mut years: BTreeMap<i32, i64> = BTreeMap::new();
    let span_ms: i64 = 365 * 24 * 3600 * 1000;
    let step = (span_ms / i64::try_from(count.max(1)).unwrap_or(1)).max(1);
    let start = END - Duration::days(365);
    let start_ms = i64::try_from(start.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let mut rows = Vec::new();
    for i in 0..count {
        let n = i64::try_from(i).unwrap_or(i64::MAX);
        // In time order, so receipt numbers grow with time as they do in production.
        let at_ms =
            start_ms + n * step + i64::try_from(rng.below(step.unsigned_abs())).unwrap_or(0);
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)?
            .to_offset(JST);
        let map = answers(&mut rng, at.date());
        let seq = years.entry(at.year()).or_default();
        *seq += 1;
        let email = map
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let age_days = (END - at).whole_days();
        let status = status(&mut rng, age_days);
        let assignee = (status != "received" && rng.chance(80)).then(|| *rng.pick(assignees));
        rows.push(Row {
            id: n + 1,
            receipt: receipt_number(at.year(), *seq),
            idempotency_key: hash_token(&format!("bench-{n}")),
            status,
            search_text: search_text(&map),
            values: indexed_values(form, &map),
            answers: Value::Object(map).to_string(),
            person_key: person_key_for_email(&email),
            email,
            assignee,
            submitted_at: at_ms,
        });
        if (rows.len() as u64 >= batch || i + 1 == count)
            && tx.blocking_send(std::mem::take(&mut rows)).is_err()
        {
            anyhow::bail!("the writer stopped");
        }
    }
    Ok(years)
}

/// One transaction of multi-row INSERTs, the same SQL on both backends.
macro_rules! insert_rows {
    ($db:ty, $conn:expr, $ctx:expr, $rows:expr) => {{
        let ctx: &Ctx = $ctx;
        let rows: &[Row] = $rows;
        let mut tx = $conn.begin().await?;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO submission (submission_id, tenant_id, app_id, app_version_id, \
                 receipt_number, idempotency_key, status, channel, answers, contact_email, \
                 person_key, search_text, assignee_id, revision, submitted_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id)
                    .push_bind(ctx.tenant)
                    .push_bind(ctx.app)
                    .push_bind(ctx.version)
                    .push_bind(r.receipt.clone())
                    .push_bind(r.idempotency_key.clone())
                    .push_bind(r.status)
                    .push_bind("web")
                    .push_bind(r.answers.clone())
                    .push_bind(r.email.clone())
                    .push_bind(r.person_key.clone())
                    .push_bind(r.search_text.clone())
                    .push_bind(r.assignee)
                    .push_bind(1_i32)
                    .push_bind(r.submitted_at)
                    .push_bind(r.submitted_at);
            });
            q.build().execute(&mut *tx).await?;
        }
        let values: Vec<(i64, &IndexedValue)> = rows
            .iter()
            .flat_map(|r| r.values.iter().map(move |v| (r.id, v)))
            .collect();
        for chunk in values.chunks(ROWS_PER_STATEMENT * 3) {
            let mut q = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO submission_value (submission_id, tenant_id, app_id, field, \
                 text_value, num_value) ",
            );
            q.push_values(chunk, |mut b, (id, v)| {
                b.push_bind(*id)
                    .push_bind(ctx.tenant)
                    .push_bind(ctx.app)
                    .push_bind(v.field.clone())
                    .push_bind(v.text.clone())
                    .push_bind(v.num);
            });
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }};
}

fn insert_sqlite<'a>(
    conn: &'a mut sqlx::SqliteConnection,
    ctx: &'a Ctx,
    rows: &'a [Row],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>> {
    Box::pin(async move { insert_rows!(sqlx::Sqlite, conn, ctx, rows) })
}

fn insert_postgres<'a>(
    conn: &'a mut sqlx::PgConnection,
    ctx: &'a Ctx,
    rows: &'a [Row],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>> {
    Box::pin(async move { insert_rows!(sqlx::Postgres, conn, ctx, rows) })
}

/// Status counters, receipt counters and planner statistics, the same on both backends.
macro_rules! finish {
    ($conn:expr, $ctx:expr, $years:expr) => {{
        let ctx: &Ctx = $ctx;
        sqlx::query(
            "INSERT INTO submission_status_count (tenant_id, app_id, status, n) \
             SELECT tenant_id, app_id, status, COUNT(*) FROM submission WHERE tenant_id = $1 \
             GROUP BY tenant_id, app_id, status \
             ON CONFLICT (tenant_id, app_id, status) DO UPDATE SET n = excluded.n",
        )
        .bind(ctx.tenant)
        .execute(&mut *$conn)
        .await?;
        for (year, seq) in $years {
            sqlx::query(
                "INSERT INTO receipt_counter (tenant_id, year, last_seq) VALUES ($1, $2, $3) \
                 ON CONFLICT (tenant_id, year) DO UPDATE SET last_seq = excluded.last_seq",
            )
            .bind(ctx.tenant)
            .bind(*year)
            .bind(*seq)
            .execute(&mut *$conn)
            .await?;
        }
        sqlx::query("ANALYZE").execute(&mut *$conn).await?;
    }};
}

async fn finish_sqlite(
    conn: &mut sqlx::SqliteConnection,
    ctx: &Ctx,
    years: &BTreeMap<i32, i64>,
) -> anyhow::Result<()> {
    finish!(conn, ctx, years);
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn finish_postgres(
    conn: &mut sqlx::PgConnection,
    ctx: &Ctx,
    years: &BTreeMap<i32, i64>,
) -> anyhow::Result<()> {
    finish!(conn, ctx, years);
    // Ids were given explicitly; the identity sequence must continue after them.
    sqlx::query(
        "SELECT setval(pg_get_serial_sequence('submission', 'submission_id'), \
         (SELECT MAX(submission_id) FROM submission))",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
