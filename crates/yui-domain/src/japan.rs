//! Japanese data conventions: municipality codes, kana readings, 和暦 dates, phone numbers,
//! postal codes, e-mail addresses and the text helpers they share. Each submodule parses raw
//! text into a checked value; names and free text are never normalised for storage.

pub mod email;
pub mod kana;
pub mod lg_code;
pub mod phone;
pub mod postal;
pub mod text;
pub mod wareki;

pub use email::{EmailError, normalize_email};
pub use kana::{KanaError, is_katakana, normalize_katakana};
pub use lg_code::LgCode;
pub use phone::{PhoneError, PhoneKind, PhoneNumber};
pub use postal::{PostalCode, PostalError};
pub use wareki::{Era, WarekiError, era_of, format_wareki, parse_date};
