//! E-mail addresses as residents type them on Japanese keyboards: full-width letters and `＠`
//! from the IME are narrowed, then the address is checked for a plain `local@domain` shape.
//!
//! Yui accepts what mail systems deliver to in practice: a dot-atom local part (RFC 5322
//! without quoted strings or comments) and a host name of at least two labels. The old
//! carrier addresses with `..` or a dot before `@` are refused, as are international domain
//! names not written in their `xn--` form.

use crate::japan::text::{nfkc, quote_char};

/// The longest address a mail system can route (RFC 5321 path limit less the brackets).
const MAX_ADDRESS: usize = 254;
/// The longest local part (RFC 5321).
const MAX_LOCAL: usize = 64;
/// The longest domain label (RFC 1035).
const MAX_LABEL: usize = 63;

/// Why a text is not a usable e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("no e-mail address was given")]
    Empty,
    #[error("an e-mail address has at most {MAX_ADDRESS} characters, not {length}")]
    TooLong { length: usize },
    #[error("an e-mail address needs an @")]
    MissingAt,
    #[error("an e-mail address has only one @")]
    MultipleAt,
    #[error("{character:?} cannot appear in an e-mail address")]
    InvalidCharacter { character: char },
    #[error("the part before @ is empty, too long, or has a misplaced dot")]
    InvalidLocalPart,
    #[error("the part after @ is not a domain name")]
    InvalidDomain,
}

impl EmailError {
    /// A stable code that support desks can quote.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "email.empty",
            Self::TooLong { .. } => "email.too_long",
            Self::MissingAt
            | Self::MultipleAt
            | Self::InvalidCharacter { .. }
            | Self::InvalidLocalPart
            | Self::InvalidDomain => "email.invalid",
        }
    }

    /// The message shown to a resident, in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            Self::Empty => "メールアドレスを入力してください。".to_owned(),
            Self::TooLong { .. } => {
                format!("メールアドレスが長すぎます（{MAX_ADDRESS}文字までです）。")
            }
            Self::MissingAt => {
                "メールアドレスに「@」がありません。「taro@example.jp」のように入力してください。"
                    .to_owned()
            }
            Self::MultipleAt => {
                "メールアドレスに「@」が2つ以上あります。1つだけにしてください。".to_owned()
            }
            Self::InvalidCharacter { character } if character.is_whitespace() => {
                "メールアドレスに空白は入れられません。".to_owned()
            }
            Self::InvalidCharacter { character } => format!(
                "メールアドレスに「{}」は使えません。半角の英数字と記号で入力してください。",
                quote_char(*character)
            ),
            Self::InvalidLocalPart => "「@」より前の部分が正しくありません。\
                 先頭や末尾の「.」、続けて2つの「..」は使えません。"
                .to_owned(),
            Self::InvalidDomain => "「@」より後の部分が正しくありません。\
                 「example.jp」のような形になっているかご確認ください。"
                .to_owned(),
        }
    }

    /// The message shown to a resident, in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::Empty => "Please enter an e-mail address.".to_owned(),
            Self::TooLong { .. } => {
                format!("The e-mail address is too long (at most {MAX_ADDRESS} characters).")
            }
            Self::MissingAt => {
                "The e-mail address has no \u{201C}@\u{201D}. Please enter it like taro@example.jp."
                    .to_owned()
            }
            Self::MultipleAt => {
                "The e-mail address has more than one \u{201C}@\u{201D}.".to_owned()
            }
            Self::InvalidCharacter { character } if character.is_whitespace() => {
                "An e-mail address cannot contain spaces.".to_owned()
            }
            Self::InvalidCharacter { character } => format!(
                "\u{201C}{}\u{201D} cannot be used in an e-mail address.",
                quote_char(*character)
            ),
            Self::InvalidLocalPart => "The part before \u{201C}@\u{201D} is not valid: it cannot \
                 start or end with a dot or contain two dots in a row."
                .to_owned(),
            Self::InvalidDomain => "The part after \u{201C}@\u{201D} is not valid. Please check \
                 that it looks like example.jp."
                .to_owned(),
        }
    }
}

/// Normalises and checks an e-mail address: NFKC (so `ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ` works), the
/// ideographic full stop `。` read as `.`, spaces at the ends trimmed, and the domain
/// lower-cased. The local part keeps its case, since a few mail systems distinguish it.
pub fn normalize_email(input: &str) -> Result<String, EmailError> {
    let text: String = nfkc(input)
        .chars()
        .map(|c| if c == '\u{3002}' { '.' } else { c })
        .collect();
    let text = text.trim();
    if text.is_empty() {
        return Err(EmailError::Empty);
    }
    let length = text.chars().count();
    if length > MAX_ADDRESS {
        return Err(EmailError::TooLong { length });
    }
    let mut parts = text.split('@');
    let (Some(local), Some(domain)) = (parts.next(), parts.next()) else {
        return Err(EmailError::MissingAt);
    };
    if parts.next().is_some() {
        return Err(EmailError::MultipleAt);
    }
    check_local_part(local)?;
    let domain = domain.to_ascii_lowercase();
    check_domain(&domain)?;
    Ok(format!("{local}@{domain}"))
}

fn check_local_part(local: &str) -> Result<(), EmailError> {
    if let Some(character) = local.chars().find(|c| !is_atext(*c) && *c != '.') {
        return Err(EmailError::InvalidCharacter { character });
    }
    let well_formed = !local.is_empty()
        && local.len() <= MAX_LOCAL
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    if well_formed {
        Ok(())
    } else {
        Err(EmailError::InvalidLocalPart)
    }
}

fn check_domain(domain: &str) -> Result<(), EmailError> {
    if let Some(character) = domain
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.')))
    {
        return Err(EmailError::InvalidCharacter { character });
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let labels_ok = labels.iter().all(|label| {
        !label.is_empty()
            && label.len() <= MAX_LABEL
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    // A numeric top-level label means an IP address, which residents never mean to give.
    let top_level_ok = labels
        .last()
        .is_some_and(|top| !top.chars().all(|c| c.is_ascii_digit()));
    if labels.len() >= 2 && labels_ok && top_level_ok {
        Ok(())
    } else {
        Err(EmailError::InvalidDomain)
    }
}

/// RFC 5322 `atext`: letters, digits and the symbols allowed unquoted in a local part.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn addresses_are_narrowed_trimmed_and_their_domain_lower_cased() {
        let cases = [
            ("taro@example.jp", "taro@example.jp"),
            ("Taro.Yamada@Example.CO.JP", "Taro.Yamada@example.co.jp"),
            ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp"),
            ("ＴＡＲＯ＠ＥＸＡＭＰＬＥ．ＪＰ", "TARO@example.jp"),
            ("taro@example。jp", "taro@example.jp"),
            ("taro@example｡jp", "taro@example.jp"),
            ("  taro@example.jp\u{3000}", "taro@example.jp"),
            (
                "taro+news@mail.example.co.jp",
                "taro+news@mail.example.co.jp",
            ),
            ("o'brien@example.com", "o'brien@example.com"),
            (
                "a!#$%&'*+/=?^_`{|}~-@example.jp",
                "a!#$%&'*+/=?^_`{|}~-@example.jp",
            ),
            (
                "taro@xn--eckwd4c7c.xn--zckzah",
                "taro@xn--eckwd4c7c.xn--zckzah",
            ),
            ("taro@sub-domain.example.jp", "taro@sub-domain.example.jp"),
            ("taro@1example.jp", "taro@1example.jp"),
            ("t@e.j", "t@e.j"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_email(input), Ok(expected.to_owned()), "{input}");
        }
    }

    #[test]
    fn malformed_addresses_are_refused_with_a_reason() {
        let long_local = format!("{}@example.jp", "a".repeat(65));
        let long_label = format!("taro@{}.jp", "a".repeat(64));
        let cases = [
            ("", EmailError::Empty),
            ("　", EmailError::Empty),
            ("taroexample.jp", EmailError::MissingAt),
            ("taro@@example.jp", EmailError::MultipleAt),
            ("a@b@example.jp", EmailError::MultipleAt),
            (
                "taro yamada@example.jp",
                EmailError::InvalidCharacter { character: ' ' },
            ),
            (
                "taro@example .jp",
                EmailError::InvalidCharacter { character: ' ' },
            ),
            (
                "山田@example.jp",
                EmailError::InvalidCharacter { character: '山' },
            ),
            (
                "taro@例え.jp",
                EmailError::InvalidCharacter { character: '例' },
            ),
            (
                "\"taro\"@example.jp",
                EmailError::InvalidCharacter { character: '"' },
            ),
            (
                "taro@[192.168.0.1]",
                EmailError::InvalidCharacter { character: '[' },
            ),
            (
                "taro@exa_mple.jp",
                EmailError::InvalidCharacter { character: '_' },
            ),
            (
                "taro(x)@example.jp",
                EmailError::InvalidCharacter { character: '(' },
            ),
            ("@example.jp", EmailError::InvalidLocalPart),
            (".taro@example.jp", EmailError::InvalidLocalPart),
            ("taro.@example.jp", EmailError::InvalidLocalPart),
            ("ta..ro@example.jp", EmailError::InvalidLocalPart),
            (long_local.as_str(), EmailError::InvalidLocalPart),
            ("taro@", EmailError::InvalidDomain),
            ("taro@localhost", EmailError::InvalidDomain),
            ("taro@example..jp", EmailError::InvalidDomain),
            ("taro@.example.jp", EmailError::InvalidDomain),
            ("taro@example.jp.", EmailError::InvalidDomain),
            ("taro@-example.jp", EmailError::InvalidDomain),
            ("taro@example-.jp", EmailError::InvalidDomain),
            ("taro@192.168.0.1", EmailError::InvalidDomain),
            (long_label.as_str(), EmailError::InvalidDomain),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_email(input), Err(expected), "{input}");
        }
    }

    #[test]
    fn addresses_longer_than_254_characters_are_refused() {
        let label = "a".repeat(60);
        let fits = format!("taro@{label}.{label}.{label}.{}.jp", "a".repeat(63));
        assert_eq!(fits.len(), 254);
        assert_eq!(normalize_email(&fits), Ok(fits.clone()));
        let too_long = format!("{fits}p");
        assert_eq!(
            normalize_email(&too_long),
            Err(EmailError::TooLong { length: 255 })
        );
    }

    #[test]
    fn every_error_has_a_code_and_both_messages() {
        let errors = [
            EmailError::Empty,
            EmailError::TooLong { length: 300 },
            EmailError::MissingAt,
            EmailError::MultipleAt,
            EmailError::InvalidCharacter { character: '山' },
            EmailError::InvalidCharacter { character: ' ' },
            EmailError::InvalidLocalPart,
            EmailError::InvalidDomain,
        ];
        for error in errors {
            assert!(error.code().starts_with("email."));
            assert!(!error.message_ja().is_empty() && !error.message_en().is_empty());
        }
        assert_eq!(
            EmailError::InvalidCharacter { character: ' ' }.message_ja(),
            "メールアドレスに空白は入れられません。"
        );
    }

    proptest! {
        #[test]
        fn normalizing_never_panics_and_is_stable(text in any::<String>()) {
            if let Ok(address) = normalize_email(&text) {
                prop_assert!(address.len() <= MAX_ADDRESS);
                prop_assert_eq!(normalize_email(&address), Ok(address.clone()));
            }
        }

        #[test]
        fn simple_addresses_are_accepted_unchanged(
            address in "[a-z0-9]{1,20}(\\.[a-z0-9_+-]{1,10})?@[a-z0-9]{1,20}\\.(jp|com|co\\.jp)"
        ) {
            prop_assert_eq!(normalize_email(&address), Ok(address.clone()));
        }
    }
}
