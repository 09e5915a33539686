//! Realistic, reproducible answers to the play-room booking app: common Japanese family and
//! given names with their readings, mobile numbers, e-mail addresses, dates, one to three
//! children (some with allergies), and a spread of statuses and assignees. The same seed gives
//! the same data, so every rerun measures the same database.

use serde_json::{Map, Value, json};
use time::{Date, Duration};

/// A small, fast generator (SplitMix64): good enough to spread test data, never for secrets.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        &items[i]
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// (kanji, katakana, romaji)
const FAMILY: &[(&str, &str, &str)] = &[
    ("佐藤", "サトウ", "sato"),
    ("鈴木", "スズキ", "suzuki"),
    ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"),
    ("伊藤", "イトウ", "ito"),
    ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"),
    ("中村", "ナカムラ", "nakamura"),
    ("小林", "コバヤシ", "kobayashi"),
    ("加藤", "カトウ", "kato"),
    ("吉田", "ヨシダ", "yoshida"),
    ("山田", "ヤマダ", "yamada"),
    ("佐々木", "ササキ", "sasaki"),
    ("山口", "ヤマグチ", "yamaguchi"),
    ("松本", "マツモト", "matsumoto"),
    ("井上", "イノウエ", "inoue"),
    ("木村", "キムラ", "kimura"),
    ("林", "ハヤシ", "hayashi"),
    ("斎藤", "サイトウ", "saito"),
    ("清水", "シミズ", "shimizu"),
    ("髙橋", "タカハシ", "takahashi"),
    ("北里", "キタザト", "kitazato"),
    ("穴井", "アナイ", "anai"),
    ("河津", "カワヅ", "kawazu"),
];

const PARENT: &[(&str, &str, &str)] = &[
    ("花子", "ハナコ", "hanako"),
    ("美咲", "ミサキ", "misaki"),
    ("由美", "ユミ", "yumi"),
    ("恵", "メグミ", "megumi"),
    ("愛", "アイ", "ai"),
    ("健一", "ケンイチ", "kenichi"),
    ("大輔", "ダイスケ", "daisuke"),
    ("翔太", "ショウタ", "shota"),
    ("拓也", "タクヤ", "takuya"),
    ("直美", "ナオミ", "naomi"),
    ("さくら", "サクラ", "sakura"),
    ("陽子", "ヨウコ", "yoko"),
];

const CHILD: &[&str] = &[
    "陽翔", "蓮", "湊", "碧", "陽菜", "凛", "結菜", "葵", "芽依", "大和", "悠真", "結衣", "紬",
    "樹",
];

const ALLERGY: &[&str] = &[
    "卵",
    "乳製品",
    "小麦",
    "そば",
    "落花生",
    "えび・かに",
    "卵\n乳製品",
];

/// A booking's answers as Yui stores them (normalised), for a booking made on `day`.
pub fn answers(rng: &mut Rng, day: Date) -> Map<String, Value> {
    let (family, family_kana, family_romaji) = *rng.pick(FAMILY);
    let (given, given_kana, given_romaji) = *rng.pick(PARENT);
    let prefix = *rng.pick(&["090", "080", "070"]);
    let phone = format!("{prefix}{:08}", rng.below(100_000_000));
    let email = format!(
        "{given_romaji}.{family_romaji}{}@example.jp",
        rng.below(1000)
    );
    let use_date = day + Duration::days(i64::try_from(1 + rng.below(60)).unwrap_or(1));
    let is_saturday = use_date.weekday() == time::Weekday::Saturday;
    let slot = if is_saturday || rng.chance(45) {
        "am"
    } else {
        "pm"
    };
    let adults = 1 + rng.below(2) + u64::from(rng.chance(10));
    let count = 1 + rng.below(3);
    let mut children = Vec::new();
    for _ in 0..count {
        let born = Date::from_julian_day(
            Date::from_calendar_date(2016, time::Month::April, 1)
                .map_or(2_457_480, Date::to_julian_day)
                + i32::try_from(rng.below(3200)).unwrap_or(0),
        )
        .unwrap_or(day);
        let age = (day.year() - born.year()) - i32::from(day.ordinal() < born.ordinal());
        let mut child = json!({
            "child_name": format!("{family} {}", rng.pick(CHILD)),
            "child_birth": born.to_string(),
            "child_age": age.max(0),
            "allergy": false,
        });
        if rng.chance(12) {
            child["allergy"] = json!(true);
            child["allergy_detail"] = json!(rng.pick(ALLERGY));
        }
        children.push(child);
    }
    let mut map = Map::new();
    map.insert(
        "applicant_name".into(),
        json!({ "family": family, "given": given }),
    );
    map.insert(
        "applicant_kana".into(),
        json!({ "family": family_kana, "given": given_kana }),
    );
    map.insert("phone".into(), json!(phone));
    map.insert("email".into(), json!(email));
    map.insert("use_date".into(), json!(use_date.to_string()));
    map.insert("slot".into(), json!(slot));
    map.insert("adults".into(), json!(adults));
    map.insert("total_people".into(), json!(adults + count));
    map.insert("children".into(), Value::Array(children));
    map.insert("agree".into(), json!(true));
    map
}

/// A status for a submission `age_days` old: recent ones are mostly still open, older ones
/// mostly finished.
pub fn status(rng: &mut Rng, age_days: i64) -> &'static str {
    let roll = rng.below(100);
    if age_days > 60 {
        match roll {
            0..10 => "received",
            10..17 => "reviewing",
            17..20 => "returned",
            20..90 => "completed",
            _ => "rejected",
        }
    } else {
        match roll {
            0..50 => "received",
            50..80 => "reviewing",
            80..85 => "returned",
            85..97 => "completed",
            _ => "rejected",
        }
    }
}
