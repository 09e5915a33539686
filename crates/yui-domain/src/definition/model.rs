//! The definition model: what a builder writes, as Rust types.
//!
//! These types are plain data with serde and JSON Schema derivations; they hold expressions as
//! text. Checking and compiling them is [`super::Form`]'s job, so a definition that does not
//! check can still be loaded, shown and corrected in the builder.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::text::{DefaultValue, Flag, Text};
use crate::workflow::Workflow;

/// A whole app definition: the `yui: 1` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Yui app definition")]
pub struct AppDefinition {
    /// Format version. Only `1` exists.
    pub yui: u32,
    /// The app's slug: `[a-z][a-z0-9-]{1,62}`. Stable across versions.
    pub id: String,
    /// The app's name, shown to residents and staff.
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Who submits: `public` (residents, on the web and LINE) or `staff` (signed-in staff).
    pub audience: Audience,
    /// A free ASCII tag (`[a-z0-9-]`) grouping apps on the town's front page, e.g. `childcare`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Words residents might search for (synonyms), e.g. 遊び場, 子育て.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// What the start page tells residents before they begin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<StartPage>,
    /// How questions are split into pages.
    #[serde(default, skip_serializing_if = "Display::is_default")]
    pub display: Display,
    /// The questions, in order.
    pub fields: Vec<Field>,
    /// Choice lists by name, used by select fields' `choices`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub choices: BTreeMap<String, Vec<Choice>>,
    /// The review workflow; when absent, Yui's default (受付 → 審査中 → 完了, with 差戻し and
    /// 却下).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
    /// E-mail texts sent to the resident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Notifications>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Residents apply (web form, LINE); no sign-in needed.
    Public,
    /// Only signed-in staff of the town submit (field reports, internal forms).
    Staff,
}

/// Start-page information (GOV.UK "start page" pattern).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartPage {
    /// What to have at hand (documents, numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub what_you_need: Option<Text>,
    /// About how long filling in takes, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    /// The deadline, in words (e.g. 毎月20日まで).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Text>,
    /// Who to ask (department, phone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Text>,
    /// What happens after submitting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_submit: Option<Text>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Display {
    #[serde(default)]
    pub mode: DisplayMode,
}

impl Display {
    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
    fn is_default(&self) -> bool {
        *self == Display::default()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisplayMode {
    /// One page per top-level group; consecutive fields outside groups share a page.
    #[default]
    Pages,
    /// One question per page (GOV.UK pattern); a repeat is one page with "add another".
    OnePerPage,
}

/// Every field type Yui knows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One line of text.
    Text,
    /// Several lines of text.
    Textarea,
    /// A whole number (full-width digits and 1,234 accepted).
    Integer,
    /// A decimal number.
    Decimal,
    /// A date: 2024-04-01, 2024/4/1, 令和6年4月1日, R6.4.1.
    Date,
    /// A time of day: 09:30.
    Time,
    /// A date and time, Japan time unless an offset is given.
    Datetime,
    /// One choice from a list.
    SelectOne,
    /// Any number of choices from a list.
    SelectMultiple,
    /// はい / いいえ.
    YesNo,
    /// An e-mail address.
    Email,
    /// A Japanese phone number.
    Phone,
    /// A 7-digit postal code.
    PostalCode,
    /// Postal code, address and building.
    Address,
    /// A person's name in kanji (or as written): family and given.
    Name,
    /// A person's name in katakana: family and given.
    NameKana,
    /// One katakana string.
    Kana,
    /// An uploaded file.
    File,
    /// An uploaded photo.
    Image,
    /// A location: latitude, longitude, accuracy.
    Geopoint,
    /// Text shown to the resident; no answer.
    Note,
    /// A hidden computed value.
    Calculate,
    /// A checkbox that must be ticked (同意).
    Consent,
    /// A set of fields shown together (a page in `pages` mode).
    Group,
    /// A set of fields answered any number of times.
    Repeat,
}

impl FieldType {
    pub const ALL: [FieldType; 25] = [
        FieldType::Text,
        FieldType::Textarea,
        FieldType::Integer,
        FieldType::Decimal,
        FieldType::Date,
        FieldType::Time,
        FieldType::Datetime,
        FieldType::SelectOne,
        FieldType::SelectMultiple,
        FieldType::YesNo,
        FieldType::Email,
        FieldType::Phone,
        FieldType::PostalCode,
        FieldType::Address,
        FieldType::Name,
        FieldType::NameKana,
        FieldType::Kana,
        FieldType::File,
        FieldType::Image,
        FieldType::Geopoint,
        FieldType::Note,
        FieldType::Calculate,
        FieldType::Consent,
        FieldType::Group,
        FieldType::Repeat,
    ];

    /// The type's name as written in definitions.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Textarea => "textarea",
            FieldType::Integer => "integer",
            FieldType::Decimal => "decimal",
            FieldType::Date => "date",
            FieldType::Time => "time",
            FieldType::Datetime => "datetime",
            FieldType::SelectOne => "select_one",
            FieldType::SelectMultiple => "select_multiple",
            FieldType::YesNo => "yes_no",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::PostalCode => "postal_code",
            FieldType::Address => "address",
            FieldType::Name => "name",
            FieldType::NameKana => "name_kana",
            FieldType::Kana => "kana",
            FieldType::File => "file",
            FieldType::Image => "image",
            FieldType::Geopoint => "geopoint",
            FieldType::Note => "note",
            FieldType::Calculate => "calculate",
            FieldType::Consent => "consent",
            FieldType::Group => "group",
            FieldType::Repeat => "repeat",
        }
    }

    /// Whether the field holds children.
    pub fn is_container(self) -> bool {
        matches!(self, FieldType::Group | FieldType::Repeat)
    }

    pub fn is_select(self) -> bool {
        matches!(self, FieldType::SelectOne | FieldType::SelectMultiple)
    }

    /// Whether the resident (or staff member) types or picks an answer.
    pub fn is_input(self) -> bool {
        !matches!(
            self,
            FieldType::Note | FieldType::Calculate | FieldType::Group | FieldType::Repeat
        )
    }

    /// Whether submissions store a value for this field.
    pub fn stores_value(self) -> bool {
        !matches!(self, FieldType::Note | FieldType::Group)
    }

    pub fn is_text(self) -> bool {
        matches!(self, FieldType::Text | FieldType::Textarea)
    }

    pub fn is_upload(self) -> bool {
        matches!(self, FieldType::File | FieldType::Image)
    }
}

impl std::fmt::Display for FieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One question (or group, repeat, note, calculation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Unique in the whole form (also inside groups and repeats). Starts with a letter or `_`,
    /// then letters, digits, `-`, `_`, `.` (XLSForm rule). This is the key of the answer.
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// The question. Required except for `calculate`, `group` and `repeat`. May contain
    /// `${field}` placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    /// Help text under the question. May contain `${field}` placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// `true`, `false` or an expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Flag>,
    /// Message shown when a required answer is missing (instead of Yui's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_message: Option<Text>,
    /// Expression: the field is shown (and its answer kept) only when true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    /// Expression that a given answer must satisfy; `.` is the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint_message: Option<Text>,
    /// Expression computing a `calculate` field's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calculation: Option<String>,
    /// Initial answer: a literal, or `{expr: "today()"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultValue>,
    /// `true`, `false` or an expression; a read-only field keeps its default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<Flag>,
    /// The choice list of a select field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<String>,
    /// Expression evaluated per choice; bare names are the choice's properties
    /// (e.g. `region = ${prefecture}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_filter: Option<String>,
    /// Adds a choice `other` (その他) and a text field `<name>_other` shown when it is chosen.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub other: bool,
    /// Display hint: `multiline`, `minimal`, `likert`, `wareki`, … (see the format reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appearance: Option<String>,
    /// Children of a group or repeat.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// Fewest rows of a repeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_count: Option<u32>,
    /// Most rows of a repeat (at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u32>,
    /// The "add another" button of a repeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_label: Option<Text>,
    /// Fewest characters of a text answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// Most characters of a text answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Accepted MIME types of a file or image (`image/*` allowed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    /// Largest accepted upload, in MB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size_mb: Option<u32>,
    /// Keep the photo's location data (EXIF GPS); removed by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_location: Option<bool>,
}

impl Field {
    /// A field with only a name and type set.
    pub fn new(name: impl Into<String>, field_type: FieldType) -> Self {
        Field {
            name: name.into(),
            field_type,
            label: None,
            hint: None,
            required: None,
            required_message: None,
            relevant: None,
            constraint: None,
            constraint_message: None,
            calculation: None,
            default: None,
            read_only: None,
            choices: None,
            choice_filter: None,
            other: false,
            appearance: None,
            fields: Vec::new(),
            min_count: None,
            max_count: None,
            repeat_label: None,
            min_length: None,
            max_length: None,
            accept: Vec::new(),
            max_size_mb: None,
            keep_location: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<Text>) -> Self {
        self.label = Some(label.into());
        self
    }
}

/// One choice of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// Stored in answers; no spaces (select_multiple answers are space-separated).
    pub name: String,
    pub label: Text,
    /// Further columns, for `choice_filter` (e.g. `region: kumamoto`).
    pub props: BTreeMap<String, ChoiceProp>,
}

impl Choice {
    pub fn new(name: impl Into<String>, label: impl Into<Text>) -> Self {
        Choice {
            name: name.into(),
            label: label.into(),
            props: BTreeMap::new(),
        }
    }
}

/// The value of an extra choice column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ChoiceProp {
    Bool(bool),
    Number(serde_json::Number),
    Text(String),
}

impl ChoiceProp {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ChoiceProp::Bool(b) => serde_json::Value::Bool(*b),
            ChoiceProp::Number(n) => serde_json::Value::Number(n.clone()),
            ChoiceProp::Text(s) => serde_json::Value::String(s.clone()),
        }
    }
}

/// E-mail texts sent to the resident. Placeholders: `{receipt_number}`, `{app_title}`,
/// `{status}`, `{town}`, `{link}`; write `{{` and `}}` for literal braces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notifications {
    /// Sent when a submission is received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<Message>,
    /// Sent when a transition with `notify: true` changes the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_changed: Option<Message>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub subject: Text,
    pub body: Text,
}
