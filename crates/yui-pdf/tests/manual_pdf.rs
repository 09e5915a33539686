//! The handover manual's PDF, read back with poppler's tools: it is a PDF, it carries a
//! subset of a Japanese font, its Japanese text can be extracted as written, long manuals run
//! over several pages with a header and page numbers, and builders' texts are printed as text
//! (never read as Typst markup).
//!
//! Needs Japanese fonts and poppler-utils (`scripts/ensure-fonts` installs both). Without them
//! these tests are skipped with a loud message, except under `CI=true`, where they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use yui_core::manual::{ManualDocument, ManualHistoryEntry, ManualTown};
use yui_domain::definition::Form;
use yui_domain::explain::Sentence;
use yui_pdf::{Fonts, render_manual, render_manual_in};

const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");
const MOVING_IN: &str = include_str!("../../../templates/moving-in-notice.yaml");

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn skip(why: &str) {
    assert!(
        !in_ci(),
        "{why}; CI=true: PDF tests must run (scripts/ensure-fonts installs what they need)"
    );
    eprintln!(
        "\n!!!!!!!! SKIPPING a PDF test: {why}.\n\
         !!!!!!!! Run scripts/ensure-fonts (fonts-ipaexfont, poppler-utils); CI=true makes this an error.\n"
    );
}

/// The server's Japanese fonts and poppler's tools, or `None` after a loud skip message.
fn setup() -> Option<Fonts> {
    for tool in ["pdftotext", "pdfinfo", "pdffonts"] {
        if Command::new(tool).arg("-v").output().is_err() {
            skip(&format!("{tool} (poppler-utils) is not installed"));
            return None;
        }
    }
    let dir = std::env::var_os("YUI_FONT_DIR");
    match Fonts::discover(dir.as_deref().map(Path::new)) {
        Ok(fonts) => Some(fonts),
        Err(e) => {
            skip(&e.to_string());
            None
        }
    }
}

fn manual(src: &str) -> ManualDocument {
    let form = Form::from_yaml(src).unwrap();
    let town = ManualTown {
        slug: "oguni".into(),
        name: "小国町".into(),
        code: "434248".into(),
    };
    let now = time::macros::datetime!(2026-04-01 00:00 UTC);
    ManualDocument::from_form(town, &form.definition().id.clone(), &form, now)
}

/// Runs a poppler tool on the PDF and returns what it printed.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile_dir();
    let path = dir.join("manual.pdf");
    std::fs::write(&path, pdf).unwrap();
    let mut command = Command::new(tool);
    command.args(args).arg(&path);
    if tool == "pdftotext" {
        command.arg("-");
    }
    let out = command.output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn tempfile_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "yui-pdf-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Text as pdftotext gives it, with line breaks and spaces removed: Japanese lines break
/// anywhere, so phrases are compared without them.
fn flat(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn pages(pdf: &[u8]) -> usize {
    let info = poppler("pdfinfo", &[], pdf);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn the_play_room_manual_is_a_pdf_with_extractable_japanese_text() {
    let Some(fonts) = setup() else { return };
    let pdf = render_manual(&manual(PLAY_ROOM), &fonts).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");

    let text = flat(&poppler("pdftotext", &["-enc", "UTF-8"], &pdf));
    for phrase in [
        "引き継ぎ書",
        "プレイルーム利用申込",
        "小国町",
        "子育て支援センターのプレイルームを",
        "食物アレルギーはありますか",
        "『食物アレルギーはありますか』が「はい」のとき",
        "入力できる値:1以上4以下",
        "今日より後、かつ今日から60日後まで",
        "午後（13:00〜16:00）",
        "『大人の人数』と『利用するお子さん』の人数の合計",
        "差し戻す",
        "住民にメールで知らせる",
        "{receipt_number}",
        "受付番号",
    ] {
        assert!(
            text.contains(&flat(phrase)),
            "{phrase:?} is missing or garbled in the PDF's text:\n{text}"
        );
    }
    assert!(!text.contains("${"), "a raw expression was printed");
}

#[test]
fn the_pdf_embeds_a_subset_of_a_japanese_font() {
    let Some(fonts) = setup() else { return };
    let pdf = render_manual(&manual(PLAY_ROOM), &fonts).unwrap();
    let listing = poppler("pdffonts", &[], &pdf);
    let family = fonts.families()[0].replace(' ', "");
    let embedded = listing.lines().skip(2).any(|line| {
        let name = line.split_whitespace().next().unwrap_or_default();
        // A subset's name is six capital letters, a plus sign and the font's name.
        let subset = name.len() > 7 && name.as_bytes()[6] == b'+';
        subset && name.contains(&family) && line.contains(" yes ")
    });
    assert!(
        embedded,
        "no embedded subset of {family} in the PDF:\n{listing}"
    );
}

#[test]
fn a_larger_manual_runs_over_pages_with_a_header_and_page_numbers() {
    let Some(fonts) = setup() else { return };
    let mut m = manual(MOVING_IN);
    m.history = (1..=30)
        .rev()
        .map(|v| ManualHistoryEntry {
            version: v,
            published_at: Sentence::new(format!("2026年4月{v}日 9:00"), format!("{v} April 2026")),
            published_by: Sentence::new("作成 花子", "作成 花子"),
            change_summary: format!("第{v}版: 来庁予定日の説明を見直しました"),
        })
        .collect();
    let pdf = render_manual(&m, &fonts).unwrap();
    let n = pages(&pdf);
    assert!(n >= 2, "only {n} page(s)");
    let last = n.to_string();
    let page_two = flat(&poppler(
        "pdftotext",
        &["-enc", "UTF-8", "-f", "2", "-l", "2"],
        &pdf,
    ));
    assert!(
        page_two.contains(&flat("転入届の事前受付 — 引き継ぎ書")),
        "no header on page 2:\n{page_two}"
    );
    assert!(page_two.contains("小国町"), "no town in the header");
    assert!(
        page_two.contains(&format!("2/{last}")),
        "no page number on page 2:\n{page_two}"
    );
    let all = flat(&poppler("pdftotext", &["-enc", "UTF-8"], &pdf));
    assert!(all.contains(&flat("第30版: 来庁予定日の説明を見直しました")));
    assert!(all.contains(&flat("第1版: 来庁予定日の説明を見直しました")));
}

#[test]
fn the_english_manual_uses_english_headings_and_texts() {
    let Some(fonts) = setup() else { return };
    let pdf = render_manual_in(&manual(PLAY_ROOM), &fonts, "en").unwrap();
    let text = flat(&poppler("pdftotext", &["-enc", "UTF-8"], &pdf));
    for phrase in [
        "Handover manual",
        "Play room booking",
        "Questions and rules",
        "when “Any food allergies?” is “Yes”",
        "Accepted: at least 1 and at most 4",
    ] {
        assert!(text.contains(&flat(phrase)), "{phrase:?} missing:\n{text}");
    }
}

#[test]
fn texts_that_look_like_markup_are_printed_as_written() {
    let Some(fonts) = setup() else { return };
    let mut m = manual(PLAY_ROOM);
    let hostile = "#set page(width: 1cm) ] $x^2$ *太字* _斜体_ = 見出し #panic(\"x\")";
    m.app.description = Sentence::new(hostile, hostile);
    let pdf = render_manual(&m, &fonts).unwrap();
    let text = flat(&poppler("pdftotext", &["-enc", "UTF-8"], &pdf));
    assert!(
        text.contains(&flat(hostile)),
        "the description was not printed literally:\n{text}"
    );
}
