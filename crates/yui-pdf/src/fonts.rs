//! Fonts for printed documents, loaded at run time from the server's font directories (never
//! built into the binary): only faces that can set Japanese are kept, in a preferred order of
//! families (BIZ UD, IPAex, IPA, Noto CJK…), which becomes the template's font fallback list.

use std::path::{Path, PathBuf};

use typst::foundations::Bytes;
use typst::text::Font;

/// Where Debian and most Linux systems keep fonts.
pub const DEFAULT_FONT_DIRS: &[&str] = &["/usr/share/fonts", "/usr/local/share/fonts"];

/// Japanese families in the order Yui prefers them: Universal-Design faces familiar from
/// Japanese offices first, then the free families Debian packages.
const PREFERRED_FAMILIES: &[&str] = &[
    "BIZ UDPGothic",
    "BIZ UDGothic",
    "IPAexGothic",
    "IPAPGothic",
    "IPAGothic",
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Source Han Sans JP",
    "BIZ UDPMincho",
    "BIZ UDMincho",
    "IPAexMincho",
    "IPAPMincho",
    "IPAMincho",
    "Noto Serif CJK JP",
    "IPAmjMincho",
];

/// Font files larger than this are not read (no Japanese font comes near it).
const MAX_FONT_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Directories are searched this deep (Debian's are two or three levels).
const MAX_DIR_DEPTH: usize = 8;

/// Characters a face must have to count as Japanese: hiragana, a kanji and katakana.
const JAPANESE_PROBES: [char; 3] = ['あ', '日', 'ア'];

/// No usable font was found; the message tells the operator what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FontError {
    #[error(
        "no Japanese font found in {searched}; install fonts-ipaexfont (apt-get install fonts-ipaexfont-gothic fonts-ipaexfont-mincho) or set YUI_FONT_DIR to a directory of Japanese fonts"
    )]
    NoJapaneseFont { searched: String },
}

/// The Japanese fonts found on this server. Loading reads the files once; keep one `Fonts`
/// for the life of the process and share it.
#[derive(Clone)]
pub struct Fonts {
    faces: Vec<Font>,
    families: Vec<String>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("faces", &self.faces.len())
            .field("families", &self.families)
            .finish()
    }
}

impl Fonts {
    /// Fonts from `font_dir` when given (the `pdf.font_dir` setting or `YUI_FONT_DIR`), else
    /// from the system's font directories.
    pub fn discover(font_dir: Option<&Path>) -> Result<Fonts, FontError> {
        match font_dir {
            Some(dir) => Fonts::from_dirs(&[dir.to_owned()]),
            None => Fonts::from_dirs(
                &DEFAULT_FONT_DIRS
                    .iter()
                    .map(PathBuf::from)
                    .collect::<Vec<_>>(),
            ),
        }
    }

    /// Every Japanese face under `dirs` (searched recursively). When a preferred family is
    /// among them, faces of other families are dropped to keep memory small.
    pub fn from_dirs(dirs: &[PathBuf]) -> Result<Fonts, FontError> {
        let mut files = Vec::new();
        for dir in dirs {
            font_files(dir, 0, &mut files);
        }
        files.sort();
        let mut faces: Vec<Font> = Vec::new();
        for file in files {
            let Ok(data) = std::fs::read(&file) else {
                tracing::debug!(font.path = %file.display(), "cannot read a font file");
                continue;
            };
            faces.extend(Font::iter(Bytes::new(data)).filter(is_japanese));
        }
        let preferred = |f: &Font| PREFERRED_FAMILIES.contains(&f.info().family.as_str());
        if faces.iter().any(preferred) {
            faces.retain(preferred);
        }
        let mut families: Vec<String> = Vec::new();
        for face in &faces {
            if !families.contains(&face.info().family) {
                families.push(face.info().family.clone());
            }
        }
        families.sort_by_key(|family| {
            PREFERRED_FAMILIES
                .iter()
                .position(|p| p == family)
                .unwrap_or(PREFERRED_FAMILIES.len())
        });
        if faces.is_empty() {
            return Err(FontError::NoJapaneseFont {
                searched: dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        tracing::info!(fonts.families = ?families, "loaded Japanese fonts for PDFs");
        Ok(Fonts { faces, families })
    }

    /// The families found, preferred first: the template's font list.
    pub fn families(&self) -> &[String] {
        &self.families
    }

    pub(crate) fn faces(&self) -> impl Iterator<Item = Font> + '_ {
        self.faces.iter().cloned()
    }
}

fn is_japanese(font: &Font) -> bool {
    JAPANESE_PROBES
        .iter()
        .all(|&c| font.info().coverage.contains(u32::from(c)))
}

/// Font files under `dir`, recursively; unreadable directories are skipped.
fn font_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DIR_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            font_files(&path, depth + 1, out);
        } else if meta.len() <= MAX_FONT_FILE_BYTES && is_font_file(&path) {
            out.push(path);
        }
    }
}

fn is_font_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "ttf" | "otf" | "ttc" | "otc"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_japanese_fonts_says_what_to_install() {
        let dir = std::env::temp_dir().join(format!("yui-no-fonts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let result = Fonts::from_dirs(std::slice::from_ref(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
        let message = result.unwrap_err().to_string();
        assert!(message.contains("install fonts-ipaexfont"), "{message}");
        assert!(message.contains("YUI_FONT_DIR"), "{message}");
    }

    #[test]
    fn only_font_files_are_read() {
        assert!(is_font_file(Path::new("/x/ipaexg.ttf")));
        assert!(is_font_file(Path::new("/x/NotoSansCJK-Regular.TTC")));
        assert!(!is_font_file(Path::new("/x/README")));
        assert!(!is_font_file(Path::new("/x/fonts.conf")));
    }
}
