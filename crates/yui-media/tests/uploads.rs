//! The upload corpus: each hostile or awkward file is refused or neutralised.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::{ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use yui_media::{Limits, MediaError, process, sniff};

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
        .unwrap();
    out
}

fn png_with_alpha(width: u32, height: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(width, height, |_, _| Rgba([10, 20, 30, 100]));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

fn rational(n: u32) -> Rational {
    Rational { num: n, denom: 1 }
}

/// A JPEG whose EXIF holds a GPS position (小国町役場: 33°07'N 131°04'E) and an orientation.
fn jpeg_with_exif(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let fields = [
        Field {
            tag: Tag::Orientation,
            ifd_num: In::PRIMARY,
            value: Value::Short(vec![orientation]),
        },
        Field {
            tag: Tag::GPSLatitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"N".to_vec()]),
        },
        Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![rational(33), rational(7), rational(30)]),
        },
        Field {
            tag: Tag::GPSLongitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"E".to_vec()]),
        },
        Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![rational(131), rational(4), rational(12)]),
        },
    ];
    let mut writer = Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let plain = jpeg(width, height);
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(2 + 6 + tiff.len()).unwrap().to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&plain[2..]);
    out
}

fn limits() -> Limits {
    Limits::default_for_field()
}

fn has_exif(bytes: &[u8]) -> bool {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .is_ok()
}

#[test]
fn a_photo_loses_its_gps_position_unless_the_field_keeps_location() {
    let photo = jpeg_with_exif(64, 32, 1);
    assert!(has_exif(&photo), "the fixture carries EXIF");
    let stored = process("IMG_0001.JPG", &photo, &limits()).unwrap();
    assert_eq!(stored.content_type, "image/jpeg");
    assert!(
        !has_exif(&stored.bytes),
        "no EXIF at all in the stored file"
    );
    assert_eq!(stored.location, None);

    let keep = Limits {
        keep_location: true,
        ..limits()
    };
    let stored = process("IMG_0001.JPG", &photo, &keep).unwrap();
    assert!(!has_exif(&stored.bytes), "the image itself is still clean");
    let (lat, lon) = stored.location.expect("the position is kept as data");
    assert!((lat - 33.125).abs() < 1e-9, "{lat}");
    assert!((lon - 131.07).abs() < 1e-9, "{lon}");
}

#[test]
fn a_sideways_photo_is_stored_upright() {
    let stored = process("tilted.jpg", &jpeg_with_exif(40, 20, 6), &limits()).unwrap();
    assert_eq!(
        stored.dimensions,
        Some((20, 40)),
        "orientation 6 turns it a quarter"
    );
}

#[test]
fn large_photos_are_downscaled() {
    let stored = process("big.jpg", &jpeg(4000, 1000), &limits()).unwrap();
    assert_eq!(stored.dimensions, Some((2048, 512)));
}

#[test]
fn transparency_is_kept_as_png() {
    let stored = process("logo.png", &png_with_alpha(8, 8), &limits()).unwrap();
    assert_eq!(stored.content_type, "image/png");
    assert_eq!(stored.name, "logo.png");
}

#[test]
fn a_png_html_polyglot_is_neutralised() {
    let mut polyglot = png_with_alpha(4, 4);
    polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let stored = process("image.png", &polyglot, &limits()).unwrap();
    assert!(
        !stored.bytes.windows(7).any(|w| w == b"<script"),
        "appended HTML is gone"
    );
}

#[test]
fn svg_html_text_archives_and_eicar_are_refused() {
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let html = b"<!doctype html><html><body>hi</body></html>";
    let eicar = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00rest-of-a-zip";
    for (name, bytes) in [
        ("a.svg", &svg[..]),
        ("a.html", &html[..]),
        ("eicar.com", &eicar[..]),
        ("doc.docx", &zip[..]),
    ] {
        let result = process(name, bytes, &limits());
        assert!(
            matches!(result, Err(MediaError::TypeNotAllowed { .. })),
            "{name}: {result:?}"
        );
    }
}

#[test]
fn the_declared_name_does_not_decide_the_type() {
    let stored = process("report.pdf", &jpeg(10, 10), &limits()).unwrap();
    assert_eq!(stored.content_type, "image/jpeg");
    assert_eq!(stored.name, "report.jpg");
    let pdf_only = Limits {
        accept: vec!["application/pdf".into()],
        ..limits()
    };
    assert_eq!(
        process("report.pdf", &jpeg(10, 10), &pdf_only),
        Err(MediaError::TypeNotAllowed {
            found: Some("image/jpeg")
        })
    );
}

#[test]
fn pdfs_are_stored_as_they_are() {
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let stored = process(
        "診断書.pdf",
        pdf,
        &Limits {
            accept: vec!["application/pdf".into(), "image/*".into()],
            ..limits()
        },
    )
    .unwrap();
    assert_eq!(stored.content_type, "application/pdf");
    assert_eq!(stored.bytes, pdf.to_vec());
    assert_eq!(stored.name, "診断書.pdf");
    assert_eq!(stored.sha256.len(), 64);
}

#[test]
fn empty_and_oversized_files_are_refused_with_the_limit() {
    assert_eq!(process("a.jpg", b"", &limits()), Err(MediaError::Empty));
    let small = Limits {
        max_bytes: 1024 * 1024,
        ..limits()
    };
    let huge = vec![0xFFu8; 2 * 1024 * 1024];
    assert_eq!(
        process("a.jpg", &huge, &small),
        Err(MediaError::TooLarge { max_mb: 1 })
    );
    assert!(
        MediaError::TooLarge { max_mb: 1 }
            .message_ja("画像")
            .contains("1MB以下")
    );
}

#[test]
fn a_decompression_bomb_fails_fast() {
    // A tiny PNG header that claims 100,000 × 100,000 pixels.
    let mut png = Vec::new();
    png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&[0, 0, 0, 0]); // CRC (ignored or wrong: either way refused)
    let result = process("bomb.png", &png, &limits());
    assert!(
        matches!(
            result,
            Err(MediaError::ImageTooLarge | MediaError::Unreadable)
        ),
        "{result:?}"
    );
}

#[test]
fn sniffing_knows_only_the_allowed_types() {
    assert_eq!(sniff(&jpeg(2, 2)), Some("image/jpeg"));
    assert_eq!(sniff(b"GIF89a......"), Some("image/gif"));
    assert_eq!(sniff(b"MZ\x90\x00"), None);
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
        let _ = process("x", &bytes, &limits());
    }

    #[test]
    fn arbitrary_names_become_safe_names(name in "\\PC{0,300}") {
        let safe = yui_media::sanitize_filename(&name);
        proptest::prop_assert!(!safe.is_empty());
        proptest::prop_assert!(!safe.contains(['/', '\\', '\0']));
        proptest::prop_assert!(!safe.chars().any(char::is_control));
        proptest::prop_assert!(safe.chars().count() <= 86);
    }
}
