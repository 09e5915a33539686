//! The audit trail: who did what to whose data, when. Append-only and hash-chained per
//! municipality: each event's hash covers the previous event's hash and the event's own
//! fields, so an edited, inserted or deleted event is detected by [`Yui::verify_audit`]
//! (`yui audit verify`). Events about one resident's data carry a `person_key` so that an
//! admin can list everyone who accessed that person's data.

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::Yui;
use crate::error::CoreError;
use crate::model::TenantId;

/// The hash before the first event of a chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    Staff,
    Operator,
    Resident,
    System,
    /// An API token of the municipality (its name is the label).
    Api,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Staff => "staff",
            ActorKind::Operator => "operator",
            ActorKind::Resident => "resident",
            ActorKind::System => "system",
            ActorKind::Api => "api",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ActorKind::Staff,
            ActorKind::Operator,
            ActorKind::Resident,
            ActorKind::System,
            ActorKind::Api,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// An event to record. `detail` is JSON text, hashed exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub tenant_id: Option<TenantId>,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i64>,
    /// The actor's login name (or "operator"/"system") at the time: names can change later.
    pub actor_label: String,
    /// What happened, e.g. `staff.sign_in`, `submission.view`, `submission.export`.
    pub action: String,
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    /// Identifies the resident whose data this touched, for the per-resident access report.
    pub person_key: Option<String>,
    pub client_addr: Option<String>,
    pub detail: String,
}

impl AuditEntry {
    /// An entry with no subject, person or detail.
    pub fn new(
        tenant_id: Option<TenantId>,
        actor_kind: ActorKind,
        actor_id: Option<i64>,
        actor_label: &str,
        action: &str,
    ) -> Self {
        Self {
            tenant_id,
            actor_kind,
            actor_id,
            actor_label: actor_label.to_owned(),
            action: action.to_owned(),
            subject_kind: None,
            subject_id: None,
            person_key: None,
            client_addr: None,
            detail: "{}".to_owned(),
        }
    }

    pub fn subject(mut self, kind: &str, id: impl ToString) -> Self {
        self.subject_kind = Some(kind.to_owned());
        self.subject_id = Some(id.to_string());
        self
    }

    pub fn person(mut self, key: Option<String>) -> Self {
        self.person_key = key;
        self
    }

    pub fn client(mut self, addr: Option<std::net::IpAddr>) -> Self {
        self.client_addr = addr.map(|a| a.to_string());
        self
    }

    pub fn detail(mut self, detail: &serde_json::Value) -> Self {
        self.detail = detail.to_string();
        self
    }

    /// The chain this entry belongs to: its municipality, or 0 for instance-level events.
    pub fn chain_key(&self) -> i64 {
        self.tenant_id.map_or(0, |t| t.0)
    }
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub chain_key: i64,
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(skip)]
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an event: SHA-256 over the previous hash, the position, the time and every
/// field, each length-prefixed so that no two different events share an input.
pub fn event_hash(prev_hash: &str, seq: i64, at_ms: i64, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(prev_hash.as_bytes());
    field(&seq.to_be_bytes());
    field(&at_ms.to_be_bytes());
    field(&e.tenant_id.map_or(-1, |t| t.0).to_be_bytes());
    field(e.actor_kind.as_str().as_bytes());
    field(&e.actor_id.unwrap_or(-1).to_be_bytes());
    field(e.actor_label.as_bytes());
    field(e.action.as_bytes());
    for optional in [
        &e.subject_kind,
        &e.subject_id,
        &e.person_key,
        &e.client_addr,
    ] {
        match optional {
            Some(v) => {
                field(b"1");
                field(v.as_bytes());
            }
            None => field(b"0"),
        }
    }
    field(e.detail.as_bytes());
    crate::token::hex(&h.finalize())
}

/// A chain's recorded head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub chain_key: i64,
    pub seq: i64,
    pub head_hash: String,
}

/// What `yui audit verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub chains: u64,
    pub events: u64,
    pub problems: Vec<AuditProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditProblem {
    pub chain_key: i64,
    pub seq: i64,
    pub what: String,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Rows read per round trip while verifying.
const VERIFY_PAGE: u32 = 5_000;

impl Yui {
    /// Records an event on its own (events that belong to a change are written by the store
    /// in the change's transaction).
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<AuditEvent, CoreError> {
        Ok(self.store().append_audit(entry, self.clock().now()).await?)
    }

    /// Recomputes every chain and reports each event that was edited, inserted, reordered or
    /// deleted, and each chain whose tail was cut off. `progress` is called with the number of
    /// events checked so far.
    pub async fn verify_audit(
        &self,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<AuditReport, CoreError> {
        let mut report = AuditReport::default();
        for head in self.store().audit_chains().await? {
            report.chains += 1;
            let mut expected_seq = 1i64;
            let mut prev = GENESIS_HASH.to_owned();
            loop {
                let page = self
                    .store()
                    .audit_page(head.chain_key, expected_seq - 1, VERIFY_PAGE)
                    .await?;
                if page.is_empty() {
                    break;
                }
                for ev in &page {
                    report.events += 1;
                    let problem = |what: String| AuditProblem {
                        chain_key: head.chain_key,
                        seq: ev.seq,
                        what,
                    };
                    if ev.seq != expected_seq {
                        report.problems.push(problem(format!(
                            "event {expected_seq} is missing (next event is {})",
                            ev.seq
                        )));
                    }
                    if ev.prev_hash != prev {
                        report
                            .problems
                            .push(problem("does not follow the previous event".into()));
                    }
                    let recomputed = event_hash(
                        &ev.prev_hash,
                        ev.seq,
                        crate::token::unix_ms(ev.at),
                        &ev.entry,
                    );
                    if recomputed != ev.hash {
                        report
                            .problems
                            .push(problem("was changed after it was recorded".into()));
                    }
                    prev = ev.hash.clone();
                    expected_seq = ev.seq + 1;
                }
                progress(report.events);
            }
            if expected_seq - 1 != head.seq || prev != head.head_hash {
                report.problems.push(AuditProblem {
                    chain_key: head.chain_key,
                    seq: head.seq,
                    what: format!(
                        "the chain should end at event {} but ends at event {}: events were removed",
                        head.seq,
                        expected_seq - 1
                    ),
                });
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> AuditEntry {
        AuditEntry::new(
            Some(TenantId(1)),
            ActorKind::Staff,
            Some(7),
            "tanaka",
            "submission.view",
        )
        .subject("submission", 42)
        .person(Some("p1".into()))
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = event_hash(GENESIS_HASH, 1, 1000, &entry());
        assert_eq!(base.len(), 64);
        assert_eq!(
            base,
            event_hash(GENESIS_HASH, 1, 1000, &entry()),
            "deterministic"
        );
        let mut variants = vec![
            event_hash("1", 1, 1000, &entry()),
            event_hash(GENESIS_HASH, 2, 1000, &entry()),
            event_hash(GENESIS_HASH, 1, 1001, &entry()),
        ];
        let mut e = entry();
        e.actor_label = "suzuki".into();
        variants.push(event_hash(GENESIS_HASH, 1, 1000, &e));
        let mut e = entry();
        e.person_key = None;
        variants.push(event_hash(GENESIS_HASH, 1, 1000, &e));
        let mut e = entry();
        e.detail = "{\"rows\":1}".into();
        variants.push(event_hash(GENESIS_HASH, 1, 1000, &e));
        for v in variants {
            assert_ne!(v, base);
        }
    }

    #[test]
    fn moving_text_between_fields_changes_the_hash() {
        let mut a = entry();
        a.subject_kind = Some("ab".into());
        a.subject_id = Some("c".into());
        let mut b = entry();
        b.subject_kind = Some("a".into());
        b.subject_id = Some("bc".into());
        assert_ne!(
            event_hash(GENESIS_HASH, 1, 0, &a),
            event_hash(GENESIS_HASH, 1, 0, &b)
        );
    }
}
