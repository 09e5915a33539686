//! The conformance corpus: each file in `tests/corpus/` is one XLSForm written as Markdown
//! tables, followed by what importing it must give — the definition (as YAML, compared key by
//! key for the top-level keys it names) or the exact list of errors, each with sheet, row,
//! column and code. Every case is built into a real .xlsx in memory and imported.
//!
//! Sections of a case file (after the tables):
//! - `## Expected definition` with a ```yaml block;
//! - `## Expected errors` / `## Expected warnings` with a `| sheet | row | column | code |`
//!   table (`-` for no row or column). Without a warnings section, warnings are not checked.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;

/// How many cases the corpus must hold at least (so files cannot quietly go missing).
const MIN_CASES: usize = 60;

#[test]
fn every_corpus_case_imports_as_its_file_says() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let case = support::parse_case(&text);
        assert!(
            case.definition.is_some() || case.errors.is_some() || case.warnings.is_some(),
            "{} says nothing about the outcome",
            path.display()
        );
        let bytes = support::xlsx_from_markdown(&case.tables);
        if let Err(why) = support::check(&case, &bytes) {
            failures.push(format!(
                "{}: {why}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n\n")
    );
    assert!(
        paths.len() >= MIN_CASES,
        "the corpus has {} cases, fewer than {MIN_CASES}",
        paths.len()
    );
}
