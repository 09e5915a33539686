//! Embeds the app templates shipped in `templates/*.yaml`, so the builder offers them from any
//! directory and a new template needs no code change (the same list `yui demo` installs).

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut out = String::from("&[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("template file name is not UTF-8")?;
        let full = path.canonicalize()?;
        let full = full.to_str().ok_or("template path is not UTF-8")?;
        writeln!(out, "    ({name:?}, include_str!({full:?})),")?;
    }
    out.push(']');
    let target = Path::new(&std::env::var("OUT_DIR")?).join("app_templates.rs");
    std::fs::write(target, out)?;
    Ok(())
}
