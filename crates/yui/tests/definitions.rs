//! `yui check`, `yui validate` and `yui import xlsform` as an operator runs them: what they
//! print, in which language, and with which exit status.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yui_domain::definition::AppDefinition;

const YUI: &str = env!("CARGO_BIN_EXE_yui");

fn yui(args: &[&str]) -> Output {
    Command::new(YUI)
        .args(args)
        .env_remove("YUI_CONFIG")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn template(name: &str) -> String {
    repo(&format!("templates/{name}")).display().to_string()
}

fn fixture(name: &str) -> String {
    repo(&format!("crates/yui-xlsform/tests/fixtures/{name}"))
        .display()
        .to_string()
}

#[test]
fn each_definition_command_explains_itself() {
    let top = stdout(&yui(&["--help"]));
    for sub in ["check", "validate", "import"] {
        assert!(top.contains(sub), "{sub} listed: {top}");
    }
    for args in [
        &["check", "--help"][..],
        &["validate", "--help"],
        &["import", "--help"],
        &["import", "xlsform", "--help"],
    ] {
        let o = yui(args);
        assert!(o.status.success(), "{args:?}");
        assert!(
            stdout(&o).lines().next().is_some_and(|l| l.len() > 10),
            "{args:?}"
        );
    }
    assert!(stdout(&yui(&["validate", "--help"])).contains("--today"));
    assert!(stdout(&yui(&["import", "xlsform", "--help"])).contains("--output"));
}

#[test]
fn checking_a_good_definition_prints_its_title_and_field_count() {
    let o = yui(&["check", &template("evacuee-count.yaml")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("ok: Evacuee count report (") && out.trim_end().ends_with("fields)"),
        "{out}"
    );
    let ja = stdout(&yui(&[
        "check",
        &template("evacuee-count.yaml"),
        "--lang",
        "ja",
    ]));
    assert!(ja.starts_with("ok: 避難者数報告（"), "{ja}");
}

#[test]
fn checking_a_bad_definition_prints_file_line_column_code_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "yui: 1\nid: bad\ntitle: 悪い例\naudience: public\nfields:\n  - { name: age, type: integer, label: 年齢 }\n  - { name: job, type: text, label: 職業, relevant: \"${agee} > 18\" }\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let o = yui(&["check", &path]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let line = out.lines().next().unwrap();
    assert!(
        line.starts_with(&format!("{path}:7:")) && line.contains(": expr.unknown_field: "),
        "{out}"
    );
    assert!(
        line.contains("did you mean age"),
        "English by default: {line}"
    );
    let ja = stdout(&yui(&["check", &path, "--lang", "ja"]));
    assert!(
        ja.contains("expr.unknown_field: ") && ja.contains("age"),
        "{ja}"
    );
    assert!(!ja.contains("did you mean"), "Japanese asked for: {ja}");
}

#[test]
fn checking_a_missing_file_fails_in_one_line_with_status_2() {
    let o = yui(&["check", "/nonexistent/def.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("yui: error: cannot read /nonexistent/def.yaml"));
}

#[test]
fn validating_good_answers_prints_them_normalised() {
    let o = yui(&[
        "validate",
        &template("evacuee-count.yaml"),
        &template("evacuee-count.sample.json"),
        "--today",
        "2026-04-01",
    ]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let answers: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // "128" as typed becomes the number 128.
    assert_eq!(answers["evacuees"], serde_json::json!(128));
    assert_eq!(answers["shelter"], "s1");
}

#[test]
fn validating_bad_answers_prints_the_violations_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.json");
    std::fs::write(&answers, r#"{"area": "oguni", "evacuees": "-3"}"#).unwrap();
    let o = yui(&[
        "validate",
        &template("evacuee-count.yaml"),
        &answers.display().to_string(),
        "--today",
        "2026-04-01",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["valid"], false);
    let shelter = &report["violations"]["shelter"][0];
    assert_eq!(shelter["code"], "required");
    assert!(shelter["message_ja"].is_string() && shelter["message_en"].is_string());
    assert!(shelter["params"].is_object());
    assert_eq!(report["violations"]["evacuees"][0]["code"], "constraint");
}

#[test]
fn validating_against_a_broken_definition_fails_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("def.yaml");
    std::fs::write(&def, "yui: 1\nid: x\n").unwrap();
    let answers = dir.path().join("a.json");
    std::fs::write(&answers, "{}").unwrap();
    let o = yui(&[
        "validate",
        &def.display().to_string(),
        &answers.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is not a valid definition") && err.contains("yui check"));
}

#[test]
fn validating_unreadable_answers_or_a_bad_date_fails_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{not json").unwrap();
    let list = dir.path().join("list.json");
    std::fs::write(&list, "[1, 2]").unwrap();
    let def = template("evacuee-count.yaml");
    for (answers, today, needle) in [
        (
            broken.display().to_string(),
            "2026-04-01",
            "is not valid JSON",
        ),
        (list.display().to_string(), "2026-04-01", "one JSON object"),
        (
            template("evacuee-count.sample.json"),
            "April 1st",
            "--today must be a date",
        ),
    ] {
        let o = yui(&["validate", &def, &answers, "--today", today]);
        assert_eq!(o.status.code(), Some(2), "{needle}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn importing_a_workbook_prints_yaml_and_warnings() {
    let o = yui(&["import", "xlsform", &fixture("evacuee-count.xlsx")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let definition = AppDefinition::from_yaml(&stdout(&o)).unwrap();
    assert_eq!(definition.id, "evacuee-count");
    let err = stderr(&o);
    assert!(
        err.lines().any(|l| l
            .contains("evacuee-count.xlsx: sheet survey, row 2, column A: warning:")
            && l.ends_with("[xlsform.metadata_skipped]")),
        "{err}"
    );
}

#[test]
fn importing_to_a_file_writes_a_definition_that_checks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("childcare.yaml");
    let o = yui(&[
        "import",
        "xlsform",
        &fixture("childcare-support.xlsx"),
        "-o",
        &out.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "the YAML went to the file");
    let check = yui(&["check", &out.display().to_string()]);
    assert!(check.status.success(), "{}", stdout(&check));
    assert!(stdout(&check).starts_with("ok: Childcare support request ("));
}

#[test]
fn importing_a_broken_workbook_lists_every_problem_by_cell() {
    let workbook = fixture("broken-workbook.xlsx");
    let o = yui(&["import", "xlsform", &workbook]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty(), "nothing imported");
    let err = stderr(&o);
    assert!(
        err.lines().any(|l| l.starts_with(&format!(
            "{workbook}: sheet survey, row 4, column D: XPath paths"
        ))),
        "{err}"
    );
    assert!(err.contains("[xlsform.misnamed_sheet]"), "{err}");
    assert_eq!(err.lines().count(), 5, "{err}");
    let ja = stderr(&yui(&["import", "xlsform", &workbook, "--lang", "ja"]));
    assert!(ja.contains(": シート survey、4 行目、D 列: XPath"), "{ja}");
}

#[test]
fn importing_something_that_is_no_workbook_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("form.csv");
    std::fs::write(&csv, "type,name,label\ntext,a,A\n").unwrap();
    let o = yui(&["import", "xlsform", &csv.display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("[xlsform.not_a_spreadsheet]"));
    let missing = yui(&["import", "xlsform", "/nonexistent/form.xlsx"]);
    assert_eq!(missing.status.code(), Some(2));
}
