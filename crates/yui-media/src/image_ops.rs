//! Decoding, straightening, downscaling and re-encoding images, and reading their GPS
//! position. Decoding is bounded (dimensions and memory) so a decompression bomb fails fast.

use std::io::Cursor;

use exif::{In, Reader, Tag, Value};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader};

use crate::{MAX_IMAGE_SIDE, MediaError};

pub(crate) struct CleanImage {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub dimensions: (u32, u32),
}

fn decode_error(e: &ImageError) -> MediaError {
    match e {
        ImageError::Limits(_) => MediaError::ImageTooLarge,
        _ => MediaError::Unreadable,
    }
}

/// Decodes, applies the EXIF orientation, downscales and re-encodes without any metadata:
/// JPEG for opaque images, PNG when there is transparency.
pub(crate) fn clean(bytes: &[u8]) -> Result<CleanImage, MediaError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| MediaError::Unreadable)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| decode_error(&e))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| decode_error(&e))?;
    img.apply_orientation(orientation);
    if img.width() > MAX_IMAGE_SIDE || img.height() > MAX_IMAGE_SIDE {
        img = img.resize(MAX_IMAGE_SIDE, MAX_IMAGE_SIDE, FilterType::Triangle);
    }
    let dimensions = (img.width(), img.height());
    let mut out = Vec::new();
    let content_type = if img.color().has_alpha() {
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|_| MediaError::Unreadable)?;
        "image/png"
    } else {
        JpegEncoder::new_with_quality(&mut out, 85)
            .encode_image(&img.to_rgb8())
            .map_err(|_| MediaError::Unreadable)?;
        "image/jpeg"
    };
    Ok(CleanImage {
        bytes: out,
        content_type,
        dimensions,
    })
}

/// The photo's GPS position in decimal degrees, if its EXIF has one.
pub(crate) fn gps_location(bytes: &[u8]) -> Option<(f64, f64)> {
    let exif = Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()?;
    let coordinate = |value_tag: Tag, ref_tag: Tag, negative: u8| -> Option<f64> {
        let field = exif.get_field(value_tag, In::PRIMARY)?;
        let Value::Rational(parts) = &field.value else {
            return None;
        };
        let [d, m, s] = parts.as_slice() else {
            return None;
        };
        let degrees = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        let sign = match &exif.get_field(ref_tag, In::PRIMARY)?.value {
            Value::Ascii(v) if v.first().and_then(|x| x.first()) == Some(&negative) => -1.0,
            _ => 1.0,
        };
        degrees.is_finite().then_some(sign * degrees)
    };
    let lat = coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S')?;
    let lon = coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W')?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}
