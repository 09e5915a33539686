//! 横展開 across two real instances on one machine (loopback only): instance A (小国町) shares
//! the play-room app; instance B (南小国町) follows A's catalog, installs it (A counts one
//! adoption), changes a question locally; A publishes version 2 changing another question and
//! adding a choice; B sees the update and takes it keeping its change; then both change the
//! same question, and B decides the conflict for A's wording. B is driven through its staff
//! pages over HTTP and the operator's command line, as a town's staff would.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const YUI: &str = env!("CARGO_BIN_EXE_yui");
const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");
const PASSWORD: &str = "correct horse battery staple";

fn yui(args: &[&str], stdin: &str) -> Output {
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
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "yui {args:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A running `yui serve`, stopped when dropped.
struct Instance {
    child: Child,
    url: String,
    data: tempfile::TempDir,
    town: &'static str,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Instance {
    fn dir(&self) -> &str {
        self.data.path().to_str().unwrap()
    }

    /// Saves a definition as the draft of the app with its id (publishing it when asked).
    fn save_app(&self, source: &str, publish: Option<&str>) {
        let file = self.data.path().join("definition.yaml");
        std::fs::write(&file, source).unwrap();
        let mut args = vec![
            "admin",
            "install-app",
            "--data-dir",
            self.dir(),
            "--tenant",
            self.town,
            "--file",
            file.to_str().unwrap(),
        ];
        if let Some(summary) = publish {
            args.extend(["--publish", "--summary", summary]);
        }
        yui(&args, "");
    }

    /// The app's published definition, from a package exported on the command line.
    fn published(&self, app: &str) -> serde_json::Value {
        let out = yui(
            &[
                "package",
                "export",
                "--data-dir",
                self.dir(),
                "--tenant",
                self.town,
                app,
            ],
            "",
        );
        let file: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        file["package"]["definition"].clone()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Creates a town with a builder and starts a server for it.
async fn start(town: &'static str, code: &str, name: &str) -> Instance {
    let data = tempfile::tempdir().unwrap();
    let d = data.path().to_str().unwrap();
    yui(
        &[
            "admin",
            "create-tenant",
            "--data-dir",
            d,
            "--slug",
            town,
            "--code",
            code,
            "--name",
            name,
        ],
        "",
    );
    yui(
        &[
            "admin",
            "create-user",
            "--data-dir",
            d,
            "--tenant",
            town,
            "--login",
            "builder",
            "--name",
            "作成 花子",
            "--role",
            "builder",
            "--password-stdin",
        ],
        PASSWORD,
    );
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let child = Command::new(YUI)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            d,
            "--public-url",
            &url,
        ])
        .env_remove("YUI_DATABASE_URL")
        .env_remove("YUI_DATA_DIR")
        .env_remove("YUI_CONFIG")
        .env("YUI_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let instance = Instance {
        child,
        url,
        data,
        town,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(format!("{}/readyz", instance.url)).await
            && r.status() == 200
        {
            break;
        }
        assert!(Instant::now() < deadline, "{town} did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    instance
}

/// A signed-in builder of an instance's town.
struct Builder {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Builder {
    async fn sign_in(instance: &Instance) -> Builder {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let base = format!("{}/{}/staff", instance.url, instance.town);
        let r = client
            .post(format!("{base}/login"))
            .form(&[("login", "builder"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "signed in");
        let mut b = Builder {
            client,
            base,
            csrf: String::new(),
        };
        let home = b.get("").await;
        let marker = "name=\"_csrf\" value=\"";
        let start = home.find(marker).unwrap() + marker.len();
        b.csrf = home[start..start + home[start..].find('"').unwrap()].to_owned();
        b
    }

    async fn get(&self, path: &str) -> String {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "GET {path}");
        r.text().await.unwrap()
    }

    /// POSTs a form; returns the redirect target.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> String {
        let mut form = vec![("_csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let body = r.text().await.unwrap();
        assert_eq!(status, 303, "POST {path}: {body}");
        location.unwrap()
    }
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap() + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

async fn adoptions(a: &Instance) -> u64 {
    let text = reqwest::get(format!("{}/catalog.json", a.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let catalog: serde_json::Value = serde_json::from_str(&text).unwrap();
    catalog["catalog"]["packages"][0]["adoptions"]
        .as_u64()
        .unwrap()
}

fn label(definition: &serde_json::Value, name: &str) -> String {
    fn find<'a>(fields: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
        fields.as_array()?.iter().find_map(|f| {
            if f["name"] == name {
                Some(f)
            } else {
                find(&f["fields"], name)
            }
        })
    }
    let field = find(&definition["fields"], name).unwrap();
    field["label"]["ja"]
        .as_str()
        .or_else(|| field["label"].as_str())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_town_on_another_server_installs_adapts_and_takes_the_first_towns_improvements() {
    let a = start("oguni", "434248", "小国町").await;
    let b = start("minamioguni", "434230", "南小国町").await;

    // A publishes and shares the play-room app.
    a.save_app(PLAY_ROOM, Some("初版"));
    let a_builder = Builder::sign_in(&a).await;
    a_builder
        .post(
            "/apps/play-room-booking/share",
            &[("action", "share"), ("licence", "CC-BY-4.0")],
        )
        .await;
    assert_eq!(adoptions(&a).await, 0);

    // B follows A's catalog (pinning its key), browses it and installs the app.
    let b_builder = Builder::sign_in(&b).await;
    let followed = b_builder.post("/catalogs", &[("url", &a.url)]).await;
    assert!(followed.ends_with("?notice=followed"), "{followed}");
    let catalog_path = followed
        .trim_start_matches(&format!("/{}/staff", b.town))
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = b_builder.get(&catalog_path).await;
    assert!(
        page.contains("プレイルーム利用申込") && page.contains("小国町"),
        "{page}"
    );
    let installed = b_builder
        .post(
            &format!("{catalog_path}/install"),
            &[("package", "434248/play-room-booking")],
        )
        .await;
    assert!(installed.ends_with("/apps/play-room-booking/update?notice=installed"));

    // B's job worker reports the adoption to A.
    let deadline = Instant::now() + Duration::from_secs(30);
    while adoptions(&a).await != 1 {
        assert!(Instant::now() < deadline, "A never counted B's adoption");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // B renames a question locally and publishes.
    b.save_app(
        &PLAY_ROOM.replace("ja: 保護者の氏名", "ja: 保護者のお名前"),
        Some("質問の言い回しを変更"),
    );

    // A improves another question and adds an evening slot.
    let v2 = PLAY_ROOM.replace("ja: 大人の人数", "ja: 大人（保護者）の人数").replace(
        "saturday: \"no\" }\n",
        "saturday: \"no\" }\n    - { name: eve, label: { ja: 夕方（16:00〜18:00）, en: Evening }, saturday: \"no\" }\n",
    );
    assert_ne!(v2, PLAY_ROOM);
    a.save_app(&v2, Some("夕方の枠を追加"));

    // B sees the update, reads it in words, takes it and publishes.
    let found = b_builder
        .post("/apps/play-room-booking/update/check", &[])
        .await;
    assert!(found.ends_with("?notice=found"), "{found}");
    let page = b_builder.get("/apps/play-room-booking/update").await;
    assert!(page.contains("第2版が届いています"), "{page}");
    assert!(page.contains("夕方の枠を追加") && page.contains("夕方（16:00〜18:00）"));
    assert!(
        page.contains("保護者のお名前"),
        "the local change is listed as kept"
    );
    assert!(page.contains("両方で変更された箇所はありません"));
    b_builder
        .post(
            "/apps/play-room-booking/update",
            &[
                ("version", "2"),
                ("draft_hash", &hidden(&page, "draft_hash")),
            ],
        )
        .await;
    b_builder
        .post(
            "/apps/play-room-booking/update/publish",
            &[("change_summary", "小国町の第2版を取り込み")],
        )
        .await;
    let live = b.published("play-room-booking");
    assert_eq!(label(&live, "applicant_name"), "保護者のお名前");
    assert_eq!(label(&live, "adults"), "大人（保護者）の人数");
    assert_eq!(live["choices"]["slots"].as_array().unwrap().len(), 3);

    // Both change the same question: B decides for A's wording.
    let mut local = live.clone();
    let text = serde_json::to_string(&local)
        .unwrap()
        .replace("大人（保護者）の人数", "大人の数");
    local = serde_json::from_str(&text).unwrap();
    b.save_app(&serde_json::to_string_pretty(&local).unwrap(), None);
    a.save_app(
        &v2.replace("ja: 大人（保護者）の人数", "ja: 付き添いの大人の人数"),
        Some("文言の見直し"),
    );
    b_builder
        .post("/apps/play-room-booking/update/check", &[])
        .await;
    let page = b_builder.get("/apps/play-room-booking/update").await;
    assert!(page.contains("第3版が届いています"), "{page}");
    assert!(page.contains("name=\"c:field:adults:label\""), "{page}");
    assert!(page.contains("大人の数") && page.contains("付き添いの大人の人数"));
    b_builder
        .post(
            "/apps/play-room-booking/update",
            &[
                ("version", "3"),
                ("draft_hash", &hidden(&page, "draft_hash")),
                ("c:field:adults:label", "theirs"),
            ],
        )
        .await;
    b_builder
        .post(
            "/apps/play-room-booking/update/publish",
            &[("change_summary", "小国町の第3版を取り込み")],
        )
        .await;
    let live = b.published("play-room-booking");
    assert_eq!(label(&live, "adults"), "付き添いの大人の人数");
    assert_eq!(label(&live, "applicant_name"), "保護者のお名前");
    assert_eq!(adoptions(&a).await, 1, "still one town");
    assert!(Path::new(a.dir()).exists());
}
