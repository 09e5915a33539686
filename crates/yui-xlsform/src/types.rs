//! The `type` column: XLSForm question types (and their legacy aliases) as Yui field types.
//!
//! Yui's own types that XLSForm lacks (`phone`, `postal_code`, `name_kana`, …) are accepted
//! too, so a town can design Yui forms in Excel. Types Yui cannot offer yet are reported by
//! name; metadata Yui records by itself (`start`, `end`, `today`, `username`) is skipped with
//! a warning.

use yui_domain::definition::FieldType;

use crate::table::did_you_mean;

/// What one `type` cell asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowType {
    Field(FieldType),
    Select {
        multiple: bool,
        list: String,
        other: bool,
    },
    BeginGroup,
    EndGroup,
    BeginRepeat,
    EndRepeat,
    /// Metadata Yui records itself; the row is skipped.
    Skipped(&'static str),
}

/// Why a `type` cell cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeProblem {
    pub code: &'static str,
    pub message_ja: String,
    pub message_en: String,
}

/// Simple types by lowercased name (aliases included).
const SIMPLE: &[(&str, FieldType)] = &[
    ("text", FieldType::Text),
    ("string", FieldType::Text),
    ("add text prompt", FieldType::Text),
    ("integer", FieldType::Integer),
    ("int", FieldType::Integer),
    ("add integer prompt", FieldType::Integer),
    ("decimal", FieldType::Decimal),
    ("add decimal prompt", FieldType::Decimal),
    ("date", FieldType::Date),
    ("add date prompt", FieldType::Date),
    ("time", FieldType::Time),
    ("add time prompt", FieldType::Time),
    ("datetime", FieldType::Datetime),
    ("add datetime prompt", FieldType::Datetime),
    ("geopoint", FieldType::Geopoint),
    ("location", FieldType::Geopoint),
    ("gps", FieldType::Geopoint),
    ("add location prompt", FieldType::Geopoint),
    ("image", FieldType::Image),
    ("photo", FieldType::Image),
    ("add image prompt", FieldType::Image),
    ("file", FieldType::File),
    ("note", FieldType::Note),
    ("add note prompt", FieldType::Note),
    ("calculate", FieldType::Calculate),
    ("acknowledge", FieldType::Consent),
    ("trigger", FieldType::Consent),
    // Yui's own types.
    ("textarea", FieldType::Textarea),
    ("yes_no", FieldType::YesNo),
    ("email", FieldType::Email),
    ("phone", FieldType::Phone),
    ("postal_code", FieldType::PostalCode),
    ("address", FieldType::Address),
    ("name", FieldType::Name),
    ("name_kana", FieldType::NameKana),
    ("kana", FieldType::Kana),
    ("consent", FieldType::Consent),
];

/// Metadata Yui records for every submission by itself.
const SKIPPED: &[(&str, &str)] = &[
    ("start", "start"),
    ("end", "end"),
    ("today", "today"),
    ("username", "username"),
];

/// Types Yui does not offer yet, with what they are in both languages.
const UNSUPPORTED: &[(&str, &str, &str)] = &[
    ("range", "範囲（スライダー）", "a slider"),
    ("rank", "順位付け", "ranking"),
    ("geotrace", "線の位置情報", "line geometry"),
    ("geoshape", "図形の位置情報", "shape geometry"),
    ("audio", "音声", "audio recording"),
    ("add audio prompt", "音声", "audio recording"),
    (
        "background-audio",
        "バックグラウンド録音",
        "background audio recording",
    ),
    ("video", "動画", "video"),
    ("add video prompt", "動画", "video"),
    ("barcode", "バーコード読み取り", "barcode scanning"),
    (
        "add barcode prompt",
        "バーコード読み取り",
        "barcode scanning",
    ),
    ("hidden", "隠し項目", "hidden fields"),
    ("xml-external", "外部 XML データ", "external XML data"),
    ("csv-external", "外部 CSV データ", "external CSV data"),
    ("osm", "OpenStreetMap", "OpenStreetMap"),
    ("deviceid", "端末 ID（メタデータ）", "device id metadata"),
    ("imei", "端末 ID（メタデータ）", "device id metadata"),
    (
        "phonenumber",
        "電話番号（メタデータ）",
        "phone number metadata",
    ),
    (
        "subscriberid",
        "契約者 ID（メタデータ）",
        "subscriber id metadata",
    ),
    ("simserial", "SIM 番号（メタデータ）", "SIM serial metadata"),
    ("audit", "操作ログ", "audit logs"),
    (
        "start-geopoint",
        "開始位置（メタデータ）",
        "start location metadata",
    ),
    (
        "background-geopoint",
        "バックグラウンド位置情報",
        "background location",
    ),
];

fn problem(code: &'static str, ja: String, en: String) -> TypeProblem {
    TypeProblem {
        code,
        message_ja: ja,
        message_en: en,
    }
}

fn unsupported(written: &str, ja: &str, en: &str) -> TypeProblem {
    problem(
        "xlsform.unsupported_type",
        format!("種類「{written}」（{ja}）にはまだ対応していません"),
        format!("the type {written:?} ({en}) is not supported yet"),
    )
}

/// Reads a `type` cell.
pub(crate) fn parse(cell: &str) -> Result<RowType, TypeProblem> {
    let words: Vec<&str> = cell.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let joined = lower.join(" ");
    match joined.replace('_', " ").as_str() {
        "begin group" => return Ok(RowType::BeginGroup),
        "end group" => return Ok(RowType::EndGroup),
        "begin repeat" | "begin looped group" | "begin lgroup" => {
            return Ok(RowType::BeginRepeat);
        }
        "end repeat" | "end looped group" | "end lgroup" => return Ok(RowType::EndRepeat),
        "begin loop" | "end loop" => {
            return Err(unsupported(
                cell,
                "選択肢ごとの繰り返し",
                "looping over choices",
            ));
        }
        _ => {}
    }
    if let Some(select) = parse_select(cell, &words, &lower)? {
        return Ok(select);
    }
    if let Some((_, t)) = SIMPLE.iter().find(|(n, _)| *n == joined) {
        return Ok(RowType::Field(*t));
    }
    if let Some((_, name)) = SKIPPED.iter().find(|(n, _)| *n == joined) {
        return Ok(RowType::Skipped(name));
    }
    if let Some((_, ja, en)) = UNSUPPORTED.iter().find(|(n, _, _)| *n == joined) {
        return Err(unsupported(cell, ja, en));
    }
    let known = SIMPLE.iter().map(|(n, _)| *n).chain([
        "select_one",
        "select_multiple",
        "begin_group",
        "begin_repeat",
    ]);
    let hint = did_you_mean(&joined, known);
    let (ja, en) = crate::table::suggestion(hint);
    Err(problem(
        "xlsform.unknown_type",
        format!("種類「{cell}」は XLSForm の種類ではありません{ja}"),
        format!("{cell:?} is not an XLSForm question type{en}"),
    ))
}

/// `select_one list`, `select_multiple list or_other` and their spellings.
fn parse_select(
    cell: &str,
    words: &[&str],
    lower: &[String],
) -> Result<Option<RowType>, TypeProblem> {
    let first = lower.first().map_or("", String::as_str);
    if matches!(
        first,
        "select_one_from_file" | "select_multiple_from_file" | "select_one_external"
    ) || lower.starts_with(&["select".into(), "one".into(), "from".into(), "file".into()])
        || lower.starts_with(&[
            "select".into(),
            "multiple".into(),
            "from".into(),
            "file".into(),
        ])
    {
        return Err(unsupported(
            cell,
            "外部ファイルの選択肢",
            "choices from an external file",
        ));
    }
    let prefixes: &[(&[&str], bool)] = &[
        (&["select_one"], false),
        (&["select", "one"], false),
        (&["add", "select", "one", "prompt", "using"], false),
        (&["select_multiple"], true),
        (&["select", "multiple"], true),
        (&["select_all_that_apply"], true),
        (&["select", "all", "that", "apply"], true),
        (&["add", "select", "multiple", "prompt", "using"], true),
    ];
    let Some((taken, multiple)) = prefixes
        .iter()
        .filter(|(p, _)| lower.len() >= p.len() && lower.iter().zip(p.iter()).all(|(a, b)| a == b))
        .map(|(p, m)| (p.len(), *m))
        .max_by_key(|(n, _)| *n)
    else {
        if first == "rank" {
            return Err(unsupported(cell, "順位付け", "ranking"));
        }
        return Ok(None);
    };
    let rest = &words[taken..];
    let rest_lower = &lower[taken..];
    let Some(list) = rest.first() else {
        return Err(problem(
            "xlsform.list_missing",
            format!("「{cell}」に選択肢リスト名がありません（例: select_one yes_no）"),
            format!("{cell:?} names no choice list (e.g. select_one yes_no)"),
        ));
    };
    let other = match &rest_lower[1..] {
        [] => false,
        [o] if o == "or_other" => true,
        [a, b] if a == "or" && b == "other" => true,
        _ => {
            return Err(problem(
                "xlsform.unknown_type",
                format!(
                    "「{cell}」を読み取れません。選択肢リスト名の後に書けるのは or_other だけです"
                ),
                format!("{cell:?} cannot be read: only or_other may follow the list name"),
            ));
        }
    };
    Ok(Some(RowType::Select {
        multiple,
        list: (*list).to_owned(),
        other,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_aliases_map_to_yui_types() {
        for (cell, t) in [
            ("string", FieldType::Text),
            ("int", FieldType::Integer),
            ("dateTime", FieldType::Datetime),
            ("photo", FieldType::Image),
            ("acknowledge", FieldType::Consent),
            ("add integer prompt", FieldType::Integer),
            ("postal_code", FieldType::PostalCode),
        ] {
            assert_eq!(parse(cell), Ok(RowType::Field(t)), "{cell}");
        }
    }

    #[test]
    fn select_spellings_name_their_list() {
        let one = |list: &str, other| RowType::Select {
            multiple: false,
            list: list.into(),
            other,
        };
        assert_eq!(parse("select_one yes_no"), Ok(one("yes_no", false)));
        assert_eq!(parse("select one  yes_no"), Ok(one("yes_no", false)));
        assert_eq!(parse("select_one towns or_other"), Ok(one("towns", true)));
        assert_eq!(
            parse("select all that apply needs")
                .map(|t| matches!(t, RowType::Select { multiple: true, .. })),
            Ok(true)
        );
    }

    #[test]
    fn groups_and_repeats_accept_both_spellings() {
        assert_eq!(parse("begin group"), Ok(RowType::BeginGroup));
        assert_eq!(parse("begin_group"), Ok(RowType::BeginGroup));
        assert_eq!(parse("end_repeat"), Ok(RowType::EndRepeat));
    }

    #[test]
    fn unsupported_types_are_named() {
        for cell in ["range", "geotrace", "audio", "video", "barcode", "rank l1"] {
            assert_eq!(
                parse(cell).map_err(|p| p.code),
                Err("xlsform.unsupported_type"),
                "{cell}"
            );
        }
        assert_eq!(
            parse("select_one_from_file towns.csv").map_err(|p| p.code),
            Err("xlsform.unsupported_type")
        );
    }

    #[test]
    fn typos_get_a_suggestion() {
        let problem = parse("integr").err();
        assert!(problem.is_some_and(|p| p.message_en.contains("integer")));
    }
}
