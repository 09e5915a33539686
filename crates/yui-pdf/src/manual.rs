//! The handover manual as a PDF: the document is turned into one JSON value in the chosen
//! language (texts and headings), passed to `manual.typ` through `sys.inputs`, typeset by
//! Typst with the server's Japanese fonts and exported as PDF.

use std::sync::Arc;

use serde_json::{Value, json};
use typst::foundations::{Dict, IntoValue};
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;
use yui_core::manual::{ManualDocument, ManualPrinter, PrintError};
use yui_domain::explain::Sentence;

use crate::fonts::{FontError, Fonts};

const TEMPLATE: &str = include_str!("manual.typ");

/// Why a PDF could not be made. Typesetting errors are bugs in the template (the data cannot
/// cause them: it arrives as JSON values).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("typesetting the manual failed: {0}")]
    Typesetting(String),
    #[error("writing the PDF failed: {0}")]
    Export(String),
}

/// The manual as a Japanese PDF.
pub fn render_manual(manual: &ManualDocument, fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    render_manual_in(manual, fonts, "ja")
}

/// The manual as a PDF in `lang` (`"en"`, or Japanese for anything else).
pub fn render_manual_in(
    manual: &ManualDocument,
    fonts: &Fonts,
    lang: &str,
) -> Result<Vec<u8>, PdfError> {
    let data = view(manual, fonts, lang).to_string();
    let mut inputs = Dict::new();
    inputs.insert("data".into(), data.into_value());
    let engine = TypstEngine::builder()
        .main_file(TEMPLATE)
        .fonts(fonts.faces())
        .build();
    let document: PagedDocument = engine
        .compile_with_input(inputs)
        .output
        .map_err(|e| PdfError::Typesetting(e.to_string()))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|e| PdfError::Export(format!("{e:?}")))
}

/// A [`ManualPrinter`] over the fonts found at start-up. Without fonts it still exists and
/// answers every request with [`PrintError::NoJapaneseFont`], so the server starts and staff
/// see what to install.
pub struct TypstPrinter {
    fonts: std::sync::OnceLock<Result<Arc<Fonts>, FontError>>,
    /// Where to look for fonts when they are first needed; `None` once loaded.
    font_dir: Option<std::path::PathBuf>,
}

impl TypstPrinter {
    pub fn new(fonts: Result<Fonts, FontError>) -> Self {
        TypstPrinter {
            fonts: std::sync::OnceLock::from(fonts.map(Arc::new)),
            font_dir: None,
        }
    }

    /// A printer that reads the fonts (several megabytes) only when the first PDF is asked
    /// for, so a server that never prints does not hold them in memory.
    pub fn on_first_use(font_dir: Option<std::path::PathBuf>) -> Self {
        TypstPrinter {
            fonts: std::sync::OnceLock::new(),
            font_dir,
        }
    }

    fn fonts(&self) -> &Result<Arc<Fonts>, FontError> {
        self.fonts.get_or_init(|| {
            let fonts = Fonts::discover(self.font_dir.as_deref()).map(Arc::new);
            if let Err(e) = &fonts {
                tracing::warn!(error = %e, "handover manual PDFs are unavailable");
            }
            fonts
        })
    }
}

impl ManualPrinter for TypstPrinter {
    fn print(&self, manual: &ManualDocument, lang: &str) -> Result<Vec<u8>, PrintError> {
        let fonts = self.fonts().as_ref().map_err(|e| match e {
            FontError::NoJapaneseFont { searched } => PrintError::NoJapaneseFont {
                searched: searched.clone(),
            },
        })?;
        render_manual_in(manual, fonts, lang).map_err(|e| PrintError::Typesetting(e.to_string()))
    }
}

/// Headings of the document, by language.
fn labels(en: bool) -> Value {
    let pick = |ja: &str, e: &str| if en { e.to_owned() } else { ja.to_owned() };
    json!({
        "manual": pick("引き継ぎ書", "Handover manual"),
        "generated": pick("作成:", "Made:"),
        "overview": pick("このアプリについて", "About this app"),
        "start": pick("開始ページに表示される案内", "What the start page tells residents"),
        "fields": pick("質問項目とルール", "Questions and rules"),
        "fields_note": pick(
            "「必須」は回答しないと送信できない項目です。条件とルールは式ではなく文章で示しています。",
            "Required questions must be answered to submit. Conditions and rules are written out in words, not as expressions.",
        ),
        "field": pick("項目", "Question"),
        "kind": pick("種類", "Type"),
        "required": pick("必須", "Required"),
        "rules": pick("表示の条件・入力のルール", "When shown, rules"),
        "calculations": pick("自動計算される値（画面には表示されません）", "Calculated values (not shown on the form)"),
        "name": pick("名前", "Name"),
        "calculation": pick("計算の内容", "What is calculated"),
        "workflow": pick("処理の流れ（ワークフロー）", "Workflow"),
        "states": pick("状況", "Statuses"),
        "state": pick("状況", "Status"),
        "note": pick("説明", "Note"),
        "transitions": pick("操作と担当", "Steps and who takes them"),
        "from": pick("現在の状況", "From"),
        "to": pick("次の状況", "To"),
        "action": pick("操作", "Action"),
        "who": pick("操作できる人", "Who"),
        "notify": pick("住民への通知", "Resident e-mail"),
        "notifications": pick("住民に送るメール", "E-mails to residents"),
        "no_notifications": pick("このアプリはメールを送りません。", "This app sends no e-mails."),
        "subject": pick("件名", "Subject"),
        "body": pick("本文", "Body"),
        "placeholders": pick("差し込まれる値", "Values filled in"),
        "placeholder": pick("書き方", "Written as"),
        "meaning": pick("送信時に入る値", "Becomes"),
        "history": pick("変更の履歴", "Version history"),
        "no_history": pick("まだ公開されていません。", "Not published yet."),
        "version": pick("版", "Version"),
        "published_at": pick("公開日時", "Published"),
        "published_by": pick("公開した人", "Published by"),
        "summary": pick("変更の内容", "What changed"),
    })
}

/// Everything the template shows, in one language.
fn view(manual: &ManualDocument, fonts: &Fonts, lang: &str) -> Value {
    let en = lang == "en";
    let t = |s: &Sentence| s.get(lang).to_owned();
    let pick = |ja: &str, e: &str| if en { e.to_owned() } else { ja.to_owned() };
    let app = &manual.app;
    let mut overview = vec![
        json!([pick("アプリの名前", "Title"), t(&app.title)]),
        json!([pick("目的・説明", "Purpose"), t(&app.description)]),
        json!([pick("利用する人", "Who submits"), t(&app.audience)]),
        json!([pick("担当課", "Owner department"), t(&app.department)]),
        json!([pick("受付の状態", "State"), t(&app.state)]),
        json!([
            pick("この引き継ぎ書の対象", "Describes"),
            t(&manual.version.label)
        ]),
        json!([pick("アプリのID", "App id"), app.slug]),
    ];
    if let Some(category) = &app.category {
        overview.push(json!([pick("分類", "Category"), category]));
    }
    if !app.keywords.is_empty() {
        overview.push(json!([
            pick("検索用の言葉", "Search words"),
            app.keywords.join(if en { ", " } else { "、" })
        ]));
    }
    let field_row = |f: &yui_domain::explain::FieldGuide| {
        let mut rules: Vec<String> = Vec::new();
        if let Some(when) = &f.shown_when {
            rules.push(if en {
                format!("Shown {}", when.en)
            } else {
                format!("表示: {}", when.ja)
            });
        }
        rules.extend(f.rules.iter().map(t));
        if let Some(hint) = &f.hint {
            rules.push(if en {
                format!("Hint: {}", hint.en)
            } else {
                format!("説明: {}", hint.ja)
            });
        }
        json!({
            "label": t(&f.label),
            "depth": f.depth,
            "kind": t(&f.kind),
            "required": t(&f.required),
            "rules": rules,
        })
    };
    let pages: Vec<Value> = manual
        .form
        .pages
        .iter()
        .map(|p| {
            let heading = match (&p.title, en) {
                (Some(title), false) => format!("{}ページ目: {}", p.number, title.ja),
                (Some(title), true) => format!("Page {}: {}", p.number, title.en),
                (None, false) => format!("{}ページ目", p.number),
                (None, true) => format!("Page {}", p.number),
            };
            json!({ "heading": heading, "fields": p.fields.iter().map(field_row).collect::<Vec<_>>() })
        })
        .collect();
    let calculations: Vec<Value> = manual.form.calculations.iter().map(field_row).collect();
    let states: Vec<Value> = manual
        .workflow
        .states
        .iter()
        .map(|s| {
            let note = match (s.initial, s.is_final, en) {
                (true, _, false) => "申請はこの状況から始まります",
                (true, _, true) => "Submissions start here",
                (false, true, false) => "処理の終わり（これ以上は進みません）",
                (false, true, true) => "Processing ends here",
                (false, false, _) => "",
            };
            json!({ "label": t(&s.label), "note": note })
        })
        .collect();
    let transitions: Vec<Value> = manual
        .workflow
        .transitions
        .iter()
        .map(|tr| {
            json!({
                "from": t(&tr.from), "to": t(&tr.to), "action": t(&tr.action),
                "who": t(&tr.who), "notify": t(&tr.notify_text),
            })
        })
        .collect();
    let workflow_note = match (manual.workflow.is_default, en) {
        (true, false) => "Yui の標準の流れを使っています。管理者はすべての操作ができます。",
        (true, true) => "The app uses Yui's standard workflow. Administrators may take every step.",
        (false, false) => "このアプリ独自の流れです。管理者はすべての操作ができます。",
        (false, true) => "The app has its own workflow. Administrators may take every step.",
    };
    let unpublished_note = manual.version.unpublished_changes.then(|| {
        pick(
            "下書きには、まだ公開していない変更があります。この引き継ぎ書は公開中の版について書いています。",
            "The draft has changes not yet published; this manual describes the published version.",
        )
    });
    json!({
        "lang": if en { "en" } else { "ja" },
        "fonts": fonts.families(),
        "labels": labels(en),
        "title": t(&app.title),
        "town": manual.town.name,
        "version_label": t(&manual.version.label),
        "generated_at": t(&manual.generated_at),
        "unpublished_note": unpublished_note,
        "overview": overview,
        "start": manual.start.iter().map(|i| json!([t(&i.heading), t(&i.text)])).collect::<Vec<_>>(),
        "pages": pages,
        "calculations": calculations,
        "workflow_note": workflow_note,
        "states": states,
        "transitions": transitions,
        "notifications": manual.notifications.iter().map(|n| json!({
            "when": t(&n.when), "subject": t(&n.subject), "body": t(&n.body),
        })).collect::<Vec<_>>(),
        "placeholders": manual.placeholders.iter().map(|p| json!({
            "code": p.code, "meaning": t(&p.meaning),
        })).collect::<Vec<_>>(),
        "history": manual.history.iter().map(|h| json!({
            "version": h.version.to_string(), "at": t(&h.published_at),
            "by": t(&h.published_by), "summary": h.change_summary,
        })).collect::<Vec<_>>(),
    })
}
