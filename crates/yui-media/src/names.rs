//! Display names for uploaded files. The name a resident's device sent may contain paths,
//! control or bidirectional-override characters (which can disguise `gpj.exe` as `exe.jpg`),
//! reserved characters or be absurdly long; what is kept is safe to show and to put into a
//! `Content-Disposition` header. Storage keys never come from names.

/// The longest display name kept, in characters (without extension).
const MAX_STEM: usize = 80;

/// A safe display name: last path component, no control, format or reserved characters,
/// trimmed, at most 80 characters before the extension; `file` if nothing is left.
pub fn sanitize_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_format_char(*c) && !"<>:\"|?*".contains(*c))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return "file".to_owned();
    }
    let (stem, ext) = split_extension(cleaned);
    let stem: String = stem.chars().take(MAX_STEM).collect();
    match ext {
        Some(e) => format!("{}.{e}", stem.trim_end()),
        None => stem.trim_end().to_owned(),
    }
}

/// Characters that change how text is displayed without being visible themselves.
fn is_format_char(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}')
}

fn split_extension(name: &str) -> (&str, Option<&str>) {
    match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            (stem, Some(ext))
        }
        _ => (name, None),
    }
}

/// The name with the extension that matches what the file really is.
pub(crate) fn with_extension(name: &str, content_type: &str) -> String {
    let ext = match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "application/pdf" => "pdf",
        _ => "bin",
    };
    let (stem, _) = split_extension(name);
    format!("{stem}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_dropped() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\Users\\山田\\写真.jpg"), "写真.jpg");
        assert_eq!(sanitize_filename("/"), "file");
        assert_eq!(sanitize_filename(".."), "file");
    }

    #[test]
    fn control_and_direction_characters_are_removed() {
        assert_eq!(
            sanitize_filename("invoice\u{202E}gpj.exe"),
            "invoicegpj.exe"
        );
        assert_eq!(sanitize_filename("a\u{0}b\nc.pdf"), "abc.pdf");
        assert_eq!(sanitize_filename("\u{FEFF}.hidden.png"), "hidden.png");
    }

    #[test]
    fn long_names_are_shortened_but_keep_their_extension() {
        let long = format!("{}.pdf", "あ".repeat(300));
        let s = sanitize_filename(&long);
        assert!(s.ends_with(".pdf"));
        assert_eq!(s.chars().count(), 84);
    }

    #[test]
    fn the_extension_follows_the_content() {
        assert_eq!(
            with_extension("report.exe", "application/pdf"),
            "report.pdf"
        );
        assert_eq!(with_extension("写真", "image/jpeg"), "写真.jpg");
        assert_eq!(
            with_extension("photo.heic.png", "image/jpeg"),
            "photo.heic.jpg"
        );
    }
}
