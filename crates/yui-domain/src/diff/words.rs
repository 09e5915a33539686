//! Definition changes in plain words, Japanese and English, for people deciding whether to take
//! an upstream update: "項目「氏名」の質問文を「お名前」から「氏名」に変更しました" rather than a
//! JSON path. Each note belongs to a section (settings, fields, choices, logic, workflow,
//! notifications) so pages can group them.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use super::{Change, DefinitionDiff};
use crate::definition::{AppDefinition, Field, FieldType, Text};

/// Where a change belongs when shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Settings,
    Fields,
    Choices,
    /// Conditions, validation rules, calculations, defaults.
    Logic,
    Workflow,
    Notifications,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::Settings,
        Section::Fields,
        Section::Choices,
        Section::Logic,
        Section::Workflow,
        Section::Notifications,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Section::Settings => "settings",
            Section::Fields => "fields",
            Section::Choices => "choices",
            Section::Logic => "logic",
            Section::Workflow => "workflow",
            Section::Notifications => "notifications",
        }
    }

    pub fn title_ja(self) -> &'static str {
        match self {
            Section::Settings => "アプリの設定",
            Section::Fields => "質問項目",
            Section::Choices => "選択肢",
            Section::Logic => "条件・チェック・計算",
            Section::Workflow => "審査の流れ",
            Section::Notifications => "お知らせメール",
        }
    }

    pub fn title_en(self) -> &'static str {
        match self {
            Section::Settings => "App settings",
            Section::Fields => "Questions",
            Section::Choices => "Choices",
            Section::Logic => "Conditions, checks and calculations",
            Section::Workflow => "Workflow",
            Section::Notifications => "Notification e-mails",
        }
    }
}

/// One change, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeNote {
    pub section: Section,
    pub ja: String,
    pub en: String,
}

/// Every change of `diff` (from `old` to `new`) in words, in the diff's order.
pub fn describe(
    diff: &DefinitionDiff,
    old: &AppDefinition,
    new: &AppDefinition,
) -> Vec<ChangeNote> {
    let names = Names::of(old, new);
    diff.changes
        .iter()
        .map(|change| note(change, &names))
        .collect()
}

/// A property's name in words (`label` → 質問文 / question).
pub fn property_words(property: &str) -> (Cow<'static, str>, Cow<'static, str>) {
    let (ja, en) = match property {
        "label" => ("質問文", "question"),
        "hint" => ("補足説明", "hint"),
        "type" => ("種類", "type"),
        "required" => ("必須かどうか", "required setting"),
        "required_message" => ("未入力のときのメッセージ", "message when missing"),
        "relevant" => ("表示条件", "display condition"),
        "constraint" => ("入力チェック", "validation rule"),
        "constraint_message" => ("入力チェックのメッセージ", "validation message"),
        "calculation" => ("計算式", "calculation"),
        "default" => ("初期値", "default answer"),
        "read_only" => ("変更不可の設定", "read-only setting"),
        "choices" => ("選択肢リスト", "choice list"),
        "choice_filter" => ("選択肢の絞り込み条件", "choice filter"),
        "other" => ("「その他」の有無", "“other” option"),
        "appearance" => ("表示形式", "appearance"),
        "min_count" => ("最少件数", "fewest rows"),
        "max_count" => ("最多件数", "most rows"),
        "repeat_label" => ("追加ボタンの文言", "“add another” button"),
        "min_length" => ("最少文字数", "fewest characters"),
        "max_length" => ("最多文字数", "most characters"),
        "accept" => ("受け付けるファイルの種類", "accepted file types"),
        "max_size_mb" => ("ファイルの上限サイズ", "largest file size"),
        "keep_location" => ("写真の位置情報の扱い", "photo location setting"),
        "title" => ("タイトル", "title"),
        "description" => ("説明", "description"),
        "audience" => ("利用する人", "audience"),
        "category" => ("分類", "category"),
        "keywords" => ("検索語", "search words"),
        "start" => ("開始ページの案内", "start page"),
        "display" => ("ページの分け方", "page layout"),
        "id" => ("アプリID", "app id"),
        "yui" => ("形式の版", "format version"),
        "initial" => ("最初の状態", "initial state"),
        "final" => ("完了状態かどうか", "final setting"),
        "roles" => ("操作できる役割", "roles allowed"),
        "resident" => ("住民による再提出", "resident resubmission"),
        "notify" => ("お知らせメールの送信", "notification setting"),
        "subject" => ("件名", "subject"),
        "body" => ("本文", "body"),
        "name" => ("名前", "name"),
        other => {
            return (
                Cow::Owned(format!("「{other}」")),
                Cow::Owned(format!("“{other}”")),
            );
        }
    };
    (Cow::Borrowed(ja), Cow::Borrowed(en))
}

/// A value as people read it: texts in quotes, yes/no for flags, 「なし」 for nothing.
pub fn value_words(value: &Value, japanese: bool) -> String {
    let quote = |s: &str| {
        let s = shorten(s);
        if japanese {
            format!("「{s}」")
        } else {
            format!("“{s}”")
        }
    };
    match value {
        Value::Null => if japanese { "「なし」" } else { "nothing" }.to_owned(),
        Value::Bool(true) => if japanese { "「はい」" } else { "yes" }.to_owned(),
        Value::Bool(false) => if japanese { "「いいえ」" } else { "no" }.to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Object(map) if map.contains_key("ja") && map.len() <= 2 => {
            let pick = |k: &str| map.get(k).and_then(Value::as_str);
            let text = if japanese {
                pick("ja")
            } else {
                pick("en").filter(|s| !s.is_empty()).or_else(|| pick("ja"))
            };
            quote(text.unwrap_or_default())
        }
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            quote(&parts.join(if japanese { "、" } else { ", " }))
        }
        Value::Object(_) => quote(&value.to_string()),
    }
}

/// Long texts are cut so a sentence stays readable.
fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    let one_line = text.trim().replace('\n', " ");
    if one_line.chars().count() <= MAX {
        one_line
    } else {
        let cut: String = one_line.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// A field type in words.
pub fn type_words(t: FieldType) -> (&'static str, &'static str) {
    use FieldType as T;
    match t {
        T::Text => ("1行の文章", "one-line text"),
        T::Textarea => ("複数行の文章", "multi-line text"),
        T::Integer => ("整数", "whole number"),
        T::Decimal => ("数値", "number"),
        T::Date => ("日付", "date"),
        T::Time => ("時刻", "time"),
        T::Datetime => ("日時", "date and time"),
        T::SelectOne => ("1つ選ぶ", "pick one"),
        T::SelectMultiple => ("複数選ぶ", "pick several"),
        T::YesNo => ("はい・いいえ", "yes or no"),
        T::Email => ("メールアドレス", "e-mail address"),
        T::Phone => ("電話番号", "phone number"),
        T::PostalCode => ("郵便番号", "postal code"),
        T::Address => ("住所", "address"),
        T::Name => ("氏名", "name"),
        T::NameKana => ("氏名（フリガナ）", "name in katakana"),
        T::Kana => ("カタカナ", "katakana"),
        T::File => ("ファイル", "file"),
        T::Image => ("写真", "photo"),
        T::Geopoint => ("位置", "location"),
        T::Note => ("説明文", "note"),
        T::Calculate => ("計算", "calculation"),
        T::Consent => ("同意", "consent"),
        T::Group => ("まとまり", "group"),
        T::Repeat => ("繰り返し", "repeat"),
    }
}

/// Labels of fields, choices and states in both versions, to name things as people see them.
struct Names<'a> {
    old_fields: HashMap<&'a str, &'a Field>,
    new_fields: HashMap<&'a str, &'a Field>,
    old: &'a AppDefinition,
    new: &'a AppDefinition,
}

impl<'a> Names<'a> {
    fn of(old: &'a AppDefinition, new: &'a AppDefinition) -> Self {
        fn walk<'a>(fields: &'a [Field], out: &mut HashMap<&'a str, &'a Field>) {
            for f in fields {
                out.insert(f.name.as_str(), f);
                walk(&f.fields, out);
            }
        }
        let mut old_fields = HashMap::new();
        let mut new_fields = HashMap::new();
        walk(&old.fields, &mut old_fields);
        walk(&new.fields, &mut new_fields);
        Names {
            old_fields,
            new_fields,
            old,
            new,
        }
    }

    /// 項目「氏名」 / question “Name”: the label in the newer version when there is one.
    fn field(&self, name: &str) -> (String, String) {
        let label = self
            .new_fields
            .get(name)
            .or_else(|| self.old_fields.get(name))
            .and_then(|f| f.label.as_ref());
        match label {
            Some(text) => (
                format!("項目「{}」", shorten(&text.ja)),
                format!("question “{}”", shorten(text.get("en"))),
            ),
            None => (format!("項目「{name}」"), format!("item “{name}”")),
        }
    }

    fn choice(&self, list: &str, choice: &str) -> (String, String) {
        let label = [self.new, self.old].into_iter().find_map(|d| {
            d.choices
                .get(list)
                .and_then(|items| items.iter().find(|c| c.name == choice))
                .map(|c| c.label.clone())
        });
        let text = label.unwrap_or_else(|| Text::from(choice));
        (
            format!("「{}」", shorten(&text.ja)),
            format!("“{}”", shorten(text.get("en"))),
        )
    }
}

fn note(change: &Change, names: &Names<'_>) -> ChangeNote {
    let (section, ja, en) = match change {
        Change::Setting { key, old, new } => {
            let (p_ja, p_en) = property_words(key);
            (
                Section::Settings,
                format!(
                    "{p_ja}を{}から{}に変更しました。",
                    value_words(old, true),
                    value_words(new, true)
                ),
                format!(
                    "Changed the {p_en} from {} to {}.",
                    value_words(old, false),
                    value_words(new, false)
                ),
            )
        }
        Change::FieldAdded {
            field,
            field_type,
            parent,
            ..
        } => {
            let (f_ja, f_en) = names.field(field);
            let (t_ja, t_en) = type_words(*field_type);
            let (in_ja, in_en) = match parent {
                Some(p) => {
                    let (p_ja, p_en) = names.field(p);
                    (format!("{p_ja}の中に"), format!(" inside {p_en}"))
                }
                None => (String::new(), String::new()),
            };
            (
                Section::Fields,
                format!("{in_ja}{f_ja}（{t_ja}）を追加しました。"),
                format!("Added {f_en} ({t_en}){in_en}."),
            )
        }
        Change::FieldRemoved { field, .. } => {
            let (f_ja, f_en) = names.field(field);
            (
                Section::Fields,
                format!("{f_ja}を削除しました。"),
                format!("Removed {f_en}."),
            )
        }
        Change::FieldMoved {
            field,
            from_parent,
            to_parent,
            ..
        } => {
            let (f_ja, f_en) = names.field(field);
            let (ja, en) = if from_parent == to_parent {
                (
                    format!("{f_ja}の順番を変えました。"),
                    format!("Moved {f_en} to another position."),
                )
            } else if let Some(p) = to_parent {
                let (p_ja, p_en) = names.field(p);
                (
                    format!("{f_ja}を{p_ja}の中へ移しました。"),
                    format!("Moved {f_en} into {p_en}."),
                )
            } else {
                (
                    format!("{f_ja}をまとまりの外へ移しました。"),
                    format!("Moved {f_en} out of its group."),
                )
            };
            (Section::Fields, ja, en)
        }
        Change::FieldChanged {
            field,
            property,
            old,
            new,
        } => field_changed(names, field, property, old, new),
        Change::ChoiceListAdded { list } => (
            Section::Choices,
            format!("選択肢リスト「{list}」を追加しました。"),
            format!("Added the choice list “{list}”."),
        ),
        Change::ChoiceListRemoved { list } => (
            Section::Choices,
            format!("選択肢リスト「{list}」を削除しました。"),
            format!("Removed the choice list “{list}”."),
        ),
        Change::ChoiceAdded { list, choice, .. } => {
            let (c_ja, c_en) = names.choice(list, choice);
            (
                Section::Choices,
                format!("選択肢リスト「{list}」に{c_ja}を追加しました。"),
                format!("Added the choice {c_en} to the list “{list}”."),
            )
        }
        Change::ChoiceRemoved { list, choice } => {
            let (c_ja, c_en) = names.choice(list, choice);
            (
                Section::Choices,
                format!("選択肢リスト「{list}」から{c_ja}を削除しました。"),
                format!("Removed the choice {c_en} from the list “{list}”."),
            )
        }
        Change::ChoiceChanged {
            list,
            choice,
            property,
            old,
            new,
        } => {
            let (c_ja, c_en) = names.choice(list, choice);
            let (p_ja, p_en) = if property == "label" {
                (Cow::Borrowed("表示名"), Cow::Borrowed("label"))
            } else {
                property_words(property)
            };
            (
                Section::Choices,
                format!(
                    "選択肢{c_ja}の{p_ja}を{}から{}に変更しました。",
                    value_words(old, true),
                    value_words(new, true)
                ),
                format!(
                    "Changed the {p_en} of the choice {c_en} from {} to {}.",
                    value_words(old, false),
                    value_words(new, false)
                ),
            )
        }
        Change::ChoicesReordered { list, .. } => (
            Section::Choices,
            format!("選択肢リスト「{list}」の並び順を変えました。"),
            format!("Reordered the choice list “{list}”."),
        ),
        Change::WorkflowChanged { item, old, new } => workflow_changed(item, old, new),
        Change::NotificationChanged { text, .. } => {
            let (which, part) = text.split_once('.').unwrap_or((text.as_str(), ""));
            let (m_ja, m_en) = match which {
                "confirmation" => ("受付確認メール", "confirmation e-mail"),
                _ => ("状況変更のお知らせメール", "status e-mail"),
            };
            let (p_ja, p_en) = property_words(part);
            (
                Section::Notifications,
                format!("{m_ja}の{p_ja}を変更しました。"),
                format!("Changed the {p_en} of the {m_en}."),
            )
        }
    };
    ChangeNote { section, ja, en }
}

fn field_changed(
    names: &Names<'_>,
    field: &str,
    property: &str,
    old: &Value,
    new: &Value,
) -> (Section, String, String) {
    let (f_ja, f_en) = names.field(field);
    let logic = matches!(
        property,
        "relevant"
            | "constraint"
            | "constraint_message"
            | "calculation"
            | "choice_filter"
            | "default"
            | "read_only"
            | "required_message"
    ) || (property == "required" && (old.is_string() || new.is_string()));
    let section = if logic {
        Section::Logic
    } else {
        Section::Fields
    };
    let required = |v: &Value| matches!(v, Value::Bool(true));
    if property == "required" && !logic {
        return if required(new) {
            (
                section,
                format!("{f_ja}を必須にしました。"),
                format!("Made {f_en} required."),
            )
        } else {
            (
                section,
                format!("{f_ja}を任意にしました。"),
                format!("Made {f_en} optional."),
            )
        };
    }
    if property == "type" {
        let words = |v: &Value, ja: bool| -> String {
            let t = v
                .as_str()
                .and_then(|s| FieldType::ALL.into_iter().find(|t| t.as_str() == s));
            match t {
                Some(t) => {
                    let (j, e) = type_words(t);
                    if ja {
                        format!("「{j}」")
                    } else {
                        e.to_owned()
                    }
                }
                None => value_words(v, ja),
            }
        };
        return (
            section,
            format!(
                "{f_ja}の種類を{}から{}に変更しました。",
                words(old, true),
                words(new, true)
            ),
            format!(
                "Changed the type of {f_en} from {} to {}.",
                words(old, false),
                words(new, false)
            ),
        );
    }
    let (p_ja, p_en) = property_words(property);
    let (ja, en) = match (old.is_null(), new.is_null()) {
        (true, false) => (
            format!("{f_ja}に{p_ja}{}を設定しました。", value_words(new, true)),
            format!("Set the {p_en} of {f_en} to {}.", value_words(new, false)),
        ),
        (false, true) => (
            format!("{f_ja}の{p_ja}{}をなくしました。", value_words(old, true)),
            format!("Removed the {p_en} {} of {f_en}.", value_words(old, false)),
        ),
        _ => (
            format!(
                "{f_ja}の{p_ja}を{}から{}に変更しました。",
                value_words(old, true),
                value_words(new, true)
            ),
            format!(
                "Changed the {p_en} of {f_en} from {} to {}.",
                value_words(old, false),
                value_words(new, false)
            ),
        ),
    };
    (section, ja, en)
}

fn workflow_changed(item: &str, old: &Value, new: &Value) -> (Section, String, String) {
    let label = |v: &Value, ja: bool| -> String {
        v.get("label")
            .map_or_else(String::new, |l| value_words(l, ja))
    };
    let (ja, en) = if item == "initial" {
        (
            format!(
                "最初の状態を{}から{}に変更しました。",
                value_words(old, true),
                value_words(new, true)
            ),
            format!(
                "Changed the initial state from {} to {}.",
                value_words(old, false),
                value_words(new, false)
            ),
        )
    } else if let Some(state) = item.strip_prefix("state:") {
        match (old.is_null(), new.is_null()) {
            (true, _) => (
                format!("状態{}（{state}）を追加しました。", label(new, true)),
                format!("Added the state {} ({state}).", label(new, false)),
            ),
            (_, true) => (
                format!("状態{}（{state}）を削除しました。", label(old, true)),
                format!("Removed the state {} ({state}).", label(old, false)),
            ),
            _ => (
                format!("状態{}（{state}）を変更しました。", label(new, true)),
                format!("Changed the state {} ({state}).", label(new, false)),
            ),
        }
    } else {
        let step = item.strip_prefix("transition:").unwrap_or(item);
        match (old.is_null(), new.is_null()) {
            (true, _) => (
                format!("操作「{step}」を追加しました。"),
                format!("Added the action “{step}”."),
            ),
            (_, true) => (
                format!("操作「{step}」を削除しました。"),
                format!("Removed the action “{step}”."),
            ),
            _ => (
                format!("操作「{step}」を変更しました。"),
                format!("Changed the action “{step}”."),
            ),
        }
    };
    (Section::Workflow, ja, en)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;

    const OLD: &str = r"
yui: 1
id: sample
title: 申請
audience: public
fields:
  - { name: a, type: text, label: { ja: お名前, en: Name } }
  - { name: s, type: select_one, label: 時間帯, choices: l }
choices:
  l: [ { name: x, label: 午前 }, { name: y, label: 午後 } ]
";

    fn load(src: &str) -> AppDefinition {
        AppDefinition::from_yaml(src).unwrap()
    }

    fn notes(new: &str) -> Vec<ChangeNote> {
        let (old, new) = (load(OLD), load(new));
        describe(&diff(&old, &new), &old, &new)
    }

    #[test]
    fn a_relabelled_question_reads_as_a_sentence_in_both_languages() {
        let n = notes(&OLD.replace("ja: お名前, en: Name", "ja: 氏名, en: Full name"));
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].section, Section::Fields);
        assert_eq!(
            n[0].ja,
            "項目「氏名」の質問文を「お名前」から「氏名」に変更しました。"
        );
        assert_eq!(
            n[0].en,
            "Changed the question of question “Full name” from “Name” to “Full name”."
        );
    }

    #[test]
    fn conditions_are_logic_and_choices_are_choices() {
        let new = OLD
            .replace("choices: l }", "choices: l, relevant: \"${a} != ''\" }")
            .replace(
                "{ name: y, label: 午後 }",
                "{ name: y, label: 午後 }, { name: z, label: 夜間 }",
            );
        let n = notes(&new);
        let sections: Vec<Section> = n.iter().map(|n| n.section).collect();
        assert!(sections.contains(&Section::Logic), "{n:?}");
        assert!(sections.contains(&Section::Choices), "{n:?}");
        let choice = n.iter().find(|n| n.section == Section::Choices).unwrap();
        assert_eq!(choice.ja, "選択肢リスト「l」に「夜間」を追加しました。");
        let logic = n.iter().find(|n| n.section == Section::Logic).unwrap();
        assert!(logic.ja.contains("表示条件"), "{}", logic.ja);
    }

    #[test]
    fn added_and_removed_fields_name_their_type() {
        let new = OLD.replace(
            "  - { name: s, type",
            "  - { name: b, type: phone, label: 電話番号 }\n  - { name: s, type",
        );
        let n = notes(&new);
        assert_eq!(n[0].ja, "項目「電話番号」（電話番号）を追加しました。");
        let back = {
            let (old, new) = (load(&new), load(OLD));
            describe(&diff(&old, &new), &old, &new)
        };
        assert_eq!(back[0].ja, "項目「電話番号」を削除しました。");
    }

    #[test]
    fn nothing_and_flags_have_words() {
        assert_eq!(value_words(&Value::Null, true), "「なし」");
        assert_eq!(value_words(&Value::Bool(true), false), "yes");
        let long = "あ".repeat(100);
        assert!(value_words(&Value::String(long), true).ends_with("…」"));
    }
}
