//! The way through a form: which pages apply with the answers so far (a page whose questions
//! are all irrelevant is skipped), where Continue and Back lead, and the progress shown.
//! Pages are numbered from 1 in URLs.

use yui_domain::definition::Page;
use yui_domain::validate::Evaluation;

/// Whether any question of the page applies now.
pub fn page_applies(evaluation: &Evaluation, page: &Page) -> bool {
    page.fields
        .iter()
        .any(|name| evaluation.field(name).is_none_or(|s| s.relevant))
}

/// The numbers (1-based) of the pages that apply.
pub fn applicable(evaluation: &Evaluation, pages: &[Page]) -> Vec<usize> {
    pages
        .iter()
        .enumerate()
        .filter(|(_, p)| page_applies(evaluation, p))
        .map(|(i, _)| i + 1)
        .collect()
}

/// The next page that applies after `n`, or `None` when the check page comes next.
pub fn next_after(evaluation: &Evaluation, pages: &[Page], n: usize) -> Option<usize> {
    applicable(evaluation, pages).into_iter().find(|&p| p > n)
}

/// The page that applies before `n`, or `None` when Back leads to the start page.
pub fn previous_before(evaluation: &Evaluation, pages: &[Page], n: usize) -> Option<usize> {
    applicable(evaluation, pages)
        .into_iter()
        .rev()
        .find(|&p| p < n)
}

/// "Step n of total", counting only pages that apply (the page shown always counts).
pub fn progress(evaluation: &Evaluation, pages: &[Page], n: usize) -> (usize, usize) {
    let mut list = applicable(evaluation, pages);
    if !list.contains(&n) {
        list.push(n);
        list.sort_unstable();
    }
    let position = list.iter().position(|&p| p == n).map_or(1, |i| i + 1);
    (position, list.len())
}

/// The first page that applies and still has a problem: where a resume link lands.
pub fn first_unfinished(evaluation: &Evaluation, pages: &[Page]) -> Option<usize> {
    pages.iter().enumerate().find_map(|(i, page)| {
        let unfinished = page_applies(evaluation, page)
            && evaluation.fields().any(|(path, state)| {
                state.relevant
                    && !state.violations.is_empty()
                    && page.fields.iter().any(|name| {
                        path == *name
                            || path.starts_with(&format!("{name}["))
                            || path.starts_with(&format!("{name}."))
                    })
            });
        unfinished.then_some(i + 1)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::{date, datetime};
    use yui_domain::definition::Form;
    use yui_domain::validate::EvalContext;

    use super::*;

    const FORM: &str = r"
yui: 1
id: sample
title: 申請
audience: public
display: { mode: one_per_page }
fields:
  - { name: has_car, type: yes_no, label: 車はありますか, required: true }
  - { name: plate, type: text, label: ナンバー, relevant: '${has_car} = ''yes''', required: true }
  - { name: note, type: text, label: 備考 }
";

    fn eval(answers: serde_json::Value) -> (Evaluation, Vec<Page>) {
        let form = Form::from_yaml(FORM).unwrap();
        let ctx = EvalContext {
            today: date!(2026 - 04 - 01),
            now: datetime!(2026-04-01 09:00:00 +09:00),
        };
        (form.evaluate(&answers, &ctx), form.pages())
    }

    #[test]
    fn pages_whose_questions_do_not_apply_are_skipped_both_ways() {
        let (e, pages) = eval(json!({ "has_car": "no" }));
        assert_eq!(applicable(&e, &pages), [1, 3]);
        assert_eq!(next_after(&e, &pages, 1), Some(3));
        assert_eq!(previous_before(&e, &pages, 3), Some(1));
        assert_eq!(previous_before(&e, &pages, 1), None);
        assert_eq!(next_after(&e, &pages, 3), None);
        assert_eq!(progress(&e, &pages, 3), (2, 2));
        let (e, pages) = eval(json!({ "has_car": "yes" }));
        assert_eq!(next_after(&e, &pages, 1), Some(2));
        assert_eq!(progress(&e, &pages, 3), (3, 3));
    }

    #[test]
    fn a_resume_link_lands_on_the_first_page_with_something_to_do() {
        let (e, pages) = eval(json!({}));
        assert_eq!(first_unfinished(&e, &pages), Some(1));
        let (e, pages) = eval(json!({ "has_car": "yes" }));
        assert_eq!(first_unfinished(&e, &pages), Some(2));
        let (e, pages) = eval(json!({ "has_car": "yes", "plate": "熊本 500 あ 12-34" }));
        assert_eq!(first_unfinished(&e, &pages), None);
    }
}
