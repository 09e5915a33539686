//! The handover manual (引き継ぎ書) of an app: everything a member of staff who inherits the
//! app needs to understand it without reading its definition — purpose, owner department,
//! every field with its rules in plain words, the workflow and who may move it, the e-mails
//! residents receive, and the version history (who changed what, when).
//!
//! [`Yui::handover_manual`] assembles a [`ManualDocument`]; the web layer renders it as a page
//! and hands it to a [`ManualPrinter`] (implemented by the `yui-pdf` crate) for the PDF. The
//! plain-language sentences themselves come from `yui_domain::explain`.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;
use yui_domain::definition::{AppDefinition, Audience, Form, Message, PLACEHOLDERS, Text};
use yui_domain::explain::{FormGuide, Sentence, form_guide};
use yui_domain::tenant::Role;
use yui_domain::workflow::Workflow;

use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::clock::JST;
use crate::error::CoreError;
use crate::model::{TenantId, UserId};
use crate::records::AppState;

/// Everything the manual says about one app, ready to render. Every text a person reads is
/// a [`Sentence`] in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualDocument {
    pub town: ManualTown,
    pub app: ManualApp,
    /// Which definition the manual describes.
    pub version: ManualVersion,
    /// What the start page tells residents (what to have at hand, deadline, contact…).
    pub start: Vec<ManualItem>,
    /// Pages and fields with their rules in plain words.
    pub form: FormGuide,
    pub workflow: ManualWorkflow,
    pub notifications: Vec<ManualNotification>,
    /// The placeholders the notification texts use, explained.
    pub placeholders: Vec<ManualPlaceholder>,
    /// Published versions, newest first.
    pub history: Vec<ManualHistoryEntry>,
    /// When the manual was made, in Japan time.
    pub generated_at: Sentence,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualTown {
    pub slug: String,
    pub name: String,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualApp {
    pub slug: String,
    pub title: Sentence,
    /// The purpose, as the builder described it; 「（説明なし）」 when none was written.
    pub description: Sentence,
    pub audience: Sentence,
    pub category: Option<String>,
    pub keywords: Vec<String>,
    /// The owner department, or 「未設定」.
    pub department: Sentence,
    /// 受付中, 受付停止中 or 下書き.
    pub state: Sentence,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualVersion {
    /// The published version described, or `None` for a never-published draft.
    pub number: Option<u32>,
    /// The manual describes the builder's draft: nothing of it has been published yet.
    pub is_draft: bool,
    /// 「第2版（2026年4月1日 9:00 公開）」 or 「下書き（まだ公開されていません）」.
    pub label: Sentence,
    /// The draft was saved after the version described was published: it may differ.
    pub unpublished_changes: bool,
}

/// A heading and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualItem {
    pub heading: Sentence,
    pub text: Sentence,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualWorkflow {
    /// The app uses Yui's standard workflow (its definition names none).
    pub is_default: bool,
    pub states: Vec<ManualState>,
    pub transitions: Vec<ManualTransition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualState {
    pub name: String,
    pub label: Sentence,
    /// A new submission starts here.
    pub initial: bool,
    /// Processing ends here.
    pub is_final: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualTransition {
    pub from: Sentence,
    pub to: Sentence,
    /// The button's name.
    pub action: Sentence,
    /// Role names, or the resident for a corrected resubmission.
    pub who: Sentence,
    pub resident: bool,
    /// Whether the resident gets the status e-mail.
    pub notify: bool,
    /// 「メールで知らせる」, 「知らせない」, or why a notification is not actually sent.
    pub notify_text: Sentence,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualNotification {
    /// When it is sent: 「受け付けたとき」, 「状況が変わったとき」.
    pub when: Sentence,
    pub subject: Sentence,
    pub body: Sentence,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualPlaceholder {
    /// As written in texts: `{receipt_number}`.
    pub code: String,
    pub meaning: Sentence,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualHistoryEntry {
    pub version: u32,
    /// Japan time: 「2026年4月1日 9:00」.
    pub published_at: Sentence,
    /// The publisher's display name, or 「運用担当者」 for the operator.
    pub published_by: Sentence,
    pub change_summary: String,
}

impl ManualDocument {
    /// The manual of a form as a never-published draft of `town`, with no owner department
    /// and no history: what [`Yui::handover_manual`] starts from, and what previews and tests
    /// of renderers use.
    pub fn from_form(town: ManualTown, app_slug: &str, form: &Form, now: OffsetDateTime) -> Self {
        let def = form.definition();
        ManualDocument {
            town,
            app: describe_app(
                app_slug,
                AppState::Draft,
                def,
                Sentence::new("未設定", "Not set"),
            ),
            version: ManualVersion {
                number: None,
                is_draft: true,
                label: Sentence::new(
                    "下書き（まだ公開されていません）",
                    "Draft (not published yet)",
                ),
                unpublished_changes: false,
            },
            start: start_items(def),
            form: form_guide(form),
            workflow: describe_workflow(form.workflow(), def),
            notifications: notifications(def),
            placeholders: placeholders(def),
            history: Vec::new(),
            generated_at: jst(now),
        }
    }

    /// The PDF's file name: 「引き継ぎ書_プレイルーム利用申込_v2.pdf」 (「_下書き」 for a draft).
    pub fn file_name(&self) -> String {
        let title: String = self
            .app
            .title
            .ja
            .chars()
            .map(|c| match c {
                '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
                c if c.is_control() || c.is_whitespace() => '_',
                c => c,
            })
            .take(80)
            .collect();
        match self.version.number {
            Some(n) if !self.version.is_draft => format!("引き継ぎ書_{title}_v{n}.pdf"),
            _ => format!("引き継ぎ書_{title}_下書き.pdf"),
        }
    }
}

/// Turns a manual into a printable PDF. `yui-pdf` implements it; keeping the trait here lets
/// the web layer serve PDFs without depending on the typesetting engine.
pub trait ManualPrinter: Send + Sync {
    /// The PDF in `lang` (`"en"`, or Japanese for anything else).
    fn print(&self, manual: &ManualDocument, lang: &str) -> Result<Vec<u8>, PrintError>;
}

/// Why a PDF could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// No font with Japanese characters was found; the message says what to install.
    #[error(
        "no Japanese font found (looked in {searched}); install fonts-ipaexfont or set YUI_FONT_DIR"
    )]
    NoJapaneseFont { searched: String },
    /// The typesetting engine failed: a bug in the template, logged and reported as internal.
    #[error("typesetting failed: {0}")]
    Typesetting(String),
}

impl Yui {
    /// The handover manual of an app of `tenant`, for staff of that town (any role that may
    /// use the console). It describes the version in force, or the draft when the app was
    /// never published. Another town's app is not found.
    pub async fn handover_manual(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app_slug: &str,
    ) -> Result<ManualDocument, CoreError> {
        actor.require(Permission::UseConsole, tenant)?;
        let town = self
            .store()
            .tenant(tenant)
            .await?
            .ok_or(CoreError::NotFound)?;
        let app = self
            .store()
            .app_by_slug(tenant, app_slug)
            .await?
            .ok_or(CoreError::NotFound)?;
        let versions = self.store().app_versions(tenant, app.id).await?;
        let published = app
            .published_version
            .and_then(|n| versions.iter().find(|v| v.version == n));
        let form = match published {
            Some(v) => self.form_of(v)?,
            None => std::sync::Arc::new(
                Form::from_yaml(&app.draft_definition).map_err(CoreError::Definition)?,
            ),
        };
        let town = ManualTown {
            slug: town.slug.as_str().to_owned(),
            name: town.name.as_str().to_owned(),
            code: town.code.to_string(),
        };
        let mut manual = ManualDocument::from_form(town, &app.slug, &form, self.clock().now());
        if let Some(published) = published {
            manual.version = ManualVersion {
                number: Some(published.version),
                is_draft: false,
                label: Sentence::new(
                    format!(
                        "第{}版（{} 公開）",
                        published.version,
                        jst(published.published_at).ja
                    ),
                    format!(
                        "Version {} (published {})",
                        published.version,
                        jst(published.published_at).en
                    ),
                ),
                unpublished_changes: app.draft_updated_at > published.published_at,
            };
        }
        manual.app.state = state_text(app.state);
        manual.app.department = match app.department_id {
            Some(id) => self
                .store()
                .departments(tenant)
                .await?
                .into_iter()
                .find(|d| d.id == id)
                .map(|d| Sentence::new(d.name.as_str(), d.name.as_str())),
            None => None,
        }
        .unwrap_or_else(|| Sentence::new("未設定", "Not set"));
        let mut names: HashMap<UserId, Sentence> = HashMap::new();
        let mut history = Vec::with_capacity(versions.len());
        for v in &versions {
            let published_by = match v.published_by {
                None => operator(),
                Some(id) => match names.get(&id) {
                    Some(name) => name.clone(),
                    None => {
                        let name = self.publisher_name(tenant, id).await?;
                        names.insert(id, name.clone());
                        name
                    }
                },
            };
            history.push(ManualHistoryEntry {
                version: v.version,
                published_at: jst(v.published_at),
                published_by,
                change_summary: v.change_summary.clone(),
            });
        }
        manual.history = history;
        Ok(manual)
    }

    /// A publisher's display name; a deleted account still shows who it was by its id.
    async fn publisher_name(&self, tenant: TenantId, id: UserId) -> Result<Sentence, CoreError> {
        Ok(match self.store().user(tenant, id).await? {
            Some(user) => Sentence::new(user.display_name.as_str(), user.display_name.as_str()),
            None => Sentence::new(
                format!("職員（ID {id}）"),
                format!("Staff member (id {id})"),
            ),
        })
    }
}

fn operator() -> Sentence {
    Sentence::new("運用担当者", "Operator")
}

/// A moment in Japan time, as people write it.
fn jst(at: OffsetDateTime) -> Sentence {
    let t = at.to_offset(JST);
    let month = u8::from(t.month());
    Sentence::new(
        format!(
            "{}年{}月{}日 {}:{:02}",
            t.year(),
            month,
            t.day(),
            t.hour(),
            t.minute()
        ),
        format!(
            "{} {} {} {}:{:02} JST",
            t.day(),
            t.month(),
            t.year(),
            t.hour(),
            t.minute()
        ),
    )
}

fn describe_app(
    slug: &str,
    state: AppState,
    def: &AppDefinition,
    department: Sentence,
) -> ManualApp {
    ManualApp {
        slug: slug.to_owned(),
        title: Sentence::from_text(&def.title),
        description: def.description.as_ref().map_or_else(
            || Sentence::new("（説明なし）", "(no description)"),
            Sentence::from_text,
        ),
        audience: match def.audience {
            Audience::Public => Sentence::new(
                "住民が申請する（Web・LINE、ログイン不要）",
                "Residents apply (web, LINE; no sign-in)",
            ),
            Audience::Staff => Sentence::new(
                "職員が入力する（ログインが必要）",
                "Staff submit (sign-in required)",
            ),
        },
        category: def.category.clone(),
        keywords: def.keywords.clone(),
        department,
        state: state_text(state),
    }
}

fn state_text(state: AppState) -> Sentence {
    match state {
        AppState::Open => Sentence::new("受付中", "Open"),
        AppState::Closed => Sentence::new("受付停止中", "Closed"),
        AppState::Draft => Sentence::new("下書き（未公開）", "Draft (never published)"),
    }
}

fn start_items(def: &AppDefinition) -> Vec<ManualItem> {
    let Some(start) = &def.start else {
        return Vec::new();
    };
    let mut items = Vec::new();
    let mut push = |ja: &str, en: &str, text: Option<&Text>| {
        if let Some(text) = text {
            items.push(ManualItem {
                heading: Sentence::new(ja, en),
                text: Sentence::from_text(text),
            });
        }
    };
    push(
        "用意するもの",
        "What you need",
        start.what_you_need.as_ref(),
    );
    push("期限", "Deadline", start.deadline.as_ref());
    push("問い合わせ先", "Contact", start.contact.as_ref());
    push("申請のあと", "After applying", start.after_submit.as_ref());
    if let Some(minutes) = start.duration_minutes {
        items.push(ManualItem {
            heading: Sentence::new("入力にかかる時間", "Time to fill in"),
            text: Sentence::new(format!("約{minutes}分"), format!("About {minutes} minutes")),
        });
    }
    items
}

fn role_names(roles: &[Role]) -> Sentence {
    // Admins may always take staff transitions, whether listed or not.
    let mut all: Vec<Role> = vec![Role::Admin];
    all.extend(roles.iter().copied().filter(|r| *r != Role::Admin));
    Sentence::new(
        all.iter()
            .map(|r| r.label_ja())
            .collect::<Vec<_>>()
            .join("、"),
        all.iter()
            .map(|r| r.label_en())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn describe_workflow(workflow: &Workflow, def: &AppDefinition) -> ManualWorkflow {
    let label = |name: &str| {
        workflow.state(name).map_or_else(
            || Sentence::new(name, name),
            |s| Sentence::from_text(&s.label),
        )
    };
    let initial = workflow.initial_state().map(|s| s.name.clone());
    let has_status_mail = def
        .notifications
        .as_ref()
        .is_some_and(|n| n.status_changed.is_some());
    let states = workflow
        .states
        .iter()
        .map(|s| ManualState {
            name: s.name.clone(),
            label: Sentence::from_text(&s.label),
            initial: initial.as_deref() == Some(s.name.as_str()),
            is_final: s.is_final,
        })
        .collect();
    let transitions = workflow
        .transitions
        .iter()
        .map(|t| {
            let to = label(&t.to);
            let notify_text = match (t.notify, has_status_mail) {
                (true, true) => Sentence::new("住民にメールで知らせる", "The resident is e-mailed"),
                (true, false) => Sentence::new(
                    "知らせる設定ですが、状況変更の通知文がないため送られません",
                    "Set to notify, but no status e-mail text exists, so nothing is sent",
                ),
                (false, _) => Sentence::new("知らせない", "No e-mail"),
            };
            ManualTransition {
                from: label(&t.from),
                action: t
                    .label
                    .as_ref()
                    .map_or_else(|| to.clone(), Sentence::from_text),
                to,
                who: if t.resident {
                    Sentence::new(
                        "住民（修正して再提出したとき）",
                        "The resident (on resubmitting a correction)",
                    )
                } else {
                    role_names(&t.roles)
                },
                resident: t.resident,
                notify: t.notify,
                notify_text,
            }
        })
        .collect();
    ManualWorkflow {
        is_default: def.workflow.is_none(),
        states,
        transitions,
    }
}

fn notifications(def: &AppDefinition) -> Vec<ManualNotification> {
    let Some(n) = &def.notifications else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |ja: &str, en: &str, message: Option<&Message>| {
        if let Some(m) = message {
            out.push(ManualNotification {
                when: Sentence::new(ja, en),
                subject: Sentence::from_text(&m.subject),
                body: Sentence::from_text(&m.body),
            });
        }
    };
    push(
        "申請を受け付けたとき",
        "When a submission is received",
        n.confirmation.as_ref(),
    );
    push(
        "状況が変わったとき（「知らせる」操作のみ）",
        "When the status changes (transitions that notify)",
        n.status_changed.as_ref(),
    );
    out
}

/// The placeholders used in the app's notification texts, with what each becomes.
fn placeholders(def: &AppDefinition) -> Vec<ManualPlaceholder> {
    let texts: Vec<&str> = def
        .notifications
        .iter()
        .flat_map(|n| [&n.confirmation, &n.status_changed])
        .flatten()
        .flat_map(|m| [&m.subject, &m.body])
        .flat_map(|t| t.texts().map(|(_, s)| s))
        .collect();
    PLACEHOLDERS
        .iter()
        .filter(|p| texts.iter().any(|t| t.contains(&format!("{{{p}}}"))))
        .map(|p| ManualPlaceholder {
            code: format!("{{{p}}}"),
            meaning: match *p {
                "receipt_number" => Sentence::new("受付番号", "The receipt number"),
                "app_title" => Sentence::new(
                    format!("アプリの名前（{}）", def.title.get("ja")),
                    format!("The app's title ({})", def.title.get("en")),
                ),
                "status" => Sentence::new(
                    "新しい状況の名前（例: 完了）",
                    "The new status (e.g. Completed)",
                ),
                "town" => Sentence::new("自治体の名前", "The town's name"),
                "link" => Sentence::new(
                    "住民が申請内容を確認できるページのURL",
                    "The address of the page where the resident sees the submission",
                ),
                other => Sentence::new(other, other),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(number: Option<u32>, draft: bool) -> ManualDocument {
        let s = |x: &str| Sentence::new(x, x);
        ManualDocument {
            town: ManualTown {
                slug: "oguni".into(),
                name: "小国町".into(),
                code: "434248".into(),
            },
            app: ManualApp {
                slug: "play".into(),
                title: Sentence::new("プレイルーム/利用 申込", "Play"),
                description: s("x"),
                audience: s("x"),
                category: None,
                keywords: Vec::new(),
                department: s("未設定"),
                state: s("受付中"),
            },
            version: ManualVersion {
                number,
                is_draft: draft,
                label: s("x"),
                unpublished_changes: false,
            },
            start: Vec::new(),
            form: FormGuide {
                pages: Vec::new(),
                calculations: Vec::new(),
            },
            workflow: ManualWorkflow {
                is_default: true,
                states: Vec::new(),
                transitions: Vec::new(),
            },
            notifications: Vec::new(),
            placeholders: Vec::new(),
            history: Vec::new(),
            generated_at: s("x"),
        }
    }

    #[test]
    fn the_file_name_carries_title_and_version_without_path_characters() {
        assert_eq!(
            sample(Some(2), false).file_name(),
            "引き継ぎ書_プレイルーム_利用_申込_v2.pdf"
        );
        assert_eq!(
            sample(None, true).file_name(),
            "引き継ぎ書_プレイルーム_利用_申込_下書き.pdf"
        );
    }

    #[test]
    fn times_are_written_in_japan_time() {
        let at = time::macros::datetime!(2026-03-31 15:05 UTC);
        let s = jst(at);
        assert_eq!(s.ja, "2026年4月1日 0:05");
        assert_eq!(s.en, "1 April 2026 0:05 JST");
    }

    #[test]
    fn admins_are_always_among_who_may_act() {
        let s = role_names(&[Role::Reviewer, Role::Viewer]);
        assert_eq!(s.ja, "管理者、担当職員、閲覧者");
        assert_eq!(s.en, "Administrator, Reviewer, Viewer");
    }
}
