//! XLSForm expressions as Yui takes them. Yui's language is XLSForm's own (`${name}`, `.`,
//! `and`, `selected()`, …), so expressions pass through unchanged; this module only finds
//! what Yui cannot run yet — XPath paths and predicates, `${last-saved#…}`, and ODK functions
//! such as `pulldata()` — and names it, instead of letting it fail later as a vague syntax
//! error. Everything else is checked by the definition checker after import.

use yui_domain::expr::Func;

/// ODK functions Yui does not offer (yet), with what they are for.
const UNSUPPORTED_FUNCTIONS: &[(&str, &str, &str)] = &[
    (
        "pulldata",
        "CSV ファイルからの値の取得",
        "looking values up in a CSV file",
    ),
    (
        "instance",
        "選択肢リストや外部データの参照",
        "reading choice lists or external data",
    ),
    (
        "indexed-repeat",
        "繰り返しの特定の行の参照",
        "reading one row of a repeat",
    ),
    (
        "jr:choice-name",
        "選択肢のラベルの取得",
        "getting a choice's label",
    ),
    ("once", "一度だけの計算", "calculating once"),
    ("random", "乱数", "random numbers"),
    ("randomize", "並べ替え", "shuffling"),
    ("uuid", "一意な ID の生成", "generating unique ids"),
    ("digest", "ハッシュ", "hashing"),
    ("base64-decode", "base64 の復号", "base64 decoding"),
    ("extract-signed", "署名の検証", "checking signatures"),
    ("area", "図形の面積", "shape areas"),
    ("distance", "距離", "distances"),
    ("geofence", "ジオフェンス", "geofences"),
    ("intersects", "図形の交差", "shape intersections"),
    ("checklist", "チェックリストの集計", "checklist counting"),
    (
        "weighted-checklist",
        "重み付きチェックリスト",
        "weighted checklists",
    ),
    ("log", "対数", "logarithms"),
    ("log10", "対数", "logarithms"),
    ("exp", "指数関数", "exponentials"),
    ("exp10", "指数関数", "exponentials"),
    ("sqrt", "平方根", "square roots"),
    ("sin", "三角関数", "trigonometry"),
    ("cos", "三角関数", "trigonometry"),
    ("tan", "三角関数", "trigonometry"),
    ("asin", "三角関数", "trigonometry"),
    ("acos", "三角関数", "trigonometry"),
    ("atan", "三角関数", "trigonometry"),
    ("atan2", "三角関数", "trigonometry"),
    ("pi", "円周率", "pi"),
    ("decimal-time", "時刻の数値化", "times as numbers"),
    ("version", "フォームのバージョン", "the form version"),
    ("current", "現在のノード", "the current node"),
    ("last", "ノード集合の最後", "the last of a node-set"),
    ("local-name", "ノード名", "node names"),
    ("name", "ノード名", "node names"),
    ("id", "ID 参照", "id lookups"),
    ("sum-of-products", "積和", "sums of products"),
];

/// Why an expression cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExprProblem {
    pub code: &'static str,
    pub message_ja: String,
    pub message_en: String,
}

impl ExprProblem {
    fn new(code: &'static str, ja: String, en: String) -> Self {
        ExprProblem {
            code,
            message_ja: ja,
            message_en: en,
        }
    }
}

/// The expression as Yui stores it, or what stands in the way. `TRUE`/`FALSE` typed into a
/// cell (or Excel's booleans) become `true()`/`false()`.
pub(crate) fn import(text: &str) -> Result<String, ExprProblem> {
    let text = text.trim();
    match text.to_ascii_lowercase().as_str() {
        "true" => return Ok("true()".to_owned()),
        "false" => return Ok("false()".to_owned()),
        _ => {}
    }
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' => {
                // Inside a string literal nothing is syntax.
                match chars[i + 1..].iter().position(|&q| q == c) {
                    Some(close) => i += close + 2,
                    None => return Ok(text.to_owned()),
                }
                continue;
            }
            '$' if chars.get(i + 1) == Some(&'{') => {
                let end = chars[i..].iter().position(|&q| q == '}').map(|p| i + p);
                let inner: String = chars[i + 2..end.unwrap_or(chars.len())].iter().collect();
                if inner.starts_with("last-saved#") {
                    return Err(ExprProblem::new(
                        "xlsform.unsupported_last_saved",
                        format!("${{{inner}}}（前回送信した値の参照）にはまだ対応していません"),
                        format!(
                            "${{{inner}}} (the value from the last saved submission) is not supported yet"
                        ),
                    ));
                }
                i = end.map_or(chars.len(), |e| e + 1);
                continue;
            }
            '/' | '[' | ']' | '@' | '|' => {
                return Err(ExprProblem::new(
                    "xlsform.xpath_path",
                    format!(
                        "XPath のパスや条件（「{c}」、{} 文字目）には対応していません。項目は ${{項目名}} で参照してください（例: /data/age → ${{age}}）",
                        i + 1
                    ),
                    format!(
                        "XPath paths and predicates ({c:?} at character {}) are not supported; refer to fields as ${{name}} (e.g. /data/age → ${{age}})",
                        i + 1
                    ),
                ));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '-' | '_' | '.' | ':'))
                {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                let mut next = i;
                while chars.get(next).is_some_and(|c| c.is_whitespace()) {
                    next += 1;
                }
                if chars.get(next) == Some(&'(') {
                    unsupported_function(&name)?;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(text.to_owned())
}

fn unsupported_function(name: &str) -> Result<(), ExprProblem> {
    if Func::from_name(name).is_some() {
        return Ok(());
    }
    if let Some((_, ja, en)) = UNSUPPORTED_FUNCTIONS.iter().find(|(n, _, _)| *n == name) {
        return Err(ExprProblem::new(
            "xlsform.unsupported_function",
            format!("関数 {name}()（{ja}）にはまだ対応していません"),
            format!("the function {name}() ({en}) is not supported yet"),
        ));
    }
    Ok(())
}

/// Whether a `default` is an expression (evaluated when the form opens) rather than a
/// literal value: XLSForm treats references and function calls as dynamic.
pub(crate) fn is_dynamic_default(text: &str) -> bool {
    text.contains("${") || text.contains('(') || text.trim() == "."
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Option<&'static str> {
        import(text).err().map(|p| p.code)
    }

    #[test]
    fn references_and_dots_pass_through_unchanged() {
        assert_eq!(
            import(" ${age} >= 18 and . != '' "),
            Ok("${age} >= 18 and . != ''".to_owned())
        );
        assert_eq!(
            import("selected(${needs}, 'water')"),
            Ok("selected(${needs}, 'water')".to_owned())
        );
    }

    #[test]
    fn excel_booleans_become_function_calls() {
        assert_eq!(import("TRUE"), Ok("true()".to_owned()));
        assert_eq!(import("false"), Ok("false()".to_owned()));
    }

    #[test]
    fn xpath_paths_are_named_as_unsupported() {
        assert_eq!(code("/data/age > 3"), Some("xlsform.xpath_path"));
        assert_eq!(code("../age > 3"), Some("xlsform.xpath_path"));
        assert_eq!(code("count(${r}[. > 1])"), Some("xlsform.xpath_path"));
    }

    #[test]
    fn slashes_inside_strings_are_text() {
        assert_eq!(code("${d} = '2024/04/01'"), None);
        assert_eq!(code("regex(., '^[0-9]+$')"), None);
    }

    #[test]
    fn odk_functions_yui_lacks_are_named() {
        assert_eq!(
            code("pulldata('shops', 'name', 'id', ${id})"),
            Some("xlsform.unsupported_function")
        );
        assert_eq!(
            code("instance('towns')/root/item"),
            Some("xlsform.unsupported_function")
        );
        assert_eq!(
            code("indexed-repeat(${n}, ${r}, 1)"),
            Some("xlsform.unsupported_function")
        );
        assert_eq!(
            code("jr:choice-name(${a}, '${a}')"),
            Some("xlsform.unsupported_function")
        );
        assert_eq!(
            code("${last-saved#town}"),
            Some("xlsform.unsupported_last_saved")
        );
    }

    #[test]
    fn names_that_are_not_calls_are_left_to_the_checker() {
        assert_eq!(code("region = ${pref}"), None);
        assert_eq!(code("${a} div 2"), None);
    }

    #[test]
    fn defaults_with_references_or_calls_are_dynamic() {
        assert!(is_dynamic_default("today()"));
        assert!(is_dynamic_default("${a} + 1"));
        assert!(!is_dynamic_default("2024-04-01"));
        assert!(!is_dynamic_default("-1"));
    }
}
