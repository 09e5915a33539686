//! Uploaded files, made safe before they are stored.
//!
//! - The type is sniffed from the content (magic bytes), never taken from the name or the
//!   browser's claim, and must be on the field's allow-list (default: JPEG, PNG, WebP, GIF,
//!   PDF). SVG, HTML, archives and executables are never accepted.
//! - Images are decoded, turned upright by their EXIF orientation, downscaled to a longest
//!   side of 2048 px and re-encoded. Re-encoding drops every metadata block (EXIF GPS
//!   included) and whatever was appended to the file (polyglots). When a field collects
//!   location, the GPS position is read first and returned as data.
//! - File names are reduced to a safe display name; storage keys never derive from them.
//!
//! Everything here is pure computation on bytes: no I/O.
#![forbid(unsafe_code)]

mod image_ops;
mod names;

use sha2::{Digest, Sha256};

pub use names::sanitize_filename;

/// The longest side of a stored image, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 2048;

/// What a field allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    /// MIME types or `type/*` patterns; empty means the default allow-list.
    pub accept: Vec<String>,
    /// Keep the photo's GPS position (as data; the stored image never carries EXIF).
    pub keep_location: bool,
}

impl Limits {
    /// The GOV.UK default of 7 MB, images and PDF.
    pub fn default_for_field() -> Self {
        Self {
            max_bytes: 7 * 1024 * 1024,
            accept: Vec::new(),
            keep_location: false,
        }
    }
}

/// Types Yui ever accepts, whatever a field says.
pub const ALLOWED: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "application/pdf",
];

/// A file ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessedFile {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    /// A safe name for display and download, with an extension matching the content.
    pub name: String,
    pub sha256: String,
    /// Pixel size of a stored image.
    pub dimensions: Option<(u32, u32)>,
    /// Latitude and longitude, when the field keeps location and the photo had them.
    pub location: Option<(f64, f64)>,
}

/// Why a file is refused; each has a stable code and a message for the resident.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {max_mb} MB")]
    TooLarge { max_mb: u64 },
    #[error("this kind of file is not accepted")]
    TypeNotAllowed { found: Option<&'static str> },
    #[error("the image cannot be read")]
    Unreadable,
    #[error("the image is too large to process")]
    ImageTooLarge,
}

impl MediaError {
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::Empty => "file.empty",
            MediaError::TooLarge { .. } => "file.too_large",
            MediaError::TypeNotAllowed { .. } => "file.type",
            MediaError::Unreadable => "file.unreadable",
            MediaError::ImageTooLarge => "file.image_too_large",
        }
    }

    pub fn message_ja(&self, accept_ja: &str) -> String {
        match self {
            MediaError::Empty => "ファイルが空です。別のファイルを選んでください。".into(),
            MediaError::TooLarge { max_mb } => {
                format!("ファイルの大きさは{max_mb}MB以下にしてください。")
            }
            MediaError::TypeNotAllowed { .. } => {
                format!("このファイルの種類は受け付けていません。{accept_ja}を選んでください。")
            }
            MediaError::Unreadable => {
                "画像を読み取れませんでした。別のファイルを選んでください。".into()
            }
            MediaError::ImageTooLarge => "画像が大きすぎます。縮小してから選んでください。".into(),
        }
    }

    pub fn message_en(&self, accept_en: &str) -> String {
        match self {
            MediaError::Empty => "The file is empty. Choose another file.".into(),
            MediaError::TooLarge { max_mb } => format!("The file must be {max_mb} MB or smaller."),
            MediaError::TypeNotAllowed { .. } => {
                format!("This kind of file is not accepted. Choose {accept_en}.")
            }
            MediaError::Unreadable => "The image could not be read. Choose another file.".into(),
            MediaError::ImageTooLarge => {
                "The image is too large. Make it smaller and try again.".into()
            }
        }
    }
}

/// The type of `bytes` by their content, if it is one Yui knows.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let kind = infer::get(bytes)?;
    ALLOWED.iter().copied().find(|m| *m == kind.mime_type())
}

fn accepts(accept: &[String], mime: &str) -> bool {
    if accept.is_empty() {
        return true;
    }
    accept.iter().any(|a| {
        let a = a.trim().to_ascii_lowercase();
        a == mime
            || a.strip_suffix("/*")
                .is_some_and(|top| mime.starts_with(&format!("{top}/")))
    })
}

/// Checks and cleans one uploaded file.
pub fn process(
    original_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<ProcessedFile, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.len() as u64 > limits.max_bytes {
        return Err(MediaError::TooLarge {
            max_mb: limits.max_bytes.div_ceil(1024 * 1024),
        });
    }
    let Some(mime) = sniff(bytes) else {
        return Err(MediaError::TypeNotAllowed { found: None });
    };
    if !accepts(&limits.accept, mime) {
        return Err(MediaError::TypeNotAllowed { found: Some(mime) });
    }
    let (bytes, content_type, dimensions, location) = if mime.starts_with("image/") {
        let location = if limits.keep_location {
            image_ops::gps_location(bytes)
        } else {
            None
        };
        let img = image_ops::clean(bytes)?;
        (img.bytes, img.content_type, Some(img.dimensions), location)
    } else {
        (bytes.to_vec(), mime, None, None)
    };
    let name = names::with_extension(&sanitize_filename(original_name), content_type);
    let sha256 = hex(&Sha256::digest(&bytes));
    Ok(ProcessedFile {
        bytes,
        content_type,
        name,
        sha256,
        dimensions,
        location,
    })
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| {
            [
                char::from(HEX[usize::from(b >> 4)]),
                char::from(HEX[usize::from(b & 15)]),
            ]
        })
        .collect()
}
