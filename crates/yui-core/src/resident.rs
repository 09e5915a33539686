//! What residents do: start an application, fill it page by page (answers are saved on the
//! server at every step, so nothing typed is lost), upload files, resume from a secret link,
//! and submit exactly once. Submitting validates everything on the server against the version
//! the resident saw, and the receipt exists only once the store has committed it durably.

use std::sync::Arc;

use serde_json::{Map, Value};
use yui_domain::definition::{FieldType, Form, fill_placeholders};
use yui_domain::japan::text::search_key;
use yui_domain::validate::{EvalContext, Evaluation};

use crate::Yui;
use crate::apps::PublishedApp;
use crate::audit::{ActorKind, AuditEntry};
use crate::clock::JST;
use crate::error::{CoreError, InvalidInput};
use crate::jobs::{EmailMessage, KIND_EMAIL, NewJob};
use crate::model::{Tenant, TenantId};
use crate::records::{
    AppVersionRecord, DraftRecord, NewSubmission, SUBMISSION_PLACEHOLDER, SubmissionFile,
    SubmissionReceipt, SubmissionRecord, UploadRecord,
};
use crate::review::IndexedValue;
use crate::token::{hash_token, new_token};

/// Through which channel a submission came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Web,
    Counter,
    Api,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Counter => "counter",
            Channel::Api => "api",
        }
    }
}

/// An open draft with the form of the version it was started on.
#[derive(Debug, Clone)]
pub struct DraftSession {
    pub token: String,
    pub record: DraftRecord,
    pub version: AppVersionRecord,
    pub form: Arc<Form>,
    /// The raw answers as typed so far.
    pub answers: Map<String, Value>,
}

/// The result of saving a page: the evaluation to render, and whether the page's own fields
/// are all acceptable (then the resident may move on).
#[derive(Debug)]
pub struct PageOutcome {
    pub evaluation: Evaluation,
    /// Files that were refused (wrong type, too large…), by field, with messages.
    pub upload_errors: Vec<crate::error::FieldProblem>,
    pub page_ok: bool,
}

/// A submission refused because answers are missing or wrong.
#[derive(Debug)]
pub enum SubmitError {
    Invalid(Evaluation),
    Core(CoreError),
}

impl From<CoreError> for SubmitError {
    fn from(e: CoreError) -> Self {
        SubmitError::Core(e)
    }
}

/// A file as it arrived from the browser.
#[derive(Debug, Clone)]
pub struct IncomingFile {
    pub field: String,
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Yui {
    /// The evaluation context for now: today's date in Japan.
    pub fn eval_context(&self) -> EvalContext {
        let now = self.clock().now();
        EvalContext {
            today: now.to_offset(JST).date(),
            now,
        }
    }

    /// Starts a draft of an open app; the session holds its secret token.
    pub async fn start_draft(
        &self,
        app: &PublishedApp,
        channel: Channel,
    ) -> Result<DraftSession, CoreError> {
        if app.app.state != crate::records::AppState::Open {
            return Err(CoreError::invalid(
                "app",
                "app.closed",
                "この手続きは現在受け付けていません。".into(),
                "This procedure is not accepting applications now.".into(),
            ));
        }
        let token = new_token()?;
        let now = self.clock().now();
        let initial = app.form.initial_answers(&self.eval_context());
        let record = DraftRecord {
            tenant_id: app.app.tenant_id,
            channel: channel.as_str().to_owned(),
            app_id: app.app.id,
            app_version_id: app.version.id,
            answers: Value::Object(initial.clone()).to_string(),
            email: None,
            submitted: false,
            created_at: now,
            updated_at: now,
            expires_at: now + self.settings().draft_lifetime,
        };
        self.store()
            .create_draft(&hash_token(&token), &record)
            .await?;
        Ok(DraftSession {
            token,
            record,
            version: app.version.clone(),
            form: app.form.clone(),
            answers: initial,
        })
    }

    /// The draft behind a resume link, if it exists, has not expired and belongs to `tenant`.
    pub async fn draft(&self, tenant: TenantId, token: &str) -> Result<DraftSession, CoreError> {
        let record = self
            .store()
            .draft(&hash_token(token), self.clock().now())
            .await?
            .filter(|d| d.tenant_id == tenant)
            .ok_or(CoreError::NotFound)?;
        let (version, form) = self.version_form(tenant, record.app_version_id).await?;
        let answers = match serde_json::from_str(&record.answers) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        Ok(DraftSession {
            token: token.to_owned(),
            record,
            version,
            form,
            answers,
        })
    }

    /// Merges one page's raw answers (and uploaded files) into the draft, saves it, and
    /// evaluates the whole form. The answers are saved even when a page has mistakes: a
    /// resident never loses what they typed.
    pub async fn save_draft_page(
        &self,
        session: &mut DraftSession,
        page_fields: &[String],
        raw: Map<String, Value>,
        files: Vec<IncomingFile>,
    ) -> Result<PageOutcome, CoreError> {
        for name in page_fields {
            match raw.get(name) {
                Some(v) => {
                    session.answers.insert(name.clone(), v.clone());
                }
                // A cleared checkbox group sends nothing: clear what was there.
                None if !self.is_file_field(&session.form, name) => {
                    session.answers.remove(name);
                }
                None => {}
            }
        }
        let mut upload_errors: Vec<crate::error::FieldProblem> = Vec::new();
        for file in files {
            match self.upload_file(session, &file).await {
                Ok(upload) => {
                    session
                        .answers
                        .insert(file.field.clone(), upload_value(&upload));
                }
                Err(UploadFailure::Refused {
                    code,
                    message_ja,
                    message_en,
                }) => {
                    upload_errors.push(crate::error::FieldProblem {
                        field: file.field.clone(),
                        code,
                        message_ja,
                        message_en,
                    });
                }
                Err(UploadFailure::Core(e)) => return Err(e),
            }
        }
        let email = session
            .form
            .fields()
            .iter()
            .find(|f| f.field_type == FieldType::Email)
            .and_then(|f| {
                session
                    .answers
                    .get(&f.name)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
        let now = self.clock().now();
        self.store()
            .save_draft(
                &hash_token(&session.token),
                &Value::Object(session.answers.clone()).to_string(),
                email.as_deref().filter(|e| !e.trim().is_empty()),
                now,
                now + self.settings().draft_lifetime,
            )
            .await?;
        let evaluation = session.form.evaluate(
            &Value::Object(session.answers.clone()),
            &self.eval_context(),
        );
        let page_ok = upload_errors.is_empty()
            && page_fields
                .iter()
                .all(|name| page_is_clean(&evaluation, name));
        Ok(PageOutcome {
            evaluation,
            upload_errors,
            page_ok,
        })
    }

    fn is_file_field(&self, form: &Form, name: &str) -> bool {
        form.field(name)
            .is_some_and(|f| matches!(f.field_type, FieldType::File | FieldType::Image))
    }

    /// Checks, cleans and stores one uploaded file for a draft.
    pub async fn upload_file(
        &self,
        session: &DraftSession,
        file: &IncomingFile,
    ) -> Result<UploadRecord, UploadFailure> {
        self.store_upload(
            session.record.tenant_id,
            session.record.app_id,
            &hash_token(&session.token),
            &session.form,
            file,
        )
        .await
    }

    /// Checks a file against its field's limits, cleans it, stores it durably and records
    /// that `owner_hash` (a draft's or correction link's hash) uploaded it.
    pub(crate) async fn store_upload(
        &self,
        tenant: TenantId,
        app: crate::records::AppId,
        owner_hash: &str,
        form: &Form,
        file: &IncomingFile,
    ) -> Result<UploadRecord, UploadFailure> {
        let field = form
            .field(&file.field)
            .ok_or_else(|| UploadFailure::Refused {
                code: "file.unknown_field",
                message_ja: "この項目にはファイルを添付できません。".into(),
                message_en: "This question does not take a file.".into(),
            })?;
        let limits = yui_media::Limits {
            max_bytes: u64::from(
                field
                    .definition
                    .max_size_mb
                    .unwrap_or(yui_domain::validate::DEFAULT_MAX_SIZE_MB),
            ) * 1024
                * 1024,
            accept: field
                .accepted_types()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            keep_location: field.definition.keep_location.unwrap_or(false),
        };
        let processed = yui_media::process(&file.name, &file.bytes, &limits).map_err(|e| {
            UploadFailure::Refused {
                code: e.code(),
                message_ja: e.message_ja(&accept_ja(&limits.accept)),
                message_en: e.message_en(&accept_en(&limits.accept)),
            }
        })?;
        let size = processed.bytes.len() as u64;
        let key = self
            .blobs()
            .put(tenant, processed.bytes)
            .await
            .map_err(|e| UploadFailure::Core(e.into()))?;
        let upload = UploadRecord {
            blob_key: key,
            tenant_id: tenant,
            app_id: app,
            owner_hash: owner_hash.to_owned(),
            field_path: file.field.clone(),
            name: processed.name,
            content_type: processed.content_type.to_owned(),
            size,
            sha256: processed.sha256,
            location: processed.location,
            created_at: self.clock().now(),
        };
        self.store()
            .record_upload(&upload)
            .await
            .map_err(|e| UploadFailure::Core(e.into()))?;
        Ok(upload)
    }
}

/// Why an upload did not become part of the answers.
#[derive(Debug)]
pub enum UploadFailure {
    Refused {
        code: &'static str,
        message_ja: String,
        message_en: String,
    },
    Core(CoreError),
}

pub(crate) fn upload_value(u: &UploadRecord) -> Value {
    let mut v = serde_json::json!({ "id": u.blob_key, "name": u.name, "size": u.size, "content_type": u.content_type });
    if let Some((lat, lon)) = u.location {
        v["location"] = serde_json::json!({ "lat": lat, "lon": lon });
    }
    v
}

fn page_is_clean(evaluation: &Evaluation, name: &str) -> bool {
    evaluation
        .fields()
        .filter(|(path, _)| {
            *path == name
                || path.starts_with(&format!("{name}["))
                || path.starts_with(&format!("{name}."))
        })
        .all(|(_, state)| !state.relevant || state.violations.is_empty())
}

fn accept_ja(accept: &[String]) -> String {
    if accept.is_empty() {
        "画像（JPEG・PNG）またはPDF".into()
    } else {
        accept.join("、")
    }
}

fn accept_en(accept: &[String]) -> String {
    if accept.is_empty() {
        "an image (JPEG, PNG) or a PDF".into()
    } else {
        accept.join(", ")
    }
}

/// What the resident sees the e-mail in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailLanguage {
    Ja,
    En,
}

const DEFAULT_CONFIRMATION_SUBJECT_JA: &str =
    "【{town}】{app_title}を受け付けました（受付番号 {receipt_number}）";
const DEFAULT_CONFIRMATION_BODY_JA: &str = "{app_title}の申請を受け付けました。\n\n受付番号: {receipt_number}\n\n\
お問い合わせの際は受付番号をお知らせください。\nこのメールは送信専用です。返信はできません。\n\n{town}";
const DEFAULT_CONFIRMATION_SUBJECT_EN: &str =
    "[{town}] We received your application: {app_title} (receipt {receipt_number})";
const DEFAULT_CONFIRMATION_BODY_EN: &str = "We received your application for {app_title}.\n\n\
Receipt number: {receipt_number}\n\nPlease quote the receipt number if you contact us.\n\
This address cannot receive replies.\n\n{town}";

/// How many characters of answer text are kept for the inbox's text search.
const SEARCH_TEXT_CHARS: usize = 4000;

impl Yui {
    /// Submits a draft. The draft's secret is the idempotency key, so double clicks, the back
    /// button and retries all return the same receipt.
    pub async fn submit_draft(
        &self,
        tenant: &Tenant,
        session: &DraftSession,
        channel: Channel,
        lang: MailLanguage,
        client: Option<std::net::IpAddr>,
    ) -> Result<SubmissionReceipt, SubmitError> {
        let evaluation = session.form.evaluate(
            &Value::Object(session.answers.clone()),
            &self.eval_context(),
        );
        let owner = hash_token(&session.token);
        let new = self
            .new_submission(
                tenant,
                &session.version,
                &session.form,
                evaluation,
                &owner,
                channel,
                lang,
                client,
                Some(owner.clone()),
            )
            .await?;
        Ok(self
            .store()
            .insert_submission(new, self.clock().now())
            .await
            .map_err(CoreError::from)?)
    }

    /// Submits answers given all at once (a one-page form, or the API). Files arrive with the
    /// answers and are cleaned and stored first. `idempotency_key` makes retries safe.
    #[allow(clippy::too_many_arguments)]
    pub async fn submit_answers(
        &self,
        tenant: &Tenant,
        app: &PublishedApp,
        mut raw: Map<String, Value>,
        files: Vec<IncomingFile>,
        idempotency_key: &str,
        channel: Channel,
        lang: MailLanguage,
        client: Option<std::net::IpAddr>,
    ) -> Result<SubmissionReceipt, SubmitError> {
        if app.app.state != crate::records::AppState::Open {
            return Err(SubmitError::Core(CoreError::invalid(
                "app",
                "app.closed",
                "この手続きは現在受け付けていません。".into(),
                "This procedure is not accepting applications now.".into(),
            )));
        }
        let key = idempotency_key.trim();
        if key.len() < 16 || key.len() > 128 {
            return Err(SubmitError::Core(CoreError::invalid(
                "idempotency_key",
                "submission.idempotency_key",
                "送信できませんでした。ページを読み込み直してください。".into(),
                "The form could not be sent. Reload the page and try again.".into(),
            )));
        }
        let owner = hash_token(key);
        // A retry of a submission already stored returns its receipt without reprocessing.
        let pseudo = DraftSession {
            token: key.to_owned(),
            record: DraftRecord {
                tenant_id: tenant.id,
                channel: channel.as_str().to_owned(),
                app_id: app.app.id,
                app_version_id: app.version.id,
                answers: String::new(),
                email: None,
                submitted: false,
                created_at: self.clock().now(),
                updated_at: self.clock().now(),
                expires_at: self.clock().now(),
            },
            version: app.version.clone(),
            form: app.form.clone(),
            answers: Map::new(),
        };
        for file in &files {
            match self.upload_file(&pseudo, file).await {
                Ok(upload) => {
                    raw.insert(file.field.clone(), upload_value(&upload));
                }
                Err(UploadFailure::Refused {
                    code,
                    message_ja,
                    message_en,
                }) => {
                    return Err(SubmitError::Core(CoreError::invalid(
                        &file.field,
                        code,
                        message_ja,
                        message_en,
                    )));
                }
                Err(UploadFailure::Core(e)) => return Err(SubmitError::Core(e)),
            }
        }
        let evaluation = app.form.evaluate(&Value::Object(raw), &self.eval_context());
        let new = self
            .new_submission(
                tenant,
                &app.version,
                &app.form,
                evaluation,
                &owner,
                channel,
                lang,
                client,
                None,
            )
            .await?;
        Ok(self
            .store()
            .insert_submission(new, self.clock().now())
            .await
            .map_err(CoreError::from)?)
    }

    /// Everything the store writes for a valid submission.
    #[allow(clippy::too_many_arguments)]
    async fn new_submission(
        &self,
        tenant: &Tenant,
        version: &AppVersionRecord,
        form: &Form,
        evaluation: Evaluation,
        owner_hash: &str,
        channel: Channel,
        lang: MailLanguage,
        client: Option<std::net::IpAddr>,
        draft_token_hash: Option<String>,
    ) -> Result<NewSubmission, SubmitError> {
        if !evaluation.is_valid() {
            return Err(SubmitError::Invalid(evaluation));
        }
        let answers = evaluation.answers();
        let files = self
            .owned_files(tenant.id, form, answers, owner_hash)
            .await?;
        let contact_email = form
            .fields()
            .iter()
            .find(|f| f.field_type == FieldType::Email && f.repeat.is_none())
            .and_then(|f| answers.get(&f.name))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let person_key = contact_email.as_deref().map(person_key_for_email);
        let initial = form
            .workflow()
            .initial_state()
            .ok_or_else(|| CoreError::Internal("workflow without an initial state".into()))?;
        let mut jobs = Vec::new();
        if let Some(to) = &contact_email {
            jobs.push(self.confirmation_job(tenant, form, to, &initial.label.ja.clone(), lang));
        }
        let audit = AuditEntry::new(
            Some(tenant.id),
            ActorKind::Resident,
            None,
            "resident",
            "submission.create",
        )
        .subject("submission", SUBMISSION_PLACEHOLDER)
        .person(person_key.clone())
        .client(client)
        .detail(&serde_json::json!({ "app": form.definition().id, "channel": channel.as_str() }));
        Ok(NewSubmission {
            tenant_id: tenant.id,
            app_id: version.app_id,
            app_version_id: version.id,
            idempotency_key: owner_hash.to_owned(),
            status: initial.name.clone(),
            channel: channel.as_str().to_owned(),
            answers: Value::Object(answers.clone()).to_string(),
            contact_email,
            person_key,
            search_text: search_text(answers),
            values: indexed_values(form, answers),
            files,
            jobs,
            audit,
            draft_token_hash,
        })
    }

    /// The files an answer set refers to, each checked to have been uploaded by this draft
    /// (or this one-shot submission) to this town: an answer can never point at someone
    /// else's file.
    async fn owned_files(
        &self,
        tenant: TenantId,
        form: &Form,
        answers: &Map<String, Value>,
        owner_hash: &str,
    ) -> Result<Vec<SubmissionFile>, SubmitError> {
        let mut refs = Vec::new();
        collect_file_refs(form, answers, "", &mut refs);
        let mut files = Vec::new();
        for (path, id) in refs {
            let upload = self
                .store()
                .upload(tenant, &id)
                .await
                .map_err(CoreError::from)?;
            match upload {
                Some(u) if u.owner_hash == owner_hash => files.push(SubmissionFile {
                    field_path: path,
                    blob_key: u.blob_key,
                    name: u.name,
                    content_type: u.content_type,
                    size: u.size,
                    sha256: u.sha256,
                }),
                _ => {
                    return Err(SubmitError::Core(CoreError::Invalid(InvalidInput {
                        problems: vec![crate::error::FieldProblem {
                            field: path,
                            code: "file.not_uploaded",
                            message_ja: "ファイルをもう一度選んでください。".into(),
                            message_en: "Choose the file again.".into(),
                        }],
                    })));
                }
            }
        }
        Ok(files)
    }

    fn confirmation_job(
        &self,
        tenant: &Tenant,
        form: &Form,
        to: &str,
        status: &str,
        lang: MailLanguage,
    ) -> NewJob {
        let def = form.definition();
        let english = lang == MailLanguage::En;
        let (subject, body) = match def
            .notifications
            .as_ref()
            .and_then(|n| n.confirmation.as_ref())
        {
            Some(m) => (pick(&m.subject, english), pick(&m.body, english)),
            None if english => (
                DEFAULT_CONFIRMATION_SUBJECT_EN.to_owned(),
                DEFAULT_CONFIRMATION_BODY_EN.to_owned(),
            ),
            None => (
                DEFAULT_CONFIRMATION_SUBJECT_JA.to_owned(),
                DEFAULT_CONFIRMATION_BODY_JA.to_owned(),
            ),
        };
        let title = pick(&def.title, english);
        let link = format!(
            "{}/{}",
            self.settings().public_url.trim_end_matches('/'),
            tenant.slug
        );
        let values = [
            ("app_title", title.as_str()),
            ("town", tenant.name.as_str()),
            ("status", status),
            ("link", link.as_str()),
        ];
        let host = self
            .settings()
            .public_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .unwrap_or("yui.invalid")
            .to_owned();
        let message = EmailMessage {
            to: to.to_owned(),
            subject: fill_placeholders(&subject, &values),
            body_text: fill_placeholders(&body, &values),
            message_id: format!("<confirmation.{SUBMISSION_PLACEHOLDER}@{host}>"),
        };
        NewJob {
            tenant_id: Some(tenant.id),
            kind: KIND_EMAIL,
            payload: serde_json::to_value(message).unwrap_or(Value::Null),
            idempotency_key: format!("confirmation:{}:{SUBMISSION_PLACEHOLDER}", tenant.id),
            max_attempts: 10,
        }
    }

    /// The submission a submitted draft became, for its confirmation page.
    pub async fn draft_submission(
        &self,
        tenant: TenantId,
        session: &DraftSession,
    ) -> Result<Option<SubmissionRecord>, CoreError> {
        if !session.record.submitted {
            return Ok(None);
        }
        let hash = hash_token(&session.token);
        // The draft's hash is the submission's idempotency key.
        Ok(self
            .store()
            .submission_by_idempotency_key(tenant, &hash)
            .await?)
    }
}

fn pick(text: &yui_domain::definition::Text, english: bool) -> String {
    crate::apps::text_in(text, english)
}

/// A stable, non-reversible key for "this resident" in the audit trail: from the e-mail
/// address (lowercased), so staff can later list who accessed that person's data.
pub fn person_key_for_email(email: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    format!("email:{}", crate::token::hex(&digest[..16]))
}

/// `(field path, blob id)` of every file answer, repeats included.
fn collect_file_refs(
    form: &Form,
    answers: &Map<String, Value>,
    prefix: &str,
    out: &mut Vec<(String, String)>,
) {
    for (name, value) in answers {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let Some(field) = form.field(name) else {
            continue;
        };
        match (field.field_type, value) {
            (FieldType::File | FieldType::Image, Value::Object(o)) => {
                if let Some(id) = o.get("id").and_then(Value::as_str) {
                    out.push((path, id.to_owned()));
                }
            }
            (FieldType::Repeat, Value::Array(rows)) => {
                for (i, row) in rows.iter().enumerate() {
                    if let Value::Object(r) = row {
                        collect_file_refs(form, r, &format!("{path}[{i}]"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Days since 1970-01-01 of an ISO date.
fn epoch_days(iso: &str) -> Option<f64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(iso.get(..10)?, &format).ok()?;
    Some(f64::from(
        date.to_julian_day() - time::macros::date!(1970 - 01 - 01).to_julian_day(),
    ))
}

/// The answers the inbox can filter on: choices, yes/no, numbers and dates of top-level fields.
pub fn indexed_values(form: &Form, answers: &Map<String, Value>) -> Vec<IndexedValue> {
    let mut out = Vec::new();
    for field in form.fields().iter().filter(|f| f.repeat.is_none()) {
        let Some(value) = answers.get(&field.name) else {
            continue;
        };
        let text = |t: &str| IndexedValue {
            field: field.name.clone(),
            text: Some(t.to_owned()),
            num: None,
        };
        match (field.field_type, value) {
            (FieldType::SelectOne, Value::String(s)) => out.push(text(s)),
            (FieldType::SelectMultiple, Value::Array(items)) => {
                out.extend(items.iter().filter_map(Value::as_str).map(text));
            }
            (FieldType::YesNo, Value::Bool(b)) => out.push(text(if *b { "yes" } else { "no" })),
            (FieldType::Integer | FieldType::Decimal, Value::Number(n)) => {
                out.push(IndexedValue {
                    field: field.name.clone(),
                    text: None,
                    num: n.as_f64(),
                });
            }
            (FieldType::Date, Value::String(s)) => {
                out.push(IndexedValue {
                    field: field.name.clone(),
                    text: Some(s.clone()),
                    num: epoch_days(s),
                });
            }
            (FieldType::Datetime, Value::String(s)) => {
                out.push(IndexedValue {
                    field: field.name.clone(),
                    text: Some(s.clone()),
                    num: epoch_days(s),
                });
            }
            _ => {}
        }
    }
    out
}

/// Every piece of answer text, normalised for search (NFKC, katakana, no spaces), joined.
pub fn search_text(answers: &Map<String, Value>) -> String {
    fn walk(v: &Value, key: Option<&str>, out: &mut Vec<String>) {
        match v {
            Value::String(s) if key != Some("id") && key != Some("content_type") => {
                out.push(search_key(s));
            }
            Value::Number(n) => out.push(n.to_string()),
            Value::Array(items) => items.iter().for_each(|i| walk(i, None, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, Some(k), out)),
            _ => {}
        }
    }
    let mut parts = Vec::new();
    for (k, v) in answers {
        walk(v, Some(k), &mut parts);
    }
    let mut text = parts.join(" ");
    if let Some((cut, _)) = text.char_indices().nth(SEARCH_TEXT_CHARS) {
        text.truncate(cut);
    }
    text
}
