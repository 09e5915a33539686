//! Japanese data conventions: municipality codes, and (as they arrive) kana, 和暦, phone
//! numbers and postal codes. Each submodule parses raw text into a checked value.

pub mod lg_code;

pub use lg_code::LgCode;
