//! A real SMTP server for e-mail tests: `aiosmtpd` (installed by `scripts/ensure-smtp` into
//! `$HOME/.cache/yui/venv`) listening on a free loopback port and writing every message it
//! accepts into a maildir of its own. One server per test, so tests never see each other's mail.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running SMTP server.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

/// One received message, decoded.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub from: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
}

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("YUI_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = std::env::var("YUI_TEST_VENV").map_or_else(
        |_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/yui/venv"),
        PathBuf::from,
    );
    venv.join("bin/python")
}

impl SmtpServer {
    /// Starts a server, or returns `None` after a loud message when aiosmtpd is not installed
    /// (never under `CI=true`, where that fails the test).
    pub fn start() -> Option<Self> {
        let py = python();
        let available = Command::new(&py)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            assert!(
                !super::in_ci(),
                "aiosmtpd is not installed at {}; run scripts/ensure-smtp",
                py.display()
            );
            eprintln!(
                "\n!!!!!!!! SKIPPING an e-mail test: aiosmtpd is missing; run scripts/ensure-smtp\n"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let maildir = tempfile::tempdir().expect("a maildir");
        let child = Command::new(&py)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let server = SmtpServer {
            child,
            port,
            maildir,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }

    /// The URL Yui should send to.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let dir = self.maildir.path().join("mail").join("new");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .filter_map(|raw| {
                let m = mail_parser::MessageParser::default().parse(&raw)?;
                let addresses = |a: Option<&mail_parser::Address<'_>>| -> Vec<String> {
                    a.map(|a| {
                        a.iter()
                            .filter_map(|x| x.address().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
                };
                Some(ReceivedMail {
                    to: addresses(m.to()),
                    from: addresses(m.from()).join(","),
                    subject: m.subject().unwrap_or_default().to_owned(),
                    body: m
                        .body_text(0)
                        .map(std::borrow::Cow::into_owned)
                        .unwrap_or_default(),
                    message_id: m.message_id().unwrap_or_default().to_owned(),
                })
            })
            .collect()
    }

    /// Waits until at least `n` messages arrived.
    pub fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.messages();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
