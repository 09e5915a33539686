//! The review workflow of an app: states a submission moves through and who may move it.
//!
//! A definition may spell out its own workflow; without one it gets [`Workflow::default`]:
//! 受付 (received) → 審査中 (reviewing) → 完了 (completed), with 差戻し (returned: the resident
//! corrects and resubmits) and 却下 (rejected). The checks here run when a definition is
//! compiled; [`Workflow::can`] is what the review use case asks before changing a status.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, VecDeque};

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use crate::definition::Text;
use crate::tenant::Role;

/// States and transitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    /// The state of a new submission; the first state when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<String>,
    pub states: Vec<WorkflowState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowState {
    /// `[a-z][a-z0-9_]*`, stored with each submission.
    pub name: String,
    /// Shown to staff and residents (e.g. 審査中).
    pub label: Text,
    /// A final state ends processing: no transitions leave it.
    #[serde(rename = "final", default, skip_serializing_if = "std::ops::Not::not")]
    pub is_final: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub from: String,
    pub to: String,
    /// The action's name on the button (e.g. 差し戻す); the target state's label when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    /// Staff roles allowed to take it (admins always may).
    #[serde(default = "default_roles", skip_serializing_if = "is_default_roles")]
    pub roles: Vec<Role>,
    /// Taken by the resident resubmitting a correction, not by staff.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resident: bool,
    /// Send the resident the `status_changed` notification.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub notify: bool,
}

fn default_roles() -> Vec<Role> {
    vec![Role::Admin, Role::Reviewer]
}

fn is_default_roles(roles: &[Role]) -> bool {
    roles == default_roles()
}

impl JsonSchema for Role {
    fn schema_name() -> Cow<'static, str> {
        "Role".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        Schema::try_from(serde_json::json!({
            "type": "string",
            "enum": ["admin", "builder", "reviewer", "viewer"]
        }))
        .unwrap_or_default()
    }
}

/// A problem in a workflow, with its path relative to the workflow (`states[2].name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowProblem {
    pub code: &'static str,
    pub path: String,
    pub message_ja: String,
    pub message_en: String,
}

fn problem(code: &'static str, path: String, ja: String, en: String) -> WorkflowProblem {
    WorkflowProblem {
        code,
        path,
        message_ja: ja,
        message_en: en,
    }
}

fn state(name: &str, ja: &str, en: &str, is_final: bool) -> WorkflowState {
    WorkflowState {
        name: name.to_owned(),
        label: Text::new(ja, en),
        is_final,
    }
}

fn transition(from: &str, to: &str, ja: &str, en: &str, notify: bool) -> Transition {
    Transition {
        from: from.to_owned(),
        to: to.to_owned(),
        label: Some(Text::new(ja, en)),
        roles: default_roles(),
        resident: false,
        notify,
    }
}

impl Default for Workflow {
    /// 受付 → 審査中 → 完了, with 差戻し (resubmitted by the resident back to 審査中) and 却下.
    /// Staff can also take a returned submission back into review (when the resident answered
    /// by phone or at the counter, or the link ran out) or reject it, so none is left stuck.
    fn default() -> Self {
        let mut resubmit = transition("returned", "reviewing", "再提出", "Resubmit", false);
        resubmit.roles = Vec::new();
        resubmit.resident = true;
        Workflow {
            initial: Some("received".to_owned()),
            states: vec![
                state("received", "受付", "Received", false),
                state("reviewing", "審査中", "Under review", false),
                state("returned", "差戻し", "Returned for correction", false),
                state("completed", "完了", "Completed", true),
                state("rejected", "却下", "Rejected", true),
            ],
            transitions: vec![
                transition(
                    "received",
                    "reviewing",
                    "審査を始める",
                    "Start review",
                    false,
                ),
                transition("received", "completed", "完了にする", "Complete", true),
                transition(
                    "received",
                    "returned",
                    "差し戻す",
                    "Return for correction",
                    true,
                ),
                transition("received", "rejected", "却下する", "Reject", true),
                transition("reviewing", "completed", "完了にする", "Complete", true),
                transition(
                    "reviewing",
                    "returned",
                    "差し戻す",
                    "Return for correction",
                    true,
                ),
                transition("reviewing", "rejected", "却下する", "Reject", true),
                transition(
                    "returned",
                    "reviewing",
                    "差戻しを取り消して審査に戻す",
                    "Cancel the return and review it",
                    true,
                ),
                transition("returned", "rejected", "却下する", "Reject", true),
                resubmit,
            ],
        }
    }
}

impl Workflow {
    /// The state of a new submission.
    pub fn initial_state(&self) -> Option<&WorkflowState> {
        match &self.initial {
            Some(name) => self.state(name),
            None => self.states.first(),
        }
    }

    pub fn state(&self, name: &str) -> Option<&WorkflowState> {
        self.states.iter().find(|s| s.name == name)
    }

    /// Transitions leaving `state` (staff and resident ones), in definition order.
    pub fn transitions_from<'a>(&'a self, state: &'a str) -> impl Iterator<Item = &'a Transition> {
        self.transitions.iter().filter(move |t| t.from == state)
    }

    /// Whether a staff member with `role` may move a submission from `from` to `to`.
    /// Admins may take every staff transition; resident transitions are never staff's.
    pub fn can(&self, from: &str, to: &str, role: Role) -> bool {
        self.transitions.iter().any(|t| {
            t.from == from
                && t.to == to
                && !t.resident
                && (role == Role::Admin || t.roles.contains(&role))
        })
    }

    /// The transition a resident's corrected resubmission takes from `state`, if any.
    pub fn resident_transition(&self, state: &str) -> Option<&Transition> {
        self.transitions
            .iter()
            .find(|t| t.from == state && t.resident)
    }

    /// Everything wrong with the workflow; empty when it is sound.
    pub fn check(&self) -> Vec<WorkflowProblem> {
        let mut problems = Vec::new();
        if self.states.is_empty() {
            problems.push(problem(
                "workflow.no_states",
                "states".into(),
                "状態が 1 つもありません".into(),
                "the workflow has no states".into(),
            ));
            return problems;
        }
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, s) in self.states.iter().enumerate() {
            let path = format!("states[{i}].name");
            let valid = s
                .name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
                && s.name.len() <= 40
                && s.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                problems.push(problem(
                    "workflow.invalid_state_name",
                    path.clone(),
                    format!("状態名「{}」は英小文字・数字・_ で書いてください（先頭は英小文字）", s.name),
                    format!("state name {:?} must be lowercase letters, digits and _ (starting with a letter)", s.name),
                ));
            }
            if index.insert(&s.name, i).is_some() {
                problems.push(problem(
                    "workflow.duplicate_state",
                    path,
                    format!("状態「{}」が 2 回定義されています", s.name),
                    format!("state {:?} is defined twice", s.name),
                ));
            }
        }
        let initial = match &self.initial {
            Some(name) if !index.contains_key(name.as_str()) => {
                problems.push(problem(
                    "workflow.unknown_initial",
                    "initial".into(),
                    format!("最初の状態「{name}」が states にありません"),
                    format!("initial state {name:?} is not among the states"),
                ));
                None
            }
            Some(name) => Some(name.as_str()),
            None => Some(self.states[0].name.as_str()),
        };
        // A resident's resubmission and a staff step between the same two states are different
        // steps (different people take them); the same step twice is a mistake.
        let mut seen: BTreeSet<(&str, &str, bool)> = BTreeSet::new();
        for (i, t) in self.transitions.iter().enumerate() {
            for (key, name) in [("from", &t.from), ("to", &t.to)] {
                if !index.contains_key(name.as_str()) {
                    let suggestion = crate::definition::did_you_mean(
                        name,
                        self.states.iter().map(|s| s.name.as_str()),
                    );
                    let (ja, en) = suggestion.map_or((String::new(), String::new()), |s| {
                        (
                            format!("（{s} のことですか）"),
                            format!(" (did you mean {s}?)"),
                        )
                    });
                    problems.push(problem(
                        "workflow.unknown_state",
                        format!("transitions[{i}].{key}"),
                        format!("状態「{name}」はありません{ja}"),
                        format!("unknown state {name:?}{en}"),
                    ));
                }
            }
            if !seen.insert((&t.from, &t.to, t.resident)) {
                problems.push(problem(
                    "workflow.duplicate_transition",
                    format!("transitions[{i}]"),
                    format!(
                        "「{}」から「{}」への移動が 2 回定義されています",
                        t.from, t.to
                    ),
                    format!("the transition {} → {} is defined twice", t.from, t.to),
                ));
            }
            if self.state(&t.from).is_some_and(|s| s.is_final) {
                problems.push(problem(
                    "workflow.transition_from_final",
                    format!("transitions[{i}].from"),
                    format!("終了状態「{}」からは移動できません", t.from),
                    format!("final state {:?} cannot have outgoing transitions", t.from),
                ));
            }
            if !t.resident && t.roles.is_empty() {
                problems.push(problem(
                    "workflow.no_roles",
                    format!("transitions[{i}].roles"),
                    "この移動を行える役割がありません".into(),
                    "no role may take this transition".into(),
                ));
            }
        }
        if let Some(initial) = initial {
            let reachable = self.reachable_from(initial);
            for (i, s) in self.states.iter().enumerate() {
                if !reachable.contains(s.name.as_str()) {
                    problems.push(problem(
                        "workflow.unreachable_state",
                        format!("states[{i}]"),
                        format!("状態「{}」には最初の状態からたどり着けません", s.name),
                        format!(
                            "state {:?} cannot be reached from the initial state",
                            s.name
                        ),
                    ));
                } else if !s.is_final && self.transitions_from(&s.name).next().is_none() {
                    problems.push(problem(
                        "workflow.dead_end",
                        format!("states[{i}]"),
                        format!("状態「{}」から先に進めません（終了状態なら final: true にしてください）", s.name),
                        format!("state {:?} has no way out (mark it final: true if it ends processing)", s.name),
                    ));
                }
            }
        }
        problems
    }

    fn reachable_from<'a>(&'a self, initial: &'a str) -> BTreeSet<&'a str> {
        let mut reached = BTreeSet::from([initial]);
        let mut queue = VecDeque::from([initial]);
        while let Some(state) = queue.pop_front() {
            for t in self.transitions_from(state) {
                if reached.insert(t.to.as_str()) {
                    queue.push_back(&t.to);
                }
            }
        }
        reached
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_workflow_is_sound() {
        let workflow = Workflow::default();
        assert_eq!(workflow.check(), vec![]);
        assert_eq!(
            workflow.initial_state().map(|s| s.name.as_str()),
            Some("received")
        );
    }

    #[test]
    fn reviewers_and_admins_may_take_default_transitions_but_viewers_may_not() {
        let workflow = Workflow::default();
        assert!(workflow.can("received", "reviewing", Role::Reviewer));
        assert!(workflow.can("reviewing", "returned", Role::Admin));
        assert!(!workflow.can("reviewing", "completed", Role::Viewer));
        assert!(!workflow.can("reviewing", "completed", Role::Builder));
        assert!(!workflow.can("completed", "reviewing", Role::Admin));
    }

    #[test]
    fn a_returned_submission_is_resubmitted_by_the_resident_or_taken_back_by_staff() {
        let workflow = Workflow::default();
        let resubmit = workflow.resident_transition("returned").unwrap();
        assert_eq!(resubmit.to, "reviewing");
        assert_eq!(workflow.transitions_from("reviewing").count(), 3);
        // Never stuck: staff can take it back into review or reject it, and tell the resident.
        for to in ["reviewing", "rejected"] {
            assert!(workflow.can("returned", to, Role::Reviewer), "{to}");
            assert!(!workflow.can("returned", to, Role::Viewer), "{to}");
            let staff_step = workflow
                .transitions_from("returned")
                .find(|t| t.to == to && !t.resident)
                .unwrap();
            assert!(staff_step.notify, "{to}");
        }
        assert!(!workflow.can("returned", "completed", Role::Admin));
    }

    #[test]
    fn the_same_step_twice_is_a_mistake_but_staff_and_resident_steps_may_share_their_states() {
        let mut workflow = Workflow::default();
        assert_eq!(
            workflow.check(),
            vec![],
            "returned → reviewing by staff and by resident"
        );
        let again = workflow.transitions[0].clone();
        workflow.transitions.push(again);
        let codes: Vec<_> = workflow.check().iter().map(|p| p.code).collect();
        assert_eq!(codes, ["workflow.duplicate_transition"]);
    }

    #[test]
    fn admins_may_take_a_transition_limited_to_reviewers() {
        let mut workflow = Workflow::default();
        workflow.transitions[0].roles = vec![Role::Reviewer];
        assert!(workflow.can("received", "reviewing", Role::Admin));
    }

    fn codes(workflow: &Workflow) -> Vec<(&'static str, String)> {
        workflow
            .check()
            .into_iter()
            .map(|p| (p.code, p.path))
            .collect()
    }

    #[test]
    fn unknown_duplicate_and_unreachable_states_are_reported() {
        let mut workflow = Workflow::default();
        workflow.transitions[0].to = "reviewng".into();
        workflow
            .states
            .push(state("received", "受付", "Received", false));
        workflow
            .states
            .push(state("archived", "保管", "Archived", true));
        let found = codes(&workflow);
        assert!(found.contains(&("workflow.unknown_state", "transitions[0].to".into())));
        assert!(found.contains(&("workflow.duplicate_state", "states[5].name".into())));
        assert!(found.contains(&("workflow.unreachable_state", "states[6]".into())));
        let unknown = workflow
            .check()
            .into_iter()
            .find(|p| p.code == "workflow.unknown_state")
            .unwrap();
        assert!(unknown.message_en.contains("did you mean reviewing"));
    }

    #[test]
    fn an_unknown_initial_state_and_transitions_out_of_final_states_are_reported() {
        let mut workflow = Workflow {
            initial: Some("new".into()),
            ..Workflow::default()
        };
        workflow.transitions.push(transition(
            "completed",
            "reviewing",
            "再開",
            "Reopen",
            false,
        ));
        let found = codes(&workflow);
        let last = workflow.transitions.len() - 1;
        assert!(found.contains(&("workflow.unknown_initial", "initial".into())));
        assert!(found.contains(&(
            "workflow.transition_from_final",
            format!("transitions[{last}].from")
        )));
    }

    #[test]
    fn a_state_without_a_way_out_must_be_final() {
        let workflow = Workflow {
            initial: None,
            states: vec![
                state("open", "受付", "Open", false),
                state("done", "完了", "Done", false),
            ],
            transitions: vec![transition("open", "done", "完了", "Done", true)],
        };
        assert_eq!(
            codes(&workflow),
            vec![("workflow.dead_end", "states[1]".into())]
        );
    }
}
