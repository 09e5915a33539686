//! Commands that work on definition files alone, with no database or server: `yui check`,
//! `yui validate` and `yui import xlsform`. They run before the async runtime starts and
//! print for people (and scripts): one line per problem, stable codes, exit status 0 when
//! all is well, 1 when the input has problems, 2 when it cannot be read at all.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value, json};
use time::{Date, OffsetDateTime, Time};
use yui_domain::definition::Form;
use yui_domain::expr::{EvalContext, JST};

use crate::cli::Command;

/// The language of messages printed for the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The definition file (YAML or JSON).
    #[arg(value_name = "DEF.yaml")]
    pub definition: PathBuf,
    /// Language of the messages: en (default) or ja.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
}

#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// The definition file (YAML or JSON).
    #[arg(value_name = "DEF.yaml")]
    pub definition: PathBuf,
    /// The answers: one JSON object keyed by field name, repeats as arrays of objects.
    #[arg(value_name = "ANSWERS.json")]
    pub answers: PathBuf,
    /// The date today() returns (YYYY-MM-DD), for reproducible runs; now() is then midnight
    /// of that day, Japan time. Defaults to the real clock.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
    /// Language of the error line when the input cannot be used: en (default) or ja.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import an XLSForm workbook (.xlsx, .xls or .ods) as a Yui definition. Prints the YAML
    /// (or writes it with -o) and any warnings; every problem is reported with its sheet, row
    /// and column, and nothing is written when there are errors (exit status 1).
    Xlsform(ImportXlsformArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ImportXlsformArgs {
    /// The workbook.
    #[arg(value_name = "FORM.xlsx")]
    pub workbook: PathBuf,
    /// Write the definition to this file instead of printing it.
    #[arg(short, long, value_name = "DEF.yaml")]
    pub output: Option<PathBuf>,
    /// Language of the messages: en (default) or ja.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
}

/// Runs the command if it is one of these; `None` leaves it to the server commands.
pub fn run(command: &Command) -> Option<ExitCode> {
    let code = match command {
        Command::Check(args) => check(args),
        Command::Validate(args) => validate(args),
        Command::Import(ImportCommand::Xlsform(args)) => import_xlsform(args),
        _ => return None,
    };
    Some(ExitCode::from(code))
}

/// One readable line for input that cannot be used at all; exit status 2.
fn unusable(lang: Lang, ja: &str, en: &str) -> u8 {
    eprintln!("yui: error: {}", lang.pick(ja, en));
    2
}

fn read_text(path: &Path, lang: Lang) -> Result<String, u8> {
    match std::fs::read_to_string(path) {
        // Editors on Windows like to start files with a byte-order mark.
        Ok(text) => Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned()),
        Err(e) => Err(unusable(
            lang,
            &format!("{} を読めません: {e}", path.display()),
            &format!("cannot read {}: {e}", path.display()),
        )),
    }
}

fn check(args: &CheckArgs) -> u8 {
    let text = match read_text(&args.definition, args.lang) {
        Ok(text) => text,
        Err(code) => return code,
    };
    let file = args.definition.display();
    match Form::from_yaml(&text) {
        Ok(form) => {
            let fields = form
                .fields()
                .iter()
                .filter(|f| f.other_of.is_none())
                .count();
            let title = form.definition().title.get(args.lang.code());
            println!(
                "{}",
                match args.lang {
                    Lang::Ja => format!("ok: {title}（{fields} 項目）"),
                    Lang::En => format!("ok: {title} ({fields} fields)"),
                }
            );
            0
        }
        Err(errors) => {
            for e in &errors {
                let message = args.lang.pick(&e.message_ja, &e.message_en);
                let place = match (e.line, e.column) {
                    (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
                    _ => file.to_string(),
                };
                let at = if e.path.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", e.path)
                };
                println!("{place}: {}: {message}{at}", e.code);
            }
            1
        }
    }
}

fn validate(args: &ValidateArgs) -> u8 {
    let lang = args.lang;
    let ctx = match &args.today {
        None => EvalContext::at(OffsetDateTime::now_utc()),
        Some(day) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            match Date::parse(day, format) {
                Ok(date) => EvalContext::at(date.with_time(Time::MIDNIGHT).assume_offset(JST)),
                Err(_) => {
                    return unusable(
                        lang,
                        &format!("--today は YYYY-MM-DD の形で書いてください（{day}）"),
                        &format!("--today must be a date like 2024-04-01 (got {day:?})"),
                    );
                }
            }
        }
    };
    let definition = match read_text(&args.definition, lang) {
        Ok(text) => text,
        Err(code) => return code,
    };
    let form = match Form::from_yaml(&definition) {
        Ok(form) => form,
        Err(errors) => {
            let file = args.definition.display();
            return unusable(
                lang,
                &format!(
                    "{file} は正しい定義ではありません（問題 {} 件。yui check {file} で確認してください）",
                    errors.len()
                ),
                &format!(
                    "{file} is not a valid definition ({} problems; see yui check {file})",
                    errors.len()
                ),
            );
        }
    };
    let answers_text = match read_text(&args.answers, lang) {
        Ok(text) => text,
        Err(code) => return code,
    };
    let answers: Value = match serde_json::from_str(&answers_text) {
        Ok(value @ Value::Object(_)) => value,
        Ok(_) => {
            return unusable(
                lang,
                &format!(
                    "{} には項目名をキーにした JSON オブジェクトを 1 つ書いてください",
                    args.answers.display()
                ),
                &format!(
                    "{} must hold one JSON object keyed by field name",
                    args.answers.display()
                ),
            );
        }
        Err(e) => {
            return unusable(
                lang,
                &format!("{} は JSON として読めません: {e}", args.answers.display()),
                &format!("{} is not valid JSON: {e}", args.answers.display()),
            );
        }
    };
    let evaluation = form.evaluate(&answers, &ctx);
    if evaluation.is_valid() {
        println!("{}", pretty(&Value::Object(evaluation.answers().clone())));
        return 0;
    }
    let mut violations = Map::new();
    for (path, list) in evaluation.report().iter() {
        let items = list
            .iter()
            .map(|v| {
                json!({
                    "code": v.code,
                    "message_ja": v.message_ja,
                    "message_en": v.message_en,
                    "params": v.params,
                })
            })
            .collect();
        violations.insert(path.to_owned(), Value::Array(items));
    }
    println!(
        "{}",
        pretty(&json!({ "valid": false, "violations": violations }))
    );
    1
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn import_xlsform(args: &ImportXlsformArgs) -> u8 {
    let lang = args.lang;
    let file = args.workbook.display();
    let too_large = std::fs::metadata(&args.workbook)
        .is_ok_and(|m| m.len() > yui_xlsform::MAX_WORKBOOK_BYTES as u64);
    if too_large {
        let mb = yui_xlsform::MAX_WORKBOOK_BYTES / 1024 / 1024;
        return unusable(
            lang,
            &format!("{file} が大きすぎます（{mb} MB まで）"),
            &format!("{file} is too large (at most {mb} MB)"),
        );
    }
    let bytes = match std::fs::read(&args.workbook) {
        Ok(bytes) => bytes,
        Err(e) => {
            return unusable(
                lang,
                &format!("{file} を読めません: {e}"),
                &format!("cannot read {file}: {e}"),
            );
        }
    };
    let line = |issue: &yui_xlsform::ImportIssue, warning: bool| {
        let location = issue.location(lang.code());
        let location = if location.is_empty() {
            String::new()
        } else {
            format!(" {location}:")
        };
        let kind = if warning {
            lang.pick(" 警告:", " warning:")
        } else {
            ""
        };
        format!(
            "{file}:{location}{kind} {} [{}]",
            issue.message(lang.code()),
            issue.code
        )
    };
    match yui_xlsform::import(&bytes) {
        Ok(imported) => {
            for warning in &imported.warnings {
                eprintln!("{}", line(warning, true));
            }
            let yaml = imported.definition.to_yaml();
            match &args.output {
                None => print!("{yaml}"),
                Some(out) => {
                    if let Err(e) = std::fs::write(out, yaml) {
                        return unusable(
                            lang,
                            &format!("{} に書き込めません: {e}", out.display()),
                            &format!("cannot write {}: {e}", out.display()),
                        );
                    }
                }
            }
            0
        }
        Err(errors) => {
            for error in &errors {
                eprintln!("{}", line(error, false));
            }
            1
        }
    }
}
