//! Three-way merge of app definitions: taking an upstream town's new version of a shared app
//! while keeping the local town's own changes (横展開 with updates).
//!
//! `base` is the upstream version the local app was installed from (or last updated to),
//! `ours` is the local working copy, `theirs` the new upstream version. Everything is merged
//! at the grain of [`crate::diff`]: one field property, one choice property, one workflow state
//! or transition, one notification text, one top-level setting. Fields, choices, states and
//! transitions are identified by name, never by position.
//!
//! For each item: changed only upstream → taken; changed only here → kept; changed the same
//! way on both sides → fine; changed differently → a [`Conflict`]. Removing something on one
//! side that the other side changed is a conflict too. Items added on either side keep the
//! place their side gave them (right after the sibling they follow there). Every conflict
//! starts out resolved as "keep mine" in [`MergeResult::merged`]; [`resolve`] applies the
//! builder's choices. Finally the merged definition is checked like any definition, and what
//! does not pass is listed as conflicts of kind [`ConflictKind::Invalid`] (they need an edit,
//! not a choice).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::definition::{AppDefinition, Form};
use crate::diff::words::{property_words, value_words};
use crate::workflow::Workflow;

/// Which side a conflict is decided for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Keep the local version (the default for every conflict).
    Ours,
    /// Take the upstream version.
    Theirs,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Ours => "ours",
            Side::Theirs => "theirs",
        }
    }

    pub fn parse(text: &str) -> Option<Side> {
        match text {
            "ours" => Some(Side::Ours),
            "theirs" => Some(Side::Theirs),
            _ => None,
        }
    }
}

/// What kind of disagreement a conflict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Both sides changed the same thing, differently.
    BothChanged,
    /// Removed upstream, but changed here (or something was added inside it here).
    RemovedUpstream,
    /// Removed here, but changed upstream.
    RemovedLocally,
    /// The merged definition does not pass its checks here; it needs an edit after merging.
    Invalid,
}

/// One point the builder decides (or, for [`ConflictKind::Invalid`], fixes afterwards).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// Stable across recomputation, e.g. `field:age:label`, `choice:slots:am`,
    /// `workflow:state:review`, `setting:title`, `problem:expr.unknown_field:fields[2].relevant`.
    pub id: String,
    pub kind: ConflictKind,
    /// Where in the definition, e.g. `fields.age.label`.
    pub path: String,
    /// The value in each version (`null` when absent).
    pub base: Value,
    pub ours: Value,
    pub theirs: Value,
    pub message_ja: String,
    pub message_en: String,
    /// For problems: whether the local copy already had it before merging.
    pub preexisting: bool,
}

impl Conflict {
    /// Whether the builder picks a side for it (problems need an edit instead).
    pub fn needs_decision(&self) -> bool {
        self.kind != ConflictKind::Invalid
    }
}

/// The outcome of a merge: the merged definition with every conflict decided as "keep mine"
/// (or as chosen, for [`merge_with`]), and the conflicts.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeResult {
    pub merged: AppDefinition,
    pub conflicts: Vec<Conflict>,
    inputs: Box<[AppDefinition; 3]>,
}

impl MergeResult {
    /// The conflicts that need a choice of side.
    pub fn decisions(&self) -> impl Iterator<Item = &Conflict> {
        self.conflicts.iter().filter(|c| c.needs_decision())
    }

    /// The problems the merged definition has (they need an edit after merging).
    pub fn problems(&self) -> impl Iterator<Item = &Conflict> {
        self.conflicts.iter().filter(|c| !c.needs_decision())
    }

    /// No decisions needed and no problems: the merge can be taken as it is.
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty()
    }

    pub fn base(&self) -> &AppDefinition {
        &self.inputs[0]
    }

    pub fn ours(&self) -> &AppDefinition {
        &self.inputs[1]
    }

    pub fn theirs(&self) -> &AppDefinition {
        &self.inputs[2]
    }
}

/// Merges `ours` and `theirs`, both descended from `base`. Conflicts keep the local version.
pub fn merge(base: &AppDefinition, ours: &AppDefinition, theirs: &AppDefinition) -> MergeResult {
    merge_with(base, ours, theirs, &[])
}

/// Like [`merge`], deciding the conflicts named in `choices` (by [`Conflict::id`]) for the
/// given side; unnamed conflicts keep the local version. The conflicts are still listed.
pub fn merge_with(
    base: &AppDefinition,
    ours: &AppDefinition,
    theirs: &AppDefinition,
    choices: &[(String, Side)],
) -> MergeResult {
    let mut m = Merger {
        choices: choices.iter().cloned().collect(),
        conflicts: Vec::new(),
    };
    let merged = m.definition(base, ours, theirs);
    let mut conflicts = m.conflicts;
    conflicts.extend(problems(&merged, ours));
    MergeResult {
        merged,
        conflicts,
        inputs: Box::new([base.clone(), ours.clone(), theirs.clone()]),
    }
}

/// The merged definition with the builder's choices applied (conflicts not named keep the
/// local version).
pub fn resolve(result: &MergeResult, choices: &[(String, Side)]) -> AppDefinition {
    merge_with(result.base(), result.ours(), result.theirs(), choices).merged
}

/// The checks' findings on the merged definition, as conflicts of kind `Invalid`.
fn problems(merged: &AppDefinition, ours: &AppDefinition) -> Vec<Conflict> {
    let Err(errors) = Form::from_definition(merged.clone()) else {
        return Vec::new();
    };
    let before: BTreeSet<(String, String)> = match Form::from_definition(ours.clone()) {
        Ok(_) => BTreeSet::new(),
        Err(e) => {
            e.0.into_iter()
                .map(|p| (p.code.to_owned(), p.path))
                .collect()
        }
    };
    let mut seen = BTreeSet::new();
    errors
        .0
        .into_iter()
        .filter(|e| seen.insert((e.code, e.path.clone(), e.message_en.clone())))
        .map(|e| Conflict {
            id: format!("problem:{}:{}", e.code, e.path),
            kind: ConflictKind::Invalid,
            preexisting: before.contains(&(e.code.to_owned(), e.path.clone())),
            path: e.path,
            base: Value::Null,
            ours: Value::Null,
            theirs: Value::Null,
            message_ja: e.message_ja,
            message_en: e.message_en,
        })
        .collect()
}

fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

type Props = Map<String, Value>;

/// The three versions of one value.
struct Three<'a> {
    base: &'a Value,
    ours: &'a Value,
    theirs: &'a Value,
}

impl Three<'_> {
    /// The merged value without asking anyone, if there is one.
    fn settled(&self) -> Option<Value> {
        if self.ours == self.theirs || self.theirs == self.base {
            Some(self.ours.clone())
        } else if self.ours == self.base {
            Some(self.theirs.clone())
        } else {
            None
        }
    }
}

/// How conflicts in one kind of item are named for people.
#[derive(Debug, Clone)]
struct Subject {
    /// Conflict id prefix, e.g. `field:age`.
    id: String,
    /// Path, e.g. `fields.age`.
    path: String,
    /// 項目「年齢」 / field “Age”.
    ja: String,
    en: String,
}

struct Merger {
    choices: HashMap<String, Side>,
    conflicts: Vec<Conflict>,
}

impl Merger {
    fn side(&self, id: &str) -> Side {
        self.choices.get(id).copied().unwrap_or(Side::Ours)
    }

    /// Records a conflict and returns the side it is decided for.
    fn conflict(
        &mut self,
        id: String,
        kind: ConflictKind,
        path: String,
        values: &Three<'_>,
        message_ja: String,
        message_en: String,
    ) -> Side {
        let side = self.side(&id);
        self.conflicts.push(Conflict {
            id,
            kind,
            path,
            base: values.base.clone(),
            ours: values.ours.clone(),
            theirs: values.theirs.clone(),
            message_ja,
            message_en,
            preexisting: false,
        });
        side
    }

    /// Merges one value as a whole; `None` in the result means "absent".
    fn value(&mut self, subject: &Subject, property: &str, values: &Three<'_>) -> Value {
        if let Some(v) = values.settled() {
            return v;
        }
        let (prop_ja, prop_en) = property_words(property);
        let ours_ja = value_words(values.ours, true);
        let theirs_ja = value_words(values.theirs, true);
        let ours_en = value_words(values.ours, false);
        let theirs_en = value_words(values.theirs, false);
        let side = self.conflict(
            format!("{}:{property}", subject.id),
            ConflictKind::BothChanged,
            format!("{}.{property}", subject.path),
            values,
            format!(
                "{}の{prop_ja}が、こちらでは{ours_ja}に、提供元では{theirs_ja}に変更されています。",
                subject.ja
            ),
            format!(
                "The {prop_en} of {} was changed here to {ours_en} and upstream to {theirs_en}.",
                subject.en
            ),
        );
        match side {
            Side::Ours => values.ours.clone(),
            Side::Theirs => values.theirs.clone(),
        }
    }

    /// Merges objects key by key (each key's value as a whole).
    fn props(&mut self, subject: &Subject, base: &Props, ours: &Props, theirs: &Props) -> Props {
        let mut keys: Vec<&String> = Vec::new();
        for k in ours.keys().chain(theirs.keys()).chain(base.keys()) {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        let mut out = Map::new();
        for key in keys {
            let values = Three {
                base: base.get(key).unwrap_or(&Value::Null),
                ours: ours.get(key).unwrap_or(&Value::Null),
                theirs: theirs.get(key).unwrap_or(&Value::Null),
            };
            let merged = self.value(subject, key, &values);
            if !merged.is_null() {
                out.insert(key.clone(), merged);
            }
        }
        out
    }

    fn definition(
        &mut self,
        base: &AppDefinition,
        ours: &AppDefinition,
        theirs: &AppDefinition,
    ) -> AppDefinition {
        let (b, o, t) = (top(base), top(ours), top(theirs));
        let settings = Subject {
            id: "setting".into(),
            path: String::new(),
            ja: "アプリ".into(),
            en: "the app".into(),
        };
        let mut merged = self.props(&settings, &b, &o, &t);
        // Top-level ids are `setting:title`, paths `title`.
        for c in &mut self.conflicts {
            if let Some(rest) = c.path.strip_prefix('.') {
                c.path = rest.to_owned();
            }
        }

        let field_trees = [base, ours, theirs].map(|d| Tree::of_fields(&d.fields));
        let fields = self.tree(&field_trees, &Namer::Fields);
        merged.insert("fields".into(), Value::Array(fields.field_json(None)));

        let choice_trees = [base, ours, theirs].map(Tree::of_choices);
        let choices = self.tree(&choice_trees, &Namer::Choices);
        let lists = choices.choice_json();
        if !lists.is_empty() {
            merged.insert("choices".into(), Value::Object(lists));
        }

        if let Some(w) = self.workflow(
            base.workflow.as_ref(),
            ours.workflow.as_ref(),
            theirs.workflow.as_ref(),
        ) {
            merged.insert("workflow".into(), w);
        }
        if let Some(n) = self.notifications(base, ours, theirs) {
            merged.insert("notifications".into(), n);
        }
        match serde_json::from_value::<AppDefinition>(Value::Object(merged)) {
            Ok(def) => def,
            Err(e) => {
                // Only values taken from valid definitions are combined, so this is not expected;
                // if it happens, keep the local copy and say so rather than lose work.
                self.conflicts.push(Conflict {
                    id: "problem:merge.unreadable:".into(),
                    kind: ConflictKind::Invalid,
                    path: String::new(),
                    base: Value::Null,
                    ours: Value::Null,
                    theirs: Value::Null,
                    message_ja: format!(
                        "統合した定義を読み込めなかったため、こちらの版をそのまま残しました（{e}）。"
                    ),
                    message_en: format!(
                        "The merged definition did not read, so the local copy was kept as it is ({e})."
                    ),
                    preexisting: false,
                });
                ours.clone()
            }
        }
    }

    fn workflow(
        &mut self,
        base: Option<&Workflow>,
        ours: Option<&Workflow>,
        theirs: Option<&Workflow>,
    ) -> Option<Value> {
        if ours == theirs || theirs == base {
            return ours.map(json);
        }
        if ours == base {
            return theirs.map(json);
        }
        let [b, o, t] = [base, ours, theirs].map(|w| w.cloned().unwrap_or_default());
        let subject = Subject {
            id: "workflow".into(),
            path: "workflow".into(),
            ja: "審査の流れ".into(),
            en: "the workflow".into(),
        };
        let initial = [&b, &o, &t].map(|w| json(&w.initial));
        let initial = self.value(
            &subject,
            "initial",
            &Three {
                base: &initial[0],
                ours: &initial[1],
                theirs: &initial[2],
            },
        );
        let states = self.tree(&[&b, &o, &t].map(Tree::of_states), &Namer::States);
        let transitions = self.tree(&[&b, &o, &t].map(Tree::of_transitions), &Namer::Transitions);
        let mut out = Map::new();
        if !initial.is_null() {
            out.insert("initial".into(), initial);
        }
        out.insert("states".into(), Value::Array(states.flat_json()));
        let transitions = transitions.flat_json();
        if !transitions.is_empty() {
            out.insert("transitions".into(), Value::Array(transitions));
        }
        Some(Value::Object(out))
    }

    fn notifications(
        &mut self,
        base: &AppDefinition,
        ours: &AppDefinition,
        theirs: &AppDefinition,
    ) -> Option<Value> {
        let (b, o, t) = (
            base.notifications.as_ref(),
            ours.notifications.as_ref(),
            theirs.notifications.as_ref(),
        );
        if o == t || t == b {
            return o.map(json);
        }
        if o == b {
            return t.map(json);
        }
        let message = |n: Option<&crate::definition::Notifications>, which: &str| -> Value {
            let m = n.and_then(|n| match which {
                "confirmation" => n.confirmation.as_ref(),
                _ => n.status_changed.as_ref(),
            });
            m.map_or(Value::Null, json)
        };
        let mut out = Map::new();
        for (which, ja, en) in [
            ("confirmation", "受付確認メール", "the confirmation e-mail"),
            (
                "status_changed",
                "状況変更のお知らせメール",
                "the status e-mail",
            ),
        ] {
            let (mb, mo, mt) = (message(b, which), message(o, which), message(t, which));
            let values = Three {
                base: &mb,
                ours: &mo,
                theirs: &mt,
            };
            let subject = Subject {
                id: format!("notification:{which}"),
                path: format!("notifications.{which}"),
                ja: ja.into(),
                en: en.into(),
            };
            let merged = match values.settled() {
                Some(v) => v,
                None => match (&mo, &mt) {
                    (Value::Object(po), Value::Object(pt)) => {
                        let pb = mb.as_object().cloned().unwrap_or_default();
                        Value::Object(self.props(&subject, &pb, po, pt))
                    }
                    _ => self.removal(&subject, &values, mo.is_null()),
                },
            };
            if !merged.is_null() {
                out.insert(which.to_owned(), merged);
            }
        }
        Some(Value::Object(out))
    }

    /// One side removed a whole value the other changed.
    fn removal(&mut self, subject: &Subject, values: &Three<'_>, removed_here: bool) -> Value {
        let (kind, ja, en) = if removed_here {
            (
                ConflictKind::RemovedLocally,
                format!(
                    "{}はこちらで削除しましたが、提供元で変更されています。",
                    subject.ja
                ),
                format!(
                    "{} was removed here but changed upstream.",
                    capitalise(&subject.en)
                ),
            )
        } else {
            (
                ConflictKind::RemovedUpstream,
                format!(
                    "{}は提供元で削除されましたが、こちらで変更しています。",
                    subject.ja
                ),
                format!(
                    "{} was removed upstream but changed here.",
                    capitalise(&subject.en)
                ),
            )
        };
        match self.conflict(
            subject.id.clone(),
            kind,
            subject.path.clone(),
            values,
            ja,
            en,
        ) {
            Side::Ours => values.ours.clone(),
            Side::Theirs => values.theirs.clone(),
        }
    }

    /// Merges a tree of named items (fields; choice lists with their choices; workflow states
    /// or transitions, which are flat).
    fn tree(&mut self, trees: &[Tree; 3], namer: &Namer) -> Tree {
        let [base, ours, theirs] = trees;
        let order = union_order(base, ours, theirs);
        let mut merged: BTreeMap<String, Placed> = BTreeMap::new();

        // Items on both sides: property by property.
        for key in &order {
            let (Some(o), Some(t)) = (ours.items.get(key), theirs.items.get(key)) else {
                continue;
            };
            let empty = Props::new();
            let b = base.items.get(key).map_or(&empty, |i| &i.props);
            let subject = namer.subject(key, trees);
            let props = self.props(&subject, b, &o.props, &t.props);
            merged.insert(
                key.clone(),
                Placed {
                    props,
                    origin: Origin::Both,
                },
            );
        }

        // Removed upstream: gone, unless changed here (a conflict).
        for key in &order {
            let removed_upstream = base.items.contains_key(key)
                && ours.items.contains_key(key)
                && !theirs.items.contains_key(key);
            if !removed_upstream
                || ours.parent_in(key, |p| removed_upstream_too(base, ours, theirs, p))
            {
                continue;
            }
            let subtree = ours.subtree(key, |k| !theirs.items.contains_key(k));
            let edited = subtree
                .iter()
                .any(|k| ours.items.get(k) != base.items.get(k));
            let keep = edited && {
                let subject = namer.subject(key, trees);
                let values = Three {
                    base: &base.value_of(key),
                    ours: &ours.value_of(key),
                    theirs: &Value::Null,
                };
                self.removal(&subject, &values, false) != Value::Null
            };
            if keep {
                for k in subtree {
                    if let Some(item) = ours.items.get(&k) {
                        merged.insert(
                            k,
                            Placed {
                                props: item.props.clone(),
                                origin: Origin::Ours,
                            },
                        );
                    }
                }
            }
        }

        // Removed here: gone, unless changed upstream (a conflict).
        for key in &order {
            let removed_here = base.items.contains_key(key)
                && theirs.items.contains_key(key)
                && !ours.items.contains_key(key);
            if !removed_here
                || theirs.parent_in(key, |p| removed_upstream_too(base, theirs, ours, p))
            {
                continue;
            }
            let subtree = theirs.subtree(key, |k| !ours.items.contains_key(k));
            let changed = subtree
                .iter()
                .any(|k| theirs.items.get(k) != base.items.get(k));
            let restore = changed && {
                let subject = namer.subject(key, trees);
                let values = Three {
                    base: &base.value_of(key),
                    ours: &Value::Null,
                    theirs: &theirs.value_of(key),
                };
                self.removal(&subject, &values, true) != Value::Null
            };
            if restore {
                for k in subtree {
                    if let Some(item) = theirs.items.get(&k) {
                        merged.insert(
                            k,
                            Placed {
                                props: item.props.clone(),
                                origin: Origin::Theirs,
                            },
                        );
                    }
                }
            }
        }

        // Added on one side only (outside anything removed above).
        for key in &order {
            if base.items.contains_key(key) || merged.contains_key(key) {
                continue;
            }
            let added = match (ours.items.get(key), theirs.items.get(key)) {
                (Some(o), None) if ours.parent_chain_new_or_kept(key, base, theirs) => {
                    Some((o, Origin::Ours))
                }
                (None, Some(t)) if theirs.parent_chain_new_or_kept(key, base, ours) => {
                    Some((t, Origin::Theirs))
                }
                _ => None,
            };
            if let Some((item, origin)) = added {
                merged.insert(
                    key.clone(),
                    Placed {
                        props: item.props.clone(),
                        origin,
                    },
                );
            }
        }

        let parents = self.parents(trees, &merged, namer);
        place(trees, &merged, &parents)
    }

    /// Where each merged item lives.
    fn parents(
        &mut self,
        trees: &[Tree; 3],
        merged: &BTreeMap<String, Placed>,
        namer: &Namer,
    ) -> BTreeMap<String, Option<String>> {
        let [base, ours, theirs] = trees;
        let mut parents: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut from_theirs: BTreeSet<String> = BTreeSet::new();
        for (key, placed) in merged {
            let parent = match placed.origin {
                Origin::Ours => ours.parent(key),
                Origin::Theirs => {
                    from_theirs.insert(key.clone());
                    theirs.parent(key)
                }
                Origin::Both => {
                    let (o, t) = (ours.parent(key), theirs.parent(key));
                    let b = base.items.get(key).map(|i| i.parent.clone());
                    if o == t || b.as_ref() == Some(&t) {
                        o
                    } else if b.as_ref() == Some(&o) {
                        from_theirs.insert(key.clone());
                        t
                    } else {
                        let subject = namer.subject(key, trees);
                        let bv = b.map_or(Value::Null, |p| json(&p));
                        let (ov, tv) = (json(&o), json(&t));
                        let side = self.conflict(
                            format!("{}:parent", subject.id),
                            ConflictKind::BothChanged,
                            format!("{}.parent", subject.path),
                            &Three {
                                base: &bv,
                                ours: &ov,
                                theirs: &tv,
                            },
                            format!(
                                "{}は、こちらと提供元で別々の場所に移動されています。",
                                subject.ja
                            ),
                            format!(
                                "{} was moved to different places here and upstream.",
                                capitalise(&subject.en)
                            ),
                        );
                        match side {
                            Side::Ours => o,
                            Side::Theirs => {
                                from_theirs.insert(key.clone());
                                t
                            }
                        }
                    }
                }
            };
            parents.insert(key.clone(), parent);
        }
        // A parent that did not survive: the nearest ancestor that did, else the top.
        let keys: Vec<String> = parents.keys().cloned().collect();
        for key in &keys {
            let mut parent = parents.get(key).cloned().flatten();
            let mut steps = 0;
            while let Some(p) = parent.clone() {
                if merged.contains_key(&p) || steps > 64 {
                    break;
                }
                steps += 1;
                parent = [ours, theirs, base]
                    .into_iter()
                    .find(|t| t.items.contains_key(&p))
                    .and_then(|t| t.parent(&p));
            }
            if steps > 64 {
                parent = None;
            }
            parents.insert(key.clone(), parent);
        }
        // Taking some parents from each side can close a loop (A moved into B here, B into A
        // upstream); such items go back to where they are here.
        for _ in 0..keys.len() {
            let Some(looped) = keys.iter().find(|k| in_loop(&parents, k)) else {
                break;
            };
            let fixed = if from_theirs.remove(looped) {
                ours.parent(looped).filter(|p| merged.contains_key(p))
            } else {
                None
            };
            parents.insert(looped.clone(), fixed);
        }
        parents
    }
}

/// Whether the chain of parents from `key` comes back to it.
fn in_loop(parents: &BTreeMap<String, Option<String>>, key: &str) -> bool {
    let mut current = parents.get(key).cloned().flatten();
    for _ in 0..=parents.len() {
        match current {
            None => return false,
            Some(p) if p == key => return true,
            Some(p) => current = parents.get(&p).cloned().flatten(),
        }
    }
    // The chain ends in a loop that does not include `key`.
    false
}

/// Whether `key` is also one of the items removed on the `theirs` side and kept on the
/// `ours` side (so it belongs to the subtree of a removed ancestor).
fn removed_upstream_too(base: &Tree, ours: &Tree, theirs: &Tree, key: &str) -> bool {
    base.items.contains_key(key) && ours.items.contains_key(key) && !theirs.items.contains_key(key)
}

/// Orders the merged items: the local order first, then each item placed by upstream right
/// after the sibling it follows upstream.
fn place(
    trees: &[Tree; 3],
    merged: &BTreeMap<String, Placed>,
    parents: &BTreeMap<String, Option<String>>,
) -> Tree {
    let [base, ours, theirs] = trees;
    let stable_ours = ours.stable_against(base);
    let stable_theirs = theirs.stable_against(base);
    let moved_in = |tree: &Tree, stable: &BTreeSet<String>, key: &str| -> bool {
        let Some(b) = base.items.get(key) else {
            return false;
        };
        tree.parent(key) != b.parent || !stable.contains(key)
    };
    let by_theirs: BTreeSet<&String> = merged
        .iter()
        .filter(|(key, placed)| {
            let target = parents.get(*key).cloned().flatten();
            match placed.origin {
                Origin::Theirs => true,
                Origin::Ours => false,
                Origin::Both => {
                    let (o, t) = (ours.parent(key), theirs.parent(key));
                    (target == t && t != o)
                        || (moved_in(theirs, &stable_theirs, key)
                            && !moved_in(ours, &stable_ours, key))
                }
            }
        })
        .map(|(k, _)| k)
        .collect();

    let mut children: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    for key in ours.preorder() {
        let Some(target) = parents.get(&key) else {
            continue;
        };
        if by_theirs.contains(&key) || *target != ours.parent(&key) {
            continue;
        }
        children
            .entry(target.clone())
            .or_default()
            .push(key.clone());
        placed.insert(key);
    }
    for key in theirs.preorder() {
        if !by_theirs.contains(&key) {
            continue;
        }
        let Some(target) = parents.get(&key).cloned() else {
            continue;
        };
        let list = children.entry(target.clone()).or_default();
        let at = if theirs.parent(&key) == target {
            let siblings = theirs
                .children
                .get(&target)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let index = siblings.iter().position(|s| *s == key).unwrap_or(0);
            siblings[..index]
                .iter()
                .rev()
                .find_map(|s| list.iter().position(|l| l == s))
                .map_or(0, |i| i + 1)
        } else {
            list.len()
        };
        list.insert(at, key.clone());
        placed.insert(key);
    }
    for (key, target) in parents {
        if !placed.contains(key) {
            children
                .entry(target.clone())
                .or_default()
                .push(key.clone());
        }
    }
    let items = merged
        .iter()
        .map(|(k, p)| {
            (
                k.clone(),
                Item {
                    parent: parents.get(k).cloned().flatten(),
                    props: p.props.clone(),
                },
            )
        })
        .collect();
    Tree { items, children }
}

/// Every key of the three trees: local order, then upstream's extra ones, then base's.
fn union_order(base: &Tree, ours: &Tree, theirs: &Tree) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for tree in [ours, theirs, base] {
        for key in tree.preorder() {
            if seen.insert(key.clone()) {
                out.push(key);
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Both,
    Ours,
    Theirs,
}

struct Placed {
    props: Props,
    origin: Origin,
}

/// The top-level settings: everything but the named collections.
fn top(def: &AppDefinition) -> Props {
    match json(def) {
        Value::Object(mut map) => {
            for key in ["fields", "choices", "workflow", "notifications"] {
                map.remove(key);
            }
            map
        }
        _ => Props::new(),
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Item {
    parent: Option<String>,
    /// The item as written, without its children.
    props: Props,
}

/// Named items with their parent and their order under each parent.
#[derive(Debug, Clone, Default)]
struct Tree {
    items: BTreeMap<String, Item>,
    children: BTreeMap<Option<String>, Vec<String>>,
}

/// Separates a choice list's name from a choice's name in a key.
const CHOICE_SEP: char = '\u{0}';
/// Marks the second and later items with the same name (in a definition that does not pass
/// its checks), so none is lost.
const DUPLICATE_SEP: char = '\u{1}';

impl Tree {
    /// Adds an item and returns its key (made unique if the name is taken).
    fn add(&mut self, parent: Option<String>, key: String, props: Props) -> String {
        let mut unique = key.clone();
        let mut n = 2;
        while self.items.contains_key(&unique) {
            unique = format!("{key}{DUPLICATE_SEP}{n}");
            n += 1;
        }
        self.children
            .entry(parent.clone())
            .or_default()
            .push(unique.clone());
        self.items.insert(unique.clone(), Item { parent, props });
        unique
    }

    fn of_fields(fields: &[crate::definition::Field]) -> Tree {
        fn walk(tree: &mut Tree, parent: Option<String>, list: &[crate::definition::Field]) {
            for field in list {
                let mut props = match json(field) {
                    Value::Object(map) => map,
                    _ => Props::new(),
                };
                props.remove("fields");
                let key = tree.add(parent.clone(), field.name.clone(), props);
                walk(tree, Some(key), &field.fields);
            }
        }
        let mut tree = Tree::default();
        walk(&mut tree, None, fields);
        tree
    }

    fn of_choices(def: &AppDefinition) -> Tree {
        let mut tree = Tree::default();
        for (list, items) in &def.choices {
            let list_key = tree.add(None, list.clone(), Props::new());
            for choice in items {
                let props = match json(choice) {
                    Value::Object(map) => map,
                    _ => Props::new(),
                };
                tree.add(
                    Some(list_key.clone()),
                    format!("{list}{CHOICE_SEP}{}", choice.name),
                    props,
                );
            }
        }
        tree
    }

    fn of_states(workflow: &Workflow) -> Tree {
        let mut tree = Tree::default();
        for state in &workflow.states {
            if let Value::Object(props) = json(state) {
                tree.add(None, state.name.clone(), props);
            }
        }
        tree
    }

    fn of_transitions(workflow: &Workflow) -> Tree {
        let mut tree = Tree::default();
        for t in &workflow.transitions {
            if let Value::Object(props) = json(t) {
                tree.add(None, format!("{}→{}", t.from, t.to), props);
            }
        }
        tree
    }

    fn parent(&self, key: &str) -> Option<String> {
        self.items.get(key).and_then(|i| i.parent.clone())
    }

    /// Whether the parent of `key` satisfies `test`.
    fn parent_in(&self, key: &str, test: impl Fn(&str) -> bool) -> bool {
        self.parent(key).is_some_and(|p| test(&p))
    }

    /// For an item found only on this side: whether every ancestor exists in base or is new
    /// on this side too — i.e. it was not added inside something the other side removed
    /// (that case belongs to the removal's subtree).
    fn parent_chain_new_or_kept(&self, key: &str, base: &Tree, other: &Tree) -> bool {
        let mut current = self.parent(key);
        let mut steps = 0;
        while let Some(p) = current {
            if base.items.contains_key(&p) && !other.items.contains_key(&p) {
                return false;
            }
            steps += 1;
            if steps > 64 {
                break;
            }
            current = self.parent(&p);
        }
        true
    }

    /// `key` and its descendants reached through items that satisfy `through`.
    fn subtree(&self, key: &str, through: impl Fn(&str) -> bool) -> Vec<String> {
        let mut out = vec![key.to_owned()];
        let mut i = 0;
        while i < out.len() {
            let parent = Some(out[i].clone());
            if let Some(kids) = self.children.get(&parent) {
                for kid in kids {
                    if through(kid) && !out.contains(kid) {
                        out.push(kid.clone());
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// The item as a JSON value (without children), or `null`.
    fn value_of(&self, key: &str) -> Value {
        self.items
            .get(key)
            .map_or(Value::Null, |i| Value::Object(i.props.clone()))
    }

    /// Keys in document order (depth first).
    fn preorder(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack: Vec<String> = self
            .children
            .get(&None)
            .map(|c| c.iter().rev().cloned().collect())
            .unwrap_or_default();
        while let Some(key) = stack.pop() {
            if let Some(kids) = self.children.get(&Some(key.clone())) {
                stack.extend(kids.iter().rev().cloned());
            }
            out.push(key);
        }
        out
    }

    /// The items that kept their order relative to their siblings compared with `base`: for
    /// each parent, a longest common subsequence of the siblings both versions have there.
    fn stable_against(&self, base: &Tree) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for parent in self.children.keys() {
            let shared = |tree: &Tree, other: &Tree| -> Vec<String> {
                tree.children
                    .get(parent)
                    .map(|kids| {
                        kids.iter()
                            .filter(|k| other.items.get(*k).is_some_and(|i| i.parent == *parent))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default()
            };
            out.extend(lcs(&shared(base, self), &shared(self, base)));
        }
        out
    }

    /// Fields as JSON, children nested.
    fn field_json(&self, parent: Option<&String>) -> Vec<Value> {
        let key = parent.cloned();
        self.children
            .get(&key)
            .map(|kids| {
                kids.iter()
                    .filter_map(|k| {
                        let item = self.items.get(k)?;
                        let mut props = item.props.clone();
                        let children = self.field_json(Some(k));
                        if !children.is_empty() {
                            props.insert("fields".into(), Value::Array(children));
                        }
                        Some(Value::Object(props))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Choice lists as JSON.
    fn choice_json(&self) -> Map<String, Value> {
        let mut out = Map::new();
        for list in self.children.get(&None).into_iter().flatten() {
            let name = list.split(DUPLICATE_SEP).next().unwrap_or(list);
            let items = self
                .children
                .get(&Some(list.clone()))
                .into_iter()
                .flatten()
                .filter_map(|k| self.items.get(k).map(|i| Value::Object(i.props.clone())))
                .collect();
            out.insert(name.to_owned(), Value::Array(items));
        }
        out
    }

    /// Top-level items as a JSON list.
    fn flat_json(&self) -> Vec<Value> {
        self.children
            .get(&None)
            .into_iter()
            .flatten()
            .filter_map(|k| self.items.get(k).map(|i| Value::Object(i.props.clone())))
            .collect()
    }
}

/// Longest common subsequence of two name lists.
fn lcs(a: &[String], b: &[String]) -> BTreeSet<String> {
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i] == b[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = BTreeSet::new();
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.insert(a[i].clone());
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// How items of each collection are named in conflicts.
enum Namer {
    Fields,
    Choices,
    States,
    Transitions,
}

impl Namer {
    fn subject(&self, key: &str, trees: &[Tree; 3]) -> Subject {
        let [base, ours, theirs] = trees;
        let label = |field: &str| -> (String, String) {
            let text = [ours, theirs, base]
                .into_iter()
                .find_map(|t| t.items.get(key).and_then(|i| i.props.get(field)).cloned())
                .unwrap_or(Value::Null);
            (text_of(&text, true), text_of(&text, false))
        };
        let shown = key.replace(DUPLICATE_SEP, "#");
        match self {
            Namer::Fields => {
                let (ja, en) = label("label");
                let (ja, en) = if ja.is_empty() {
                    (format!("項目「{shown}」"), format!("field “{shown}”"))
                } else {
                    (
                        format!("項目「{ja}」（{shown}）"),
                        format!("field “{en}” ({shown})"),
                    )
                };
                Subject {
                    id: format!("field:{shown}"),
                    path: format!("fields.{shown}"),
                    ja,
                    en,
                }
            }
            Namer::Choices => match shown.split_once(CHOICE_SEP) {
                Some((list, choice)) => {
                    let (ja, en) = label("label");
                    Subject {
                        id: format!("choice:{list}:{choice}"),
                        path: format!("choices.{list}.{choice}"),
                        ja: format!("選択肢リスト「{list}」の選択肢「{ja}」（{choice}）"),
                        en: format!("choice “{en}” ({choice}) of list “{list}”"),
                    }
                }
                None => Subject {
                    id: format!("choices:{shown}"),
                    path: format!("choices.{shown}"),
                    ja: format!("選択肢リスト「{shown}」"),
                    en: format!("choice list “{shown}”"),
                },
            },
            Namer::States => {
                let (ja, en) = label("label");
                Subject {
                    id: format!("workflow:state:{shown}"),
                    path: format!("workflow.states.{shown}"),
                    ja: format!("審査の状態「{ja}」（{shown}）"),
                    en: format!("workflow state “{en}” ({shown})"),
                }
            }
            Namer::Transitions => Subject {
                id: format!("workflow:transition:{shown}"),
                path: format!("workflow.transitions.{shown}"),
                ja: format!("審査の操作「{shown}」"),
                en: format!("workflow action “{shown}”"),
            },
        }
    }
}

/// A `Text` value in one language (empty when absent).
fn text_of(value: &Value, japanese: bool) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(map) => {
            let pick = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
            if japanese {
                pick("ja").unwrap_or_default()
            } else {
                pick("en")
                    .filter(|s| !s.is_empty())
                    .or_else(|| pick("ja"))
                    .unwrap_or_default()
            }
        }
        _ => String::new(),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
