//! Real workbook files, committed next to the Markdown tables they were built from
//! (`tests/fixtures/NAME.md` → `NAME.xlsx` and `NAME.ods`). Importing the committed files
//! must give what each Markdown file says, so the importer is held to bytes written to disk,
//! not only to workbooks built in the same test run.
//!
//! `YUI_WRITE_XLSFORM_FIXTURES=1 cargo test -p yui-xlsform --test fixtures` rebuilds the files
//! after a Markdown file changes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn sources() -> Vec<PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn committed_workbooks_import_as_their_tables_say() {
    let write = std::env::var_os("YUI_WRITE_XLSFORM_FIXTURES").is_some();
    let sources = sources();
    assert!(sources.len() >= 3, "at least three fixtures");
    let mut failures = Vec::new();
    for source in &sources {
        let case = support::parse_case(&std::fs::read_to_string(source).unwrap());
        let sheets = support::sheets_from_markdown(&case.tables);
        for (extension, build) in [
            (
                "xlsx",
                support::xlsx as fn(&[support::SheetSpec]) -> Vec<u8>,
            ),
            ("ods", support::ods),
        ] {
            let file = source.with_extension(extension);
            if write {
                std::fs::write(&file, build(&sheets)).unwrap();
            }
            let bytes = std::fs::read(&file).unwrap_or_else(|e| {
                panic!(
                    "{} is missing ({e}); run with YUI_WRITE_XLSFORM_FIXTURES=1",
                    file.display()
                )
            });
            if let Err(why) = support::check(&case, &bytes) {
                failures.push(format!("{}: {why}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_workbook_and_its_ods_twin_import_alike() {
    if std::env::var_os("YUI_WRITE_XLSFORM_FIXTURES").is_some() {
        // The files are being rewritten by the other test.
        return;
    }
    for source in sources() {
        let xlsx = yui_xlsform::import(&std::fs::read(source.with_extension("xlsx")).unwrap());
        let ods = yui_xlsform::import(&std::fs::read(source.with_extension("ods")).unwrap());
        match (xlsx, ods) {
            (Ok(a), Ok(b)) => assert_eq!(a.definition, b.definition, "{}", source.display()),
            (Err(a), Err(b)) => assert_eq!(
                a.iter().map(|i| i.code).collect::<Vec<_>>(),
                b.iter().map(|i| i.code).collect::<Vec<_>>(),
                "{}",
                source.display()
            ),
            (a, b) => panic!(
                "{}: xlsx and ods disagree: {:?} vs {:?}",
                source.display(),
                a.map(|_| ()),
                b.map(|_| ())
            ),
        }
    }
}
