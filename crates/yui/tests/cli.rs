//! The `yui` binary as an operator meets it: help, configuration errors in one line with a
//! non-zero exit, administration commands, and a server that keeps committed writes through
//! kill -9 and finishes requests on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const YUI: &str = env!("CARGO_BIN_EXE_yui");

fn yui(args: &[&str]) -> Output {
    Command::new(YUI)
        .args(args)
        .env_remove("YUI_DATABASE_URL")
        .env_remove("YUI_DATA_DIR")
        .env_remove("YUI_CONFIG")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The single error line a failed command prints.
fn error_line(o: &Output) -> String {
    let text = stderr(o);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("yui: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "exactly one error line in: {text}");
    lines[0].to_owned()
}

#[test]
fn every_subcommand_has_help_that_says_what_it_does() {
    let top = yui(&["--help"]);
    assert!(top.status.success());
    let text = stdout(&top);
    for sub in ["serve", "demo", "migrate", "admin", "config"] {
        assert!(text.contains(sub), "{sub} listed: {text}");
    }
    for args in [
        &["serve", "--help"][..],
        &["demo", "--help"],
        &["migrate", "--help"],
        &["admin", "--help"],
        &["admin", "create-tenant", "--help"],
        &["admin", "create-user", "--help"],
        &["admin", "reset-password", "--help"],
        &["admin", "disable-user", "--help"],
        &["config", "print-default", "--help"],
    ] {
        let o = yui(args);
        assert!(o.status.success(), "{args:?}");
        let help = stdout(&o);
        assert!(
            help.lines().next().is_some_and(|l| l.len() > 10),
            "{args:?} explains itself: {help}"
        );
    }
    let serve = stdout(&yui(&["serve", "--help"]));
    for flag in [
        "--listen",
        "--data-dir",
        "--database-url",
        "YUI_LISTEN",
        "YUI_DATA_DIR",
    ] {
        assert!(serve.contains(flag), "serve --help mentions {flag}");
    }
}

#[test]
fn the_default_config_is_printed_with_comments() {
    let o = yui(&["config", "print-default"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("[server]") && text.contains("listen = \"127.0.0.1:8080\""));
    assert!(
        text.lines().filter(|l| l.starts_with('#')).count() > 10,
        "commented"
    );
}

#[test]
fn a_malformed_config_file_fails_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("yui.toml");
    std::fs::write(&cfg, "[server]\nlisten = 8080\n").unwrap();
    let o = yui(&[
        "--config",
        cfg.to_str().unwrap(),
        "migrate",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let line = error_line(&o);
    assert!(
        line.contains("yui.toml") && line.contains("line 2"),
        "{line}"
    );
}

#[test]
fn an_unreachable_database_fails_in_one_line() {
    let o = yui(&[
        "migrate",
        "--database-url",
        "postgres://yui:secret@127.0.0.1:1/yui",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let line = error_line(&o);
    assert!(
        line.contains("cannot reach the database") && !line.contains("secret"),
        "{line}"
    );
}

#[test]
fn an_unsafe_durability_setting_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let o = yui(&[
        "migrate",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--sqlite-synchronous",
        "normal",
    ]);
    assert_ne!(o.status.code(), Some(0));
    let line = error_line(&o);
    assert!(
        line.contains("synchronous=normal") && line.contains("power failure"),
        "{line}"
    );
}

#[test]
fn a_port_in_use_fails_in_one_line() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let o = yui(&[
        "serve",
        "--listen",
        &addr,
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let line = error_line(&o);
    assert!(line.contains(&addr) && line.contains("in use"), "{line}");
}

#[test]
fn admin_commands_create_towns_and_accounts_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let ok = yui(&[
        "admin",
        "create-tenant",
        "--data-dir",
        d,
        "--slug",
        "oguni",
        "--code",
        "434248",
        "--name",
        "小国町",
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let bad = yui(&[
        "admin",
        "create-tenant",
        "--data-dir",
        d,
        "--slug",
        "aso",
        "--code",
        "434249",
        "--name",
        "阿蘇",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(error_line(&bad).contains("check digit"), "{}", stderr(&bad));
    let dup = yui(&[
        "admin",
        "create-tenant",
        "--data-dir",
        d,
        "--slug",
        "oguni",
        "--code",
        "131016",
        "--name",
        "x",
    ]);
    assert!(error_line(&dup).contains("slug is already taken"));

    assert!(
        yui(&[
            "admin",
            "create-department",
            "--data-dir",
            d,
            "--tenant",
            "oguni",
            "--name",
            "総務課"
        ])
        .status
        .success()
    );
    let user = yui(&[
        "admin",
        "create-user",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "--login",
        "tanaka",
        "--name",
        "田中 花子",
        "--role",
        "reviewer",
        "--department",
        "総務課",
    ]);
    assert!(user.status.success(), "{}", stderr(&user));
    let printed = stdout(&user);
    let password = printed
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("generated password printed");
    assert_eq!(password.len(), 23);

    let mut child = Command::new(YUI)
        .args([
            "admin",
            "reset-password",
            "--data-dir",
            d,
            "--tenant",
            "oguni",
            "--login",
            "tanaka",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(error_line(&o).contains("at least 12"));

    let disabled = yui(&[
        "admin",
        "disable-user",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "--login",
        "tanaka",
    ]);
    assert!(disabled.status.success());
    let listed = stdout(&yui(&[
        "admin",
        "list-users",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
    ]));
    assert!(listed.contains("tanaka\treviewer\tdisabled"), "{listed}");
    let missing = yui(&[
        "admin",
        "disable-user",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "--login",
        "nobody",
    ]);
    assert!(error_line(&missing).contains("no staff account"));
    let unknown_role = yui(&[
        "admin",
        "create-user",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "--login",
        "x1",
        "--name",
        "x",
        "--role",
        "root",
    ]);
    assert!(
        error_line(&unknown_role).contains("Unknown role \"root\""),
        "{}",
        stderr(&unknown_role)
    );
}

fn free_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

fn start_server(data_dir: &Path, listen: &str) -> Child {
    let child = Command::new(YUI)
        .args([
            "serve",
            "--listen",
            listen,
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--log-format",
            "json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_ready(listen);
    child
}

fn wait_until_ready(listen: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = http(listen, "GET", "/readyz", None, &[])
            && r.starts_with("HTTP/1.1 200")
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server on {listen} did not become ready");
}

/// A minimal HTTP/1.1 client on a blocking socket (no extra dependencies for the CLI tests).
fn http(
    listen: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut s = std::net::TcpStream::connect(listen)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {listen}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    s.write_all(req.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

fn session_cookie(response: &str) -> String {
    response
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: yui_session="))
        .map(|v| format!("yui_session={}", v.split(';').next().unwrap()))
        .expect("a session cookie")
}

fn seed(data_dir: &Path) {
    let d = data_dir.to_str().unwrap();
    assert!(
        yui(&[
            "admin",
            "create-tenant",
            "--data-dir",
            d,
            "--slug",
            "oguni",
            "--code",
            "434248",
            "--name",
            "小国町"
        ])
        .status
        .success()
    );
    let mut child = Command::new(YUI)
        .args([
            "admin",
            "create-user",
            "--data-dir",
            d,
            "--tenant",
            "oguni",
            "--login",
            "admin",
            "--name",
            "管理",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn audit_verify_reports_an_intact_trail_and_then_a_tampered_one() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let d = dir.path().to_str().unwrap();
    let ok = yui(&["audit", "verify", "--data-dir", d]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(
        stdout(&ok).contains("audit trail intact: 2 events"),
        "{}",
        stdout(&ok)
    );

    let db = dir.path().join("yui.sqlite3");
    let sql = "DROP TRIGGER audit_event_no_update; UPDATE audit_event SET actor_label = 'someone else' WHERE seq = 1 AND chain_key = 1;";
    let edited = Command::new("sqlite3").arg(&db).arg(sql).status();
    assert!(
        edited.is_ok_and(|s| s.success()),
        "the sqlite3 tool (Debian package sqlite3) edits the database"
    );
    let bad = yui(&["audit", "verify", "--data-dir", d]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stdout(&bad)
            .contains("TAMPERED  municipality 1, event 1: was changed after it was recorded"),
        "{}",
        stdout(&bad)
    );
    assert!(error_line(&bad).contains("1 problem(s)"));
}

#[test]
fn a_committed_write_survives_kill_9_of_the_server() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let listen = free_port();
    let mut server = start_server(dir.path(), &listen);
    // Signing in writes a session row; the cookie is only sent after the commit.
    let r = http(
        &listen,
        "POST",
        "/oguni/staff/login",
        Some("login=admin&password=correct+horse+battery"),
        &[],
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 303"), "{r}");
    let cookie = session_cookie(&r);
    server.kill().unwrap(); // SIGKILL: no shutdown code runs
    server.wait().unwrap();

    let listen = free_port();
    let mut server = start_server(dir.path(), &listen);
    let home = http(&listen, "GET", "/oguni/staff", None, &[("Cookie", &cookie)]).unwrap();
    assert!(
        home.starts_with("HTTP/1.1 200"),
        "the session committed before the kill is there: {home}"
    );
    assert!(home.contains("小国町"));
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let listen = free_port();
    let server = start_server(dir.path(), &listen);
    let pid = server.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = server.wait_with_output().unwrap();
    assert!(out.status.success(), "exit status {:?}", out.status);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("finishing requests in flight"), "{log}");
    assert!(log.contains("Yui stopped"), "{log}");
    for line in log.lines() {
        assert!(line.starts_with('{'), "json logs: {line}");
    }
}

#[test]
fn apps_are_installed_and_published_from_definition_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(
        yui(&[
            "admin",
            "create-tenant",
            "--data-dir",
            d,
            "--slug",
            "oguni",
            "--code",
            "434248",
            "--name",
            "小国町"
        ])
        .status
        .success()
    );
    let template = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../templates/play-room-booking.yaml"
    );
    let first = yui(&[
        "admin",
        "install-app",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "--file",
        template,
        "--publish",
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("published play-room-booking version 1"),
        "{}",
        stdout(&first)
    );
    let again = yui(&[
        "admin",
        "install-app",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "--file",
        template,
        "--publish",
        "--summary",
        "再公開",
    ]);
    assert!(stdout(&again).contains("version 2"), "{}", stdout(&again));

    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        std::fs::read_to_string(template)
            .unwrap()
            .replace("${allergy}", "${allergi}"),
    )
    .unwrap();
    let bad = yui(&[
        "admin",
        "install-app",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "--file",
        broken.to_str().unwrap(),
        "--publish",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let line = error_line(&bad);
    assert!(
        line.contains("broken.yaml:") && line.contains("allergi"),
        "{line}"
    );
}

#[test]
fn api_tokens_are_printed_once_listed_without_secrets_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let town = yui(&[
        "admin",
        "create-tenant",
        "--data-dir",
        d,
        "--slug",
        "oguni",
        "--code",
        "434248",
        "--name",
        "小国町",
    ]);
    assert!(town.status.success(), "{}", stderr(&town));
    let create = |name: &str, role: &str| {
        yui(&[
            "admin",
            "create-api-token",
            "--data-dir",
            d,
            "--tenant",
            "oguni",
            "--name",
            name,
            "--role",
            role,
        ])
    };
    let made = create("文書管理システム", "reviewer");
    assert!(made.status.success(), "{}", stderr(&made));
    let out = stdout(&made);
    let token = out
        .lines()
        .find_map(|l| l.strip_prefix("token: "))
        .expect("the token is printed")
        .to_owned();
    assert!(token.starts_with("yui_") && token.len() > 40, "{token}");
    let bad_role = create("集計", "superuser");
    assert_eq!(bad_role.status.code(), Some(2));
    assert!(
        error_line(&bad_role).contains("role"),
        "{}",
        stderr(&bad_role)
    );
    let twice = create("文書管理システム", "viewer");
    assert_eq!(twice.status.code(), Some(2), "{}", stderr(&twice));
    let list = yui(&[
        "admin",
        "list-api-tokens",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
    ]);
    let listed = stdout(&list);
    assert!(
        listed.contains("文書管理システム\treviewer\tactive\tnever used"),
        "{listed}"
    );
    assert!(!listed.contains(&token), "the secret is never shown again");
    let revoke = yui(&[
        "admin",
        "revoke-api-token",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
        "--name",
        "文書管理システム",
    ]);
    assert!(revoke.status.success(), "{}", stderr(&revoke));
    let list = yui(&[
        "admin",
        "list-api-tokens",
        "--data-dir",
        d,
        "--tenant",
        "oguni",
    ]);
    assert!(stdout(&list).contains("\trevoked\t"), "{}", stdout(&list));
}
