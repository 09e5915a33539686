//! Signed app packages: how apps travel between towns (横展開).
//!
//! A package is one JSON file holding an app's definition (with its workflow and notification
//! texts) and metadata — author town and code, version, changelog, licence — and never any
//! submission. The `package` object is signed with the publishing instance's ed25519 key over
//! its canonical JSON (object keys sorted, no insignificant whitespace), so any change to the
//! file is detected, and the key tells where it came from.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Yui;
use crate::error::CoreError;

pub const FORMAT: &str = "yui-package";
pub const FORMAT_VERSION: u32 = 1;

/// Who published a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// The town's name, e.g. 小国町.
    pub town: String,
    /// The town's 全国地方公共団体コード.
    pub code: String,
    /// The publishing instance's base URL, when it has a public catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangelogEntry {
    pub version: u32,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub summary: String,
}

/// What is signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageManifest {
    /// Stable across versions: `<author code>/<app id>`, e.g. `434248/play-room-booking`.
    pub id: String,
    pub version: u32,
    pub title: serde_json::Value,
    pub author: Author,
    /// An SPDX identifier, e.g. `CC-BY-4.0`.
    pub licence: String,
    pub changelog: Vec<ChangelogEntry>,
    /// RFC 3339.
    pub published_at: String,
    /// The app definition (JSON form), including workflow and notification texts.
    pub definition: serde_json::Value,
}

/// A package whose signature has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedPackage {
    pub manifest: PackageManifest,
    pub public_key: [u8; 32],
}

impl VerifiedPackage {
    /// A short, stable name for the signing key, shown to staff as the package's origin.
    pub fn key_fingerprint(&self) -> String {
        fingerprint(&self.public_key)
    }
}

/// `ed25519:` and the first 16 bytes of the key's SHA-256, in hex.
pub fn fingerprint(public_key: &[u8; 32]) -> String {
    let digest = Sha256::digest(public_key);
    format!("ed25519:{}", crate::token::hex(&digest[..16]))
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    format_version: u32,
    package: serde_json::Value,
    signature: SignatureBlock,
}

/// An ed25519 signature over the canonical JSON of a value, with the key that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureBlock {
    pub algorithm: String,
    /// The signer's public key, base64.
    pub public_key: String,
    /// The signature, base64.
    pub value: String,
}

/// Why a file is not an acceptable package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageError {
    #[error("this is not a Yui package")]
    NotAPackage,
    #[error("package format version {0} is newer than this Yui understands")]
    UnsupportedVersion(u32),
    #[error("the package's signature does not match its contents: it was changed after signing")]
    BadSignature,
    #[error("the package is malformed: {0}")]
    Malformed(String),
}

impl PackageError {
    pub fn code(&self) -> &'static str {
        match self {
            PackageError::NotAPackage => "package.not_a_package",
            PackageError::UnsupportedVersion(_) => "package.unsupported_version",
            PackageError::BadSignature => "package.bad_signature",
            PackageError::Malformed(_) => "package.malformed",
        }
    }
}

/// JSON with object keys sorted and no whitespace: the bytes that are signed.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(k) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The instance's signing key.
#[derive(Clone)]
pub struct InstanceKey(SigningKey);

impl std::fmt::Debug for InstanceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InstanceKey({})", self.fingerprint())
    }
}

impl InstanceKey {
    pub fn generate() -> Result<Self, CoreError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| CoreError::Internal(format!("random source: {e}")))?;
        Ok(Self(SigningKey::from_bytes(&seed)))
    }

    pub fn from_secret_base64(text: &str) -> Result<Self, CoreError> {
        let bytes = STANDARD
            .decode(text)
            .map_err(|e| CoreError::Internal(format!("stored instance key: {e}")))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CoreError::Internal("stored instance key has the wrong length".into()))?;
        Ok(Self(SigningKey::from_bytes(&seed)))
    }

    pub fn secret_base64(&self) -> String {
        STANDARD.encode(self.0.to_bytes())
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key())
    }

    /// The public key, base64 (as written in signature blocks and catalogs).
    pub fn public_key_base64(&self) -> String {
        STANDARD.encode(self.public_key())
    }

    /// Signs the canonical JSON of `value`.
    pub fn sign_value(&self, value: &serde_json::Value) -> SignatureBlock {
        let signature = self.0.sign(canonical_json(value).as_bytes());
        SignatureBlock {
            algorithm: "ed25519".into(),
            public_key: self.public_key_base64(),
            value: STANDARD.encode(signature.to_bytes()),
        }
    }

    /// The package file for a manifest, signed with this key.
    pub fn sign(&self, manifest: &PackageManifest) -> Result<String, CoreError> {
        let package =
            serde_json::to_value(manifest).map_err(|e| CoreError::Internal(e.to_string()))?;
        let signature = self.sign_value(&package);
        let envelope = Envelope {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            package,
            signature,
        };
        serde_json::to_string_pretty(&envelope).map_err(|e| CoreError::Internal(e.to_string()))
    }

    /// Another kind of signed document (a catalog, an adoption notice):
    /// `{format, format_version: 1, <body_key>: body, signature}`.
    pub fn sign_document(
        &self,
        format: &str,
        body_key: &str,
        body: serde_json::Value,
    ) -> Result<String, CoreError> {
        let signature = serde_json::to_value(self.sign_value(&body))
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        let document = serde_json::json!({
            "format": format,
            "format_version": 1,
            body_key: body,
            "signature": signature,
        });
        serde_json::to_string_pretty(&document).map_err(|e| CoreError::Internal(e.to_string()))
    }
}

/// Checks a signature block over `value`; returns the signer's public key.
pub fn verify_value(
    value: &serde_json::Value,
    block: &SignatureBlock,
) -> Result<[u8; 32], PackageError> {
    if block.algorithm != "ed25519" {
        return Err(PackageError::Malformed(format!(
            "unknown signature algorithm {:?}",
            block.algorithm
        )));
    }
    let key_bytes = public_key_from_base64(&block.public_key)
        .ok_or_else(|| PackageError::Malformed("public key".into()))?;
    let sig_bytes: [u8; 64] = STANDARD
        .decode(&block.value)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| PackageError::Malformed("signature".into()))?;
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| PackageError::Malformed("public key".into()))?;
    key.verify_strict(
        canonical_json(value).as_bytes(),
        &Signature::from_bytes(&sig_bytes),
    )
    .map_err(|_| PackageError::BadSignature)?;
    Ok(key_bytes)
}

/// A public key from its base64 form, if it has the right length.
pub fn public_key_from_base64(text: &str) -> Option<[u8; 32]> {
    STANDARD.decode(text).ok().and_then(|b| b.try_into().ok())
}

/// Reads a signed document written by [`InstanceKey::sign_document`] and checks its
/// signature; returns the body and the signer's public key.
pub fn verify_document(
    text: &str,
    format: &str,
    body_key: &str,
) -> Result<(serde_json::Value, [u8; 32]), PackageError> {
    let mut value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| PackageError::NotAPackage)?;
    if value.get("format").and_then(|f| f.as_str()) != Some(format) {
        return Err(PackageError::NotAPackage);
    }
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| PackageError::Malformed("format_version".into()))?;
    if version > 1 {
        return Err(PackageError::UnsupportedVersion(
            u32::try_from(version).unwrap_or(u32::MAX),
        ));
    }
    let block: SignatureBlock = serde_json::from_value(
        value
            .get("signature")
            .cloned()
            .ok_or_else(|| PackageError::Malformed("signature".into()))?,
    )
    .map_err(|e| PackageError::Malformed(e.to_string()))?;
    let body = value
        .get_mut(body_key)
        .map(serde_json::Value::take)
        .ok_or_else(|| PackageError::Malformed(body_key.to_owned()))?;
    let key = verify_value(&body, &block)?;
    Ok((body, key))
}

/// Reads a package file and checks its signature.
pub fn verify(text: &str) -> Result<VerifiedPackage, PackageError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| PackageError::NotAPackage)?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(PackageError::NotAPackage);
    }
    let envelope: Envelope =
        serde_json::from_value(value).map_err(|e| PackageError::Malformed(e.to_string()))?;
    if envelope.format_version > FORMAT_VERSION {
        return Err(PackageError::UnsupportedVersion(envelope.format_version));
    }
    let key_bytes = verify_value(&envelope.package, &envelope.signature)?;
    let manifest: PackageManifest = serde_json::from_value(envelope.package)
        .map_err(|e| PackageError::Malformed(e.to_string()))?;
    Ok(VerifiedPackage {
        manifest,
        public_key: key_bytes,
    })
}

impl Yui {
    /// The instance's signing key, created on first use.
    pub async fn instance_key(&self) -> Result<InstanceKey, CoreError> {
        if let Some(secret) = self.store().instance_key_secret().await? {
            return InstanceKey::from_secret_base64(&secret);
        }
        let fresh = InstanceKey::generate()?;
        // Two nodes may race; the store keeps the first and both read it back.
        self.store()
            .save_instance_key_secret(&fresh.secret_base64(), self.clock().now())
            .await?;
        let stored = self
            .store()
            .instance_key_secret()
            .await?
            .ok_or_else(|| CoreError::Internal("instance key was not stored".into()))?;
        InstanceKey::from_secret_base64(&stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> PackageManifest {
        PackageManifest {
            id: "434248/play-room-booking".into(),
            version: 3,
            title: serde_json::json!({ "ja": "プレイルーム利用申込", "en": "Play room booking" }),
            author: Author {
                town: "小国町".into(),
                code: "434248".into(),
                catalog: None,
            },
            licence: "CC-BY-4.0".into(),
            changelog: vec![ChangelogEntry {
                version: 3,
                date: "2026-11-01".into(),
                summary: "質問を追加".into(),
            }],
            published_at: "2026-11-01T09:00:00+09:00".into(),
            definition: serde_json::json!({ "yui": 1, "id": "play-room-booking", "fields": [] }),
        }
    }

    #[test]
    fn a_signed_package_verifies_and_names_its_key() {
        let key = InstanceKey::generate().unwrap();
        let file = key.sign(&manifest()).unwrap();
        let verified = verify(&file).unwrap();
        assert_eq!(verified.manifest, manifest());
        assert_eq!(verified.key_fingerprint(), key.fingerprint());
        assert!(verified.key_fingerprint().starts_with("ed25519:"));
    }

    #[test]
    fn any_change_to_the_contents_breaks_the_signature() {
        let file = InstanceKey::generate().unwrap().sign(&manifest()).unwrap();
        for (from, to) in [
            ("プレイルーム", "ブレイルーム"),
            ("\"version\": 3", "\"version\": 4"),
            ("CC-BY-4.0", "MIT"),
        ] {
            let tampered = file.replacen(from, to, 1);
            assert_ne!(tampered, file, "{from}");
            assert_eq!(verify(&tampered), Err(PackageError::BadSignature), "{from}");
        }
    }

    #[test]
    fn re_signing_with_another_key_changes_the_origin() {
        let a = InstanceKey::generate().unwrap();
        let b = InstanceKey::generate().unwrap();
        let from_b = verify(&b.sign(&manifest()).unwrap()).unwrap();
        assert_ne!(from_b.key_fingerprint(), a.fingerprint());
    }

    #[test]
    fn reformatting_the_file_keeps_it_valid() {
        let file = InstanceKey::generate().unwrap().sign(&manifest()).unwrap();
        let compact =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&file).unwrap())
                .unwrap();
        assert!(
            verify(&compact).is_ok(),
            "whitespace and key order are not part of the signature"
        );
    }

    #[test]
    fn other_files_are_refused_clearly() {
        assert_eq!(verify("not json"), Err(PackageError::NotAPackage));
        assert_eq!(
            verify("{\"format\":\"zip\"}"),
            Err(PackageError::NotAPackage)
        );
        let file = InstanceKey::generate().unwrap().sign(&manifest()).unwrap();
        let future = file.replace("\"format_version\": 1", "\"format_version\": 9");
        assert_eq!(verify(&future), Err(PackageError::UnsupportedVersion(9)));
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = serde_json::json!({ "b": 1, "a": { "d": [2, {"z": 1, "y": 2}], "c": "x" } });
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"x","d":[2,{"y":2,"z":1}]},"b":1}"#
        );
    }

    #[test]
    fn other_signed_documents_verify_and_detect_changes() {
        let key = InstanceKey::generate().unwrap();
        let body = serde_json::json!({ "packages": [{ "id": "434248/a", "adoptions": 2 }] });
        let text = key
            .sign_document("yui-catalog", "catalog", body.clone())
            .unwrap();
        let (read, signer) = verify_document(&text, "yui-catalog", "catalog").unwrap();
        assert_eq!((read, signer), (body, key.public_key()));
        assert_eq!(
            verify_document(
                &text.replace("\"adoptions\": 2", "\"adoptions\": 20"),
                "yui-catalog",
                "catalog"
            ),
            Err(PackageError::BadSignature)
        );
        assert_eq!(
            verify_document(&text, "yui-adoption", "notice"),
            Err(PackageError::NotAPackage)
        );
    }

    #[test]
    fn a_key_survives_being_stored() {
        let k = InstanceKey::generate().unwrap();
        let back = InstanceKey::from_secret_base64(&k.secret_base64()).unwrap();
        assert_eq!(back.public_key(), k.public_key());
    }
}
