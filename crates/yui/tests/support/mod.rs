//! What the server-level tests (crash, disk full) share: the play-room template, a booking
//! date it accepts, a raw HTTP/1.1 request on loopback and a resident's one-shot form body.

#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

pub const YUI: &str = env!("CARGO_BIN_EXE_yui");

pub const TEMPLATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../templates/play-room-booking.yaml"
);

/// A booking date the template accepts: ten days from today in Japan.
pub fn use_date() -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+9))
        .date()
        + time::Duration::days(10)
}

/// One request with `Connection: close`; the whole answer, head and body.
pub fn request(
    listen: &str,
    method: &str,
    path: &str,
    body: &str,
    timeout: Duration,
) -> std::io::Result<String> {
    let mut s = TcpStream::connect(listen)?;
    s.set_read_timeout(Some(timeout))?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {listen}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// A complete play-room booking as the one-shot form posts it, made idempotent by `key`.
/// `allergy_detail` answers yes to the allergy question with that text (a way to make
/// submissions larger); `None` answers no.
pub fn play_room_form(key: &str, allergy_detail: Option<&str>) -> String {
    let date = use_date();
    let mut pairs = vec![
        ("_key", key.to_owned()),
        ("applicant_name.family", "山田".to_owned()),
        ("applicant_name.given", "花子".to_owned()),
        ("applicant_kana.family", "ヤマダ".to_owned()),
        ("applicant_kana.given", "ハナコ".to_owned()),
        ("phone", "090-1234-5678".to_owned()),
        ("email", "hanako@example.jp".to_owned()),
        ("use_date.era", "西暦".to_owned()),
        ("use_date.year", date.year().to_string()),
        ("use_date.month", u8::from(date.month()).to_string()),
        ("use_date.day", date.day().to_string()),
        ("slot", "am".to_owned()),
        ("adults", "1".to_owned()),
        ("children[0].child_name", format!("子 {key}")),
        ("children[0].child_birth.era", "西暦".to_owned()),
        ("children[0].child_birth.year", "2022".to_owned()),
        ("children[0].child_birth.month", "5".to_owned()),
        ("children[0].child_birth.day", "5".to_owned()),
    ];
    match allergy_detail {
        Some(detail) => {
            pairs.push(("children[0].allergy", "yes".to_owned()));
            pairs.push(("children[0].allergy_detail", detail.to_owned()));
        }
        None => pairs.push(("children[0].allergy", "no".to_owned())),
    }
    pairs.push(("agree", "on".to_owned()));
    serde_urlencoded::to_string(pairs).unwrap()
}
