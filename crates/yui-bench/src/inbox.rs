//! `yui-bench inbox`: the inbox's first page and a filtered page, timed through
//! `Yui::inbox` as a reviewer (the query, the status counts and the app scope, without HTTP
//! and page rendering), N times each after a warm-up. Prints one JSON line per page kind.

use std::time::Instant;

use yui_core::actor::StaffActor;
use yui_core::clock::JST;
use yui_core::model::Tenant;
use yui_core::records::AppRecord;
use yui_core::review::{InboxQuery, ValueFilter};
use yui_core::{Actor, Yui};
use yui_domain::tenant::Role;

const WARM_UP: u32 = 10;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The seeded town's reviewer, as an actor, with the town and the play-room app.
pub async fn as_reviewer(yui: &Yui, town: &str) -> anyhow::Result<(Tenant, Actor, AppRecord)> {
    let tenant = yui.tenant_by_slug(town).await?;
    let reviewer = yui
        .staff_users(&Actor::Operator, tenant.id)
        .await?
        .into_iter()
        .find(|u| u.login.as_str() == "reviewer")
        .ok_or_else(|| anyhow::anyhow!("no reviewer in {town}; run `yui-bench seed` first"))?;
    let actor = Actor::Staff(StaffActor {
        user_id: reviewer.id,
        login: "reviewer".into(),
        tenant_id: tenant.id,
        role: Role::Reviewer,
        department_id: None,
    });
    let app = yui
        .staff_app(&actor, tenant.id, "play-room-booking")
        .await?;
    Ok((tenant, actor, app))
}

pub async fn run(yui: &Yui, backend: &str, town: &str, requests: u32) -> anyhow::Result<()> {
    let (tenant, actor, app) = as_reviewer(yui, town).await?;
    let first = InboxQuery {
        apps: vec![app.id],
        limit: 50,
        ..InboxQuery::default()
    };
    // 受付 and 審査中, mornings only, submitted in the last three months of the year.
    let from = time::macros::datetime!(2026-01-01 00:00).assume_offset(JST);
    let until = time::macros::datetime!(2026-04-01 00:00).assume_offset(JST);
    let filtered = InboxQuery {
        statuses: vec!["received".into(), "reviewing".into()],
        values: vec![ValueFilter::OneOf {
            field: "slot".into(),
            values: vec!["am".into()],
        }],
        submitted_from: Some(from),
        submitted_until: Some(until),
        ..first.clone()
    };
    for (name, query) in [("first", first), ("filtered", filtered)] {
        let mut times = Vec::new();
        let mut rows = 0;
        for i in 0..WARM_UP + requests {
            let started = Instant::now();
            let page = yui.inbox(&actor, tenant.id, query.clone()).await?;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            rows = page.rows.len();
            if i >= WARM_UP {
                times.push(ms);
            }
        }
        times.sort_by(f64::total_cmp);
        #[allow(clippy::cast_precision_loss)]
        let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
        println!(
            "{}",
            serde_json::json!({
                "backend": backend,
                "page": name,
                "requests": requests,
                "rows": rows,
                "p50_ms": (percentile(&times, 0.50) * 100.0).round() / 100.0,
                "p99_ms": (percentile(&times, 0.99) * 100.0).round() / 100.0,
                "mean_ms": (mean * 100.0).round() / 100.0,
            })
        );
    }
    Ok(())
}
