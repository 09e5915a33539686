//! Yui's printed documents. Today: the handover manual (引き継ぎ書) of an app as an A4 PDF.
//!
//! Typesetting is Typst's (`typst-as-lib`, no package downloads): Japanese line breaking,
//! tables that continue across pages, page headers and numbers, and font subsetting. Fonts are
//! found on the server at run time ([`Fonts::discover`]), never built into the binary. This
//! crate is the only one that depends on Typst, so the rest of Yui builds without it.
#![forbid(unsafe_code)]

pub mod fonts;
pub mod manual;

pub use fonts::{DEFAULT_FONT_DIRS, FontError, Fonts};
pub use manual::{PdfError, TypstPrinter, render_manual, render_manual_in};
