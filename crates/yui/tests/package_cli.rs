//! `yui package export | inspect | import` as an operator meets them: a signed file out of one
//! town, its provenance shown, an import that asks first, a tampered file refused in one line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

const YUI: &str = env!("CARGO_BIN_EXE_yui");
const PLAY_ROOM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../templates/play-room-booking.yaml"
);

fn yui_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(YUI)
        .args(args)
        .env_remove("YUI_DATABASE_URL")
        .env_remove("YUI_DATA_DIR")
        .env_remove("YUI_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn yui(args: &[&str]) -> Output {
    yui_with_stdin(args, "")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn town(d: &str, slug: &str, code: &str, name: &str) {
    ok(&yui(&[
        "admin",
        "create-tenant",
        "--data-dir",
        d,
        "--slug",
        slug,
        "--code",
        code,
        "--name",
        name,
    ]));
}

#[test]
fn a_package_is_exported_inspected_and_imported_after_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    town(d, "oguni", "434248", "小国町");
    town(d, "minamioguni", "434230", "南小国町");
    ok(&yui(&[
        "admin",
        "install-app",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "--file",
        PLAY_ROOM,
        "--publish",
    ]));
    let file = dir.path().join("play-room.yuipkg");
    let f = file.to_str().unwrap();
    ok(&yui(&[
        "package",
        "export",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "play-room-booking",
        "-o",
        f,
        "--licence",
        "CC-BY-4.0",
        "--changelog",
        "初版を共有",
    ]));

    let shown = ok(&yui(&["package", "inspect", f]));
    for expected in [
        "434248/play-room-booking version 1",
        "小国町 (434248)",
        "signature verified",
        "CC-BY-4.0",
        "初版を共有",
        "no submissions",
    ] {
        assert!(shown.contains(expected), "{expected} in {shown}");
    }

    let import = |stdin: &str, extra: &[&str]| {
        let mut args = vec![
            "package",
            "import",
            "--data-dir",
            d,
            "--tenant",
            "minamioguni",
            f,
        ];
        args.extend_from_slice(extra);
        yui_with_stdin(&args, stdin)
    };
    let declined = ok(&import("n\n", &[]));
    assert!(
        declined.contains("cancelled: nothing was installed"),
        "{declined}"
    );
    let accepted = ok(&import("y\n", &[]));
    assert!(
        accepted.contains("installed play-room-booking in 南小国町"),
        "{accepted}"
    );
    let again = ok(&import("", &["--yes"]));
    assert!(again.contains("nothing to do"), "{again}");

    // The town that wrote it has the id already: it must choose another.
    let clash = ok(&yui_with_stdin(
        &[
            "package",
            "import",
            "--data-dir",
            d,
            "--tenant",
            "oguni",
            f,
            "--yes",
            "--slug",
            "play-room-copy",
            "--publish",
        ],
        "",
    ));
    assert!(
        clash.contains("published play-room-copy version 1"),
        "{clash}"
    );

    let tampered = dir.path().join("tampered.yuipkg");
    std::fs::write(
        &tampered,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("保護者の氏名", "保護者の名前"),
    )
    .unwrap();
    let refused = yui(&["package", "inspect", tampered.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("yui: error:") && err.contains("changed after it was signed"),
        "{err}"
    );
}

#[test]
fn exporting_an_unpublished_app_says_to_publish_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    town(d, "oguni", "434248", "小国町");
    ok(&yui(&[
        "admin",
        "install-app",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "--file",
        PLAY_ROOM,
    ]));
    let o = yui(&[
        "package",
        "export",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "play-room-booking",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Publish it first"));
}

#[test]
fn package_commands_explain_themselves() {
    for sub in ["export", "inspect", "import"] {
        let o = yui(&["package", sub, "--help"]);
        let help = ok(&o);
        assert!(help.lines().next().is_some_and(|l| l.len() > 10), "{help}");
    }
}
