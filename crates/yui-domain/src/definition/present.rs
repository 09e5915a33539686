//! What a channel needs to present a form that depends on the answers so far: the choices a
//! select offers under its `choice_filter`, and labels and hints with their `${field}`
//! placeholders filled in. Both read normalised answers (an [`Evaluation`]'s), the same way
//! the validator does, so a page never offers a choice the server would then refuse.
//!
//! [`Evaluation`]: crate::validate::Evaluation

use serde_json::{Map, Value};

use super::form::Form;
use super::model::Choice;
use crate::expr::{self, EvalContext, JsonEnv, Property, Scope};

impl Form {
    /// The choices select `field` offers in row `rows` (one index per enclosing repeat,
    /// outermost first) given normalised `answers`: every choice, or those its
    /// `choice_filter` keeps. Unknown fields offer nothing.
    pub fn offered_choices(
        &self,
        field: &str,
        answers: &Map<String, Value>,
        rows: &[usize],
        ctx: &EvalContext,
    ) -> Vec<&Choice> {
        let Some(field) = self.field(field) else {
            return Vec::new();
        };
        let Some(set) = &field.choices else {
            return Vec::new();
        };
        let Some(program) = &field.logic.choice_filter else {
            return set.items.iter().collect();
        };
        set.items
            .iter()
            .zip(&set.objects)
            .filter(|(_, object)| {
                let env = JsonEnv {
                    schema: &self.schema,
                    answers,
                    item: Some(object),
                };
                // A filter that cannot be worked out hides the choice, as the validator
                // refuses it.
                expr::eval(program, &env, rows, ctx).is_ok_and(|v| v.to_bool())
            })
            .map(|(choice, _)| choice)
            .collect()
    }

    /// `text` (a label or hint of `field`) with each `${name}` replaced by that field's value
    /// as an expression reads it in row `rows`: `山田 花子` for a name, `yes` for a yes/no, a
    /// calculation's result. A placeholder that does not parse or name a readable field is
    /// left as written (definitions are checked before use, so this is only defence).
    pub fn fill_field_refs(
        &self,
        field: &str,
        text: &str,
        answers: &Map<String, Value>,
        rows: &[usize],
        ctx: &EvalContext,
    ) -> String {
        let scope = Scope {
            field: self.schema.id(field),
            property: Property::Label,
            choice_props: &[],
        };
        let env = JsonEnv::new(&self.schema, answers);
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start..].find('}') else {
                rest = &rest[start..];
                break;
            };
            let placeholder = &rest[start..=start + len];
            let value = expr::parse(placeholder)
                .ok()
                .and_then(|tree| expr::compile(&tree, &self.schema, scope).ok())
                .and_then(|program| {
                    expr::eval(&program, &env, rows, ctx)
                        .ok()
                        .map(|v| v.to_str().into_owned())
                });
            match value {
                Some(v) => out.push_str(&v),
                None => out.push_str(placeholder),
            }
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::{date, datetime};

    use super::*;

    fn ctx() -> EvalContext {
        EvalContext {
            today: date!(2024 - 04 - 01),
            now: datetime!(2024-04-01 10:30:00 +09:00),
        }
    }

    const FORM: &str = r"
yui: 1
id: sample
title: 申請
audience: public
fields:
  - { name: day, type: date, label: 日 }
  - name: slot
    type: select_one
    label: 時間帯
    choices: slots
    choice_filter: saturday = 'yes' or format-date(${day}, '%a') != 'Sat'
  - name: kids
    type: repeat
    label: 子
    fields:
      - { name: kid, type: text, label: 名前 }
      - { name: kid_note, type: note, label: '${kid}さん（${day}）' }
choices:
  slots:
    - { name: am, label: 午前, saturday: 'yes' }
    - { name: pm, label: 午後, saturday: 'no' }
";

    fn names(choices: &[&Choice]) -> Vec<String> {
        choices.iter().map(|c| c.name.clone()).collect()
    }

    #[test]
    fn a_choice_filter_hides_choices_its_expression_rejects() {
        let form = Form::from_yaml(FORM).unwrap();
        let saturday = json!({ "day": "2024-04-06" });
        let monday = json!({ "day": "2024-04-08" });
        let offered = form.offered_choices("slot", saturday.as_object().unwrap(), &[], &ctx());
        assert_eq!(names(&offered), ["am"]);
        let offered = form.offered_choices("slot", monday.as_object().unwrap(), &[], &ctx());
        assert_eq!(names(&offered), ["am", "pm"]);
    }

    #[test]
    fn unknown_fields_and_fields_without_choices_offer_nothing() {
        let form = Form::from_yaml(FORM).unwrap();
        let answers = Map::new();
        assert!(
            form.offered_choices("nope", &answers, &[], &ctx())
                .is_empty()
        );
        assert!(
            form.offered_choices("day", &answers, &[], &ctx())
                .is_empty()
        );
    }

    #[test]
    fn placeholders_read_the_row_of_their_repeat_and_top_level_fields() {
        let form = Form::from_yaml(FORM).unwrap();
        let answers =
            json!({ "day": "2024-04-06", "kids": [{ "kid": "太郎" }, { "kid": "花子" }] });
        let answers = answers.as_object().unwrap();
        let text = "${kid}さん（${day}）";
        assert_eq!(
            form.fill_field_refs("kid_note", text, answers, &[1], &ctx()),
            "花子さん（2024-04-06）"
        );
        assert_eq!(
            form.fill_field_refs("kid_note", text, answers, &[0], &ctx()),
            "太郎さん（2024-04-06）"
        );
    }

    #[test]
    fn broken_or_unknown_placeholders_are_left_as_written() {
        let form = Form::from_yaml(FORM).unwrap();
        let answers = Map::new();
        assert_eq!(
            form.fill_field_refs("kid_note", "a ${nope} b ${unclosed", &answers, &[0], &ctx()),
            "a ${nope} b ${unclosed"
        );
        assert_eq!(
            form.fill_field_refs("kid_note", "${kid}です", &answers, &[0], &ctx()),
            "です",
            "an unanswered field reads as empty"
        );
    }
}
