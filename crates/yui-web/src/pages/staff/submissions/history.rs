//! What a submission page shows around the answers: the history timeline (submitted, status
//! changes under the workflow's labels, assignments, comments, returns with their reason,
//! corrections), the earlier revisions kept after corrections, and the workflow steps the
//! signed-in staff member may take from the current state.

use serde::Serialize;
use serde_json::{Map, Value};
use yui_core::audit::ActorKind;
use yui_core::console::Colleague;
use yui_core::processing::SubmissionView;
use yui_core::review::{EventKind, EventRecord};
use yui_domain::tenant::Role;
use yui_domain::validate::EvalContext;
use yui_domain::workflow::Workflow;

use super::display::{Section, jst, sections};
use crate::i18n::Lang;

/// One entry of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// `submitted`, or an [`EventKind`] name.
    pub kind: &'static str,
    pub at: String,
    pub actor: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub assignee: Option<String>,
    pub body: Option<String>,
    /// For corrections: the revision the resident's answers became.
    pub revision: Option<u32>,
}

/// A step the staff member may take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub to: String,
    pub label: String,
    /// Returning for correction: needs a reason, which is e-mailed to the resident.
    pub returning: bool,
    /// The resident is told by e-mail (with the optional message).
    pub notifies: bool,
}

/// Answers as they were before a correction replaced them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub number: u32,
    pub version: u32,
    pub given_at: String,
    pub replaced_at: String,
    pub sections: Vec<Section>,
}

fn label(workflow: &Workflow, state: &str, lang: Lang) -> String {
    workflow
        .state(state)
        .map_or_else(|| state.to_owned(), |s| s.label.get(lang.code()).to_owned())
}

/// A colleague's name, or what the audit recorded when they are gone.
pub fn person(colleagues: &[Colleague], id: i64) -> Option<String> {
    colleagues
        .iter()
        .find(|c| c.id.0 == id)
        .map(|c| c.display_name.clone())
}

fn actor(e: &EventRecord, colleagues: &[Colleague], lang: Lang) -> String {
    match e.actor_kind {
        ActorKind::Staff => e
            .actor_id
            .and_then(|id| person(colleagues, id))
            .unwrap_or_else(|| e.actor_label.clone()),
        ActorKind::Api => lang.t_args("console-actor-api", &[("name", e.actor_label.clone())]),
        ActorKind::Resident => lang.t("console-actor-resident"),
        ActorKind::Operator => lang.t("console-actor-operator"),
        ActorKind::System => lang.t("console-actor-system"),
    }
}

/// The timeline, oldest first, starting with the submission itself.
pub fn timeline(view: &SubmissionView, colleagues: &[Colleague], lang: Lang) -> Vec<Entry> {
    let workflow = view.form.workflow();
    let initial = workflow.initial_state().map(|s| s.name.clone());
    let mut out = vec![Entry {
        kind: "submitted",
        at: jst(view.record.submitted_at),
        actor: lang.t("console-actor-resident"),
        from: None,
        to: initial.map(|s| label(workflow, &s, lang)),
        assignee: None,
        body: None,
        revision: None,
    }];
    let mut revision = 1;
    for e in &view.events {
        if e.kind == EventKind::Corrected {
            revision += 1;
        }
        out.push(Entry {
            kind: e.kind.as_str(),
            at: jst(e.at),
            actor: actor(e, colleagues, lang),
            from: e.from_status.as_deref().map(|s| label(workflow, s, lang)),
            to: e.to_status.as_deref().map(|s| label(workflow, s, lang)),
            assignee: e
                .assignee
                .map(|u| person(colleagues, u.0).unwrap_or_else(|| u.to_string())),
            body: e.body.clone(),
            revision: (e.kind == EventKind::Corrected).then_some(revision),
        });
    }
    out
}

/// The steps `role` may take from the submission's current state, in the workflow's order.
pub fn steps(workflow: &Workflow, status: &str, role: Role, lang: Lang) -> Vec<Step> {
    workflow
        .transitions_from(status)
        .filter(|t| !t.resident && workflow.can(&t.from, &t.to, role))
        .map(|t| {
            let returning = workflow.resident_transition(&t.to).is_some();
            Step {
                to: t.to.clone(),
                label: t.label.as_ref().map_or_else(
                    || label(workflow, &t.to, lang),
                    |l| l.get(lang.code()).to_owned(),
                ),
                returning,
                notifies: t.notify || returning,
            }
        })
        .collect()
}

/// Earlier revisions, newest first, each under the labels of the version it was given for.
pub fn revisions(view: &SubmissionView, lang: Lang, ctx: &EvalContext) -> Vec<Revision> {
    let mut given_at = jst(view.record.submitted_at);
    let mut out = Vec::new();
    for (record, version, form) in &view.revisions {
        let answers: Map<String, Value> = serde_json::from_str(&record.answers).unwrap_or_default();
        let replaced_at = jst(record.at);
        out.push(Revision {
            number: record.revision,
            version: version.version,
            given_at: std::mem::replace(&mut given_at, replaced_at.clone()),
            replaced_at,
            sections: sections(form, &answers, lang, ctx),
        });
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewers_see_the_default_workflows_steps_and_returning_is_marked() {
        let w = Workflow::default();
        let s = steps(&w, "received", Role::Reviewer, Lang::Ja);
        let names: Vec<_> = s.iter().map(|s| s.to.as_str()).collect();
        assert_eq!(
            names,
            vec!["reviewing", "completed", "returned", "rejected"]
        );
        assert_eq!(s[0].label, "審査を始める");
        assert!(s.iter().find(|s| s.to == "returned").unwrap().returning);
        assert!(!s[0].returning && !s[0].notifies);
        assert!(steps(&w, "received", Role::Viewer, Lang::Ja).is_empty());
        let back = steps(&w, "returned", Role::Reviewer, Lang::Ja);
        let names: Vec<_> = back.iter().map(|s| s.to.as_str()).collect();
        assert_eq!(names, ["reviewing", "rejected"], "staff can end a return");
        assert_eq!(back[0].label, "差戻しを取り消して審査に戻す");
        assert!(back.iter().all(|s| !s.returning && s.notifies));
        assert!(steps(&w, "completed", Role::Admin, Lang::Ja).is_empty());
    }
}
