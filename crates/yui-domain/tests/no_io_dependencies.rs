//! `yui-domain` must stay pure: no async runtime, no HTTP, no SQL, no file or network access
//! through a dependency. This test reads the resolved dependency graph with `cargo metadata`
//! and fails if any crate reachable from `yui-domain` (normal dependencies only) is one of the
//! crates that would bring I/O in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

const FORBIDDEN: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "futures-io",
    "mio",
    "axum",
    "hyper",
    "http",
    "tower",
    "reqwest",
    "sqlx",
    "sqlx-core",
    "libsqlite3-sys",
    "rusqlite",
    "postgres",
    "tokio-postgres",
    "lettre",
    "object_store",
    "std-fs",
    "yui-core",
    "yui-store",
    "yui-web",
];

fn rustc_host() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc reports its host")
        .to_owned()
}

#[test]
fn the_domain_crate_depends_on_nothing_that_does_io() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Only this platform's packages: the others need not be downloaded to answer.
    let host = rustc_host();
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            &host,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes = meta["resolve"]["nodes"].as_array().unwrap();
    let deps: HashMap<&str, Vec<&str>> = nodes
        .iter()
        .map(|n| {
            let normal = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (n["id"].as_str().unwrap(), normal)
        })
        .collect();
    let domain = names
        .iter()
        .find(|(_, n)| **n == "yui-domain")
        .map(|(id, _)| *id)
        .unwrap();

    let mut seen = BTreeSet::new();
    let mut stack = vec![domain];
    while let Some(id) = stack.pop() {
        for dep in deps.get(id).into_iter().flatten() {
            if seen.insert(names[dep]) {
                stack.push(dep);
            }
        }
    }
    let bad: Vec<_> = seen.iter().filter(|n| FORBIDDEN.contains(n)).collect();
    assert!(
        bad.is_empty(),
        "yui-domain must not depend on {bad:?} (reachable: {seen:?})"
    );
    assert!(
        !seen.is_empty() && seen.contains("serde"),
        "the graph was read: {seen:?}"
    );
}
