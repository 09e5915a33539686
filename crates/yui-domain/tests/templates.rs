//! The shipped templates in `templates/`: every one loads, its sample submission validates,
//! and together they make a usable starting set for a town — residents' procedures and staff
//! reports, each with a workflow, notification texts and search keywords.
//!
//! Samples are written for a fixed "today" so that date rules (deadlines, "from tomorrow",
//! "within 14 days") keep holding as the calendar moves on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use time::macros::{date, datetime};
use yui_domain::definition::{AppDefinition, Audience, Form};
use yui_domain::validate::EvalContext;
use yui_domain::workflow::Workflow;

/// The day every sample is written for.
fn today() -> EvalContext {
    EvalContext {
        today: date!(2026 - 04 - 01),
        now: datetime!(2026-04-01 10:30:00 +09:00),
    }
}

/// Templates that deliberately rely on Yui's default workflow (受付 → 審査中 → 完了, with
/// 差戻し and 却下) instead of writing their own.
const USES_THE_DEFAULT_WORKFLOW: [&str; 1] = ["play-room-booking"];

fn template_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../templates")
}

fn template_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(template_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn load(path: &Path) -> Form {
    let src = std::fs::read_to_string(path).unwrap();
    Form::from_yaml(&src).unwrap_or_else(|e| panic!("{}:\n{e}", path.display()))
}

fn sample_of(path: &Path) -> Value {
    let sample_path = path.with_extension("sample.json");
    let text = std::fs::read_to_string(&sample_path)
        .unwrap_or_else(|e| panic!("{}: {e}", sample_path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", sample_path.display()))
}

#[test]
fn every_template_loads_and_its_sample_validates() {
    // Collect every failure so one run shows all templates that need attention.
    let mut failures = Vec::new();
    for path in template_paths() {
        let src = std::fs::read_to_string(&path).unwrap();
        let form = match Form::from_yaml(&src) {
            Ok(form) => form,
            Err(e) => {
                failures.push(format!("{}:\n{e}", file_name(&path)));
                continue;
            }
        };
        let evaluation = form.evaluate(&sample_of(&path), &today());
        if !evaluation.is_valid() {
            let problems: Vec<String> = evaluation
                .report()
                .iter()
                .flat_map(|(path, violations)| {
                    violations
                        .iter()
                        .map(move |v| format!("  {path}: {} ({})", v.code, v.message_en))
                })
                .collect();
            failures.push(format!(
                "{} sample is invalid:\n{}",
                file_name(&path),
                problems.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn there_are_at_least_thirty_templates() {
    let paths = template_paths();
    assert!(
        paths.len() >= 30,
        "only {} templates: {paths:?}",
        paths.len()
    );
}

#[test]
fn each_template_is_named_after_its_id() {
    for path in template_paths() {
        let form = load(&path);
        let stem = file_name(&path).trim_end_matches(".yaml").to_owned();
        assert_eq!(form.definition().id, stem, "{}", path.display());
    }
}

#[test]
fn templates_cover_both_residents_and_staff() {
    let audiences: Vec<Audience> = template_paths()
        .iter()
        .map(|p| load(p).definition().audience)
        .collect();
    assert!(
        audiences.contains(&Audience::Public),
        "no residents' template"
    );
    assert!(audiences.contains(&Audience::Staff), "no staff template");
}

#[test]
fn every_template_has_a_workflow_notifications_keywords_and_both_languages() {
    for path in template_paths() {
        let form = load(&path);
        let def = form.definition();
        let name = file_name(&path);
        assert!(
            def.workflow.is_some() || USES_THE_DEFAULT_WORKFLOW.contains(&def.id.as_str()),
            "{name}: no workflow of its own"
        );
        let notifications = def
            .notifications
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no notifications"));
        assert!(
            notifications.confirmation.is_some(),
            "{name}: no confirmation"
        );
        assert!(
            notifications.status_changed.is_some(),
            "{name}: no status_changed"
        );
        assert!(!def.keywords.is_empty(), "{name}: no keywords");
        assert!(def.category.is_some(), "{name}: no category");
        assert!(def.title.en.is_some(), "{name}: title has no English");
        assert!(
            def.description.as_ref().is_some_and(|d| d.en.is_some()),
            "{name}: description missing or without English"
        );
    }
}

#[test]
fn residents_templates_have_a_complete_start_page() {
    for path in template_paths() {
        let form = load(&path);
        let def = form.definition();
        if def.audience != Audience::Public {
            continue;
        }
        let name = file_name(&path);
        let start = def
            .start
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no start page"));
        assert!(start.what_you_need.is_some(), "{name}: what_you_need");
        assert!(start.duration_minutes.is_some(), "{name}: duration");
        assert!(start.deadline.is_some(), "{name}: deadline");
        assert!(start.contact.is_some(), "{name}: contact");
        assert!(start.after_submit.is_some(), "{name}: after_submit");
    }
}

#[test]
fn templates_are_realistic_but_not_bloated() {
    for path in template_paths() {
        let form = load(&path);
        // Questions a person answers; notes, calculations, groups and repeats are not counted.
        let questions = form
            .fields()
            .iter()
            .filter(|f| f.field_type.is_input())
            .count();
        assert!(
            (8..=30).contains(&questions),
            "{}: {questions} questions",
            path.display()
        );
    }
}

#[test]
fn every_default_gives_a_valid_starting_answer() {
    // A default that fails to evaluate is silently left out of a new form; one that gives a
    // value its own rules refuse greets the resident with an error.
    let missing_answers = ["required", "consent.required", "repeat.too_few"];
    for path in template_paths() {
        let form = load(&path);
        let initial = form.initial_answers(&today());
        for field in form.fields() {
            if field.definition.default.is_some() && field.repeat.is_none() {
                assert!(
                    initial.contains_key(&field.name),
                    "{}: the default of {} gives nothing",
                    path.display(),
                    field.name
                );
            }
        }
        let evaluation = form.evaluate(&Value::Object(initial), &today());
        for (field, violations) in evaluation.report().iter() {
            for v in violations {
                assert!(
                    missing_answers.contains(&v.code),
                    "{}: the default of {field} is refused: {}",
                    path.display(),
                    v.message_en
                );
            }
        }
    }
}

#[test]
fn residents_hear_about_the_decisions_on_their_applications() {
    for path in template_paths() {
        let form = load(&path);
        if form.definition().audience != Audience::Public {
            continue;
        }
        assert!(
            form.workflow().transitions.iter().any(|t| t.notify),
            "{}: no transition sends the status_changed e-mail",
            path.display()
        );
    }
}

#[test]
fn no_template_leaves_a_returned_application_stuck() {
    // A resident may never resubmit (no e-mail address, the link ran out, they came to the
    // counter instead): staff must be able to take the application back themselves.
    for path in template_paths() {
        let form = load(&path);
        let workflow = form.workflow();
        for resubmit in workflow.transitions.iter().filter(|t| t.resident) {
            assert!(
                workflow
                    .transitions_from(&resubmit.from)
                    .any(|t| !t.resident && t.to != resubmit.from),
                "{}: staff cannot take an application out of {}",
                path.display(),
                resubmit.from
            );
        }
    }
}

#[test]
fn templates_survive_a_yaml_and_a_json_round_trip() {
    for path in template_paths() {
        let src = std::fs::read_to_string(&path).unwrap();
        let definition = AppDefinition::from_yaml(&src).unwrap();
        let yaml = definition.to_yaml();
        let again = AppDefinition::from_yaml(&yaml)
            .unwrap_or_else(|e| panic!("{}: {e}\n{yaml}", path.display()));
        assert_eq!(again, definition, "{}:\n{yaml}", path.display());
        let json = definition.to_json();
        assert_eq!(AppDefinition::from_yaml(&json).unwrap(), definition);
        assert_eq!(
            serde_json::from_str::<AppDefinition>(&json).unwrap(),
            definition
        );
    }
}

#[test]
fn the_play_room_sample_is_normalised() {
    let path = template_dir().join("play-room-booking.yaml");
    let evaluation = load(&path).evaluate(&sample_of(&path), &today());
    let answers = Value::Object(evaluation.answers().clone());
    assert_eq!(
        answers["applicant_kana"],
        json!({"family": "ヤマダ", "given": "ハナコ"})
    );
    assert_eq!(answers["phone"], json!("09012345678"));
    assert_eq!(answers["email"], json!("hanako.yamada@example.jp"));
    assert_eq!(answers["use_date"], json!("2026-04-06"));
    assert_eq!(answers["adults"], json!(1));
    assert_eq!(answers["children"][0]["child_birth"], json!("2022-05-05"));
    assert_eq!(answers["children"][0]["child_age"], json!(3));
    assert_eq!(answers["children"][0]["allergy"], json!(false));
    assert!(answers["children"][0].get("allergy_detail").is_none());
    assert_eq!(
        answers["children"][1]["allergy_detail"],
        json!("卵\n乳製品")
    );
    assert_eq!(answers["total_people"], json!(3));
    assert_eq!(answers["agree"], json!(true));
    assert!(answers.get("over_capacity").is_none());
}

#[test]
fn the_play_room_template_shows_the_default_workflow() {
    // A template that writes no workflow gets Yui's default one; the play room shows that
    // (and other crates' tests drive its submissions through the default states).
    let form = load(&template_dir().join("play-room-booking.yaml"));
    assert!(form.definition().workflow.is_none());
    assert_eq!(form.workflow(), &Workflow::default());
}

#[test]
fn fees_and_amounts_are_calculated_from_the_sample_answers() {
    // What residents pay or receive is shown to them before they submit and used by staff
    // afterwards, so the sums are pinned here.
    let cases = [
        ("bulky-waste-collection.yaml", "total_fee", json!(2300)),
        ("cancer-screening.yaml", "fee", json!(3000)),
        ("certificate-by-mail.yaml", "total_fee", json!(900)),
        ("event-registration.yaml", "total_fee", json!(1500)),
        ("facility-booking.yaml", "fee", json!(1700)),
        ("health-checkup-subsidy.yaml", "subsidy", json!(20000)),
        ("premium-voucher.yaml", "payment", json!(30000)),
        ("solar-battery-subsidy.yaml", "subsidy", json!(270_000)),
        ("temporary-childcare.yaml", "fee", json!(2700)),
        ("turnout-report.yaml", "turnout", json!(50.23)),
    ];
    for (file, field, expected) in cases {
        let path = template_dir().join(file);
        let evaluation = load(&path).evaluate(&sample_of(&path), &today());
        assert_eq!(evaluation.answers()[field], expected, "{file}: {field}");
    }
}
