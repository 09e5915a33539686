//! CSV that Japanese Excel opens by double-click: UTF-8 with a byte order mark (the default), or
//! CP932 ("Shift_JIS" as Windows means it) for older systems. Records end in CRLF and fields
//! are quoted per RFC 4180 only where needed.
//!
//! CP932 cannot hold every character residents type (𠮷, emoji, variation selectors…). Yui
//! never replaces such a character silently: each one is reported (receipt number, column,
//! character), and only an explicit request replaces them with 〓 (geta).

use encoding_rs::{EncoderResult, SHIFT_JIS};

use super::table::{Cell, ExportTable};
use super::{ExportError, RowWriter};
use crate::review::InboxRow;

/// How many unencodable characters are listed one by one; the rest are only counted.
pub const MAX_LISTED_PROBLEMS: usize = 1000;

/// The byte order mark that tells Excel the file is UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A character CP932 cannot hold, and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unencodable {
    pub receipt_number: String,
    pub column: String,
    pub character: char,
}

impl Unencodable {
    /// `U+20BB7`.
    pub fn code_point(&self) -> String {
        format!("U+{:04X}", u32::from(self.character))
    }
}

/// Which bytes the CSV is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    Utf8Bom,
    /// `geta`: replace unencodable characters with 〓 (still reported).
    Cp932 {
        geta: bool,
    },
}

/// Writes rows as CSV records. A page of rows is split over two threads where the machine has
/// more than one core: CSV records are independent, and the halves are joined in order, so the
/// bytes are the same as from one thread.
pub struct CsvWriter {
    encoder: Encoder,
}

/// Pages shorter than this are written on one thread: starting a thread costs more than it
/// saves.
const SPLIT_ROWS: usize = 256;

/// What one thread needs to write records: the CSV writer over its own buffer, reused cells
/// and text, and the characters CP932 could not hold.
struct Encoder {
    encoding: CsvEncoding,
    writer: csv::Writer<Vec<u8>>,
    cells: Vec<Cell>,
    text: String,
    bytes: Vec<u8>,
    problems: Vec<Unencodable>,
    unencodable: u64,
}

/// A CSV writer appending to `buffer`: CRLF after each record, quotes only where needed.
fn writer_over(buffer: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(buffer)
}

fn page_buffer() -> Vec<u8> {
    // A page of 1,000 rows is about 430 KiB of CSV: room for it without growing.
    Vec::with_capacity(512 * 1024)
}

fn new_writer() -> csv::Writer<Vec<u8>> {
    writer_over(page_buffer())
}

fn write_error(e: impl std::fmt::Display) -> ExportError {
    ExportError::Write(format!("csv: {e}"))
}

impl CsvWriter {
    pub fn new(encoding: CsvEncoding) -> Self {
        Self {
            encoder: Encoder::new(encoding, new_writer()),
        }
    }

    /// The characters that could not be written in CP932 (the first [`MAX_LISTED_PROBLEMS`]).
    pub fn problems(&self) -> &[Unencodable] {
        &self.encoder.problems
    }
}

/// Whether this machine can run two encoders at once (asked once).
fn two_cores() -> bool {
    static CORES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

impl Encoder {
    fn new(encoding: CsvEncoding, writer: csv::Writer<Vec<u8>>) -> Self {
        Self {
            encoding,
            writer,
            cells: Vec::new(),
            text: String::new(),
            bytes: Vec::new(),
            problems: Vec::new(),
            unencodable: 0,
        }
    }

    /// Writes `rows` one after another.
    fn rows(mut self, table: &ExportTable, rows: &[InboxRow]) -> Result<Self, ExportError> {
        for row in rows {
            self.row(table, row)?;
        }
        Ok(self)
    }

    fn row(&mut self, table: &ExportTable, row: &InboxRow) -> Result<(), ExportError> {
        let mut cells = std::mem::take(&mut self.cells);
        table.fill(row, &mut cells);
        for (i, cell) in cells.iter().enumerate() {
            cell.write_text(&mut self.text);
            self.field(&row.receipt_number, i, table)?;
        }
        self.cells = cells;
        self.end_record()
    }

    /// Puts `later`'s records after this encoder's, and its problems after this one's.
    fn append(&mut self, later: Encoder) -> Result<(), ExportError> {
        let mut bytes = self.take_bytes(Vec::new())?;
        bytes.extend_from_slice(&later.writer.into_inner().map_err(write_error)?);
        self.writer = writer_over(bytes);
        let room = MAX_LISTED_PROBLEMS.saturating_sub(self.problems.len());
        self.problems.extend(later.problems.into_iter().take(room));
        self.unencodable += later.unencodable;
        Ok(())
    }

    /// The bytes written so far; `next` takes the records that follow.
    fn take_bytes(&mut self, next: Vec<u8>) -> Result<Vec<u8>, ExportError> {
        // `into_inner` flushes the writer's buffer.
        std::mem::replace(&mut self.writer, writer_over(next))
            .into_inner()
            .map_err(write_error)
    }

    /// Writes `self.text` as the next field.
    fn field(
        &mut self,
        receipt: &str,
        column: usize,
        table: &ExportTable,
    ) -> Result<(), ExportError> {
        match self.encoding {
            CsvEncoding::Utf8Bom => self.writer.write_field(self.text.as_bytes()),
            CsvEncoding::Cp932 { geta } => {
                let mut missing = Vec::new();
                encode_cp932(&self.text, &mut self.bytes, geta, |c| missing.push(c));
                for character in missing {
                    self.unencodable += 1;
                    if self.problems.len() < MAX_LISTED_PROBLEMS {
                        self.problems.push(Unencodable {
                            receipt_number: receipt.to_owned(),
                            column: table.header(column).to_owned(),
                            character,
                        });
                    }
                }
                self.writer.write_field(&self.bytes)
            }
        }
        .map_err(write_error)
    }

    fn end_record(&mut self) -> Result<(), ExportError> {
        self.writer.write_record(None::<&[u8]>).map_err(write_error)
    }
}

impl RowWriter for CsvWriter {
    fn begin(&mut self, table: &ExportTable) -> Result<(), ExportError> {
        let e = &mut self.encoder;
        if e.encoding == CsvEncoding::Utf8Bom {
            // The BOM goes before the first record, outside any field.
            e.writer = writer_over(UTF8_BOM.to_vec());
        }
        for (i, header) in table.headers().enumerate() {
            e.text.clear();
            e.text.push_str(header);
            e.field("", i, table)?;
        }
        e.end_record()
    }

    fn row(&mut self, table: &ExportTable, row: &InboxRow) -> Result<(), ExportError> {
        self.encoder.row(table, row)
    }

    fn rows(&mut self, table: &ExportTable, rows: &[InboxRow]) -> Result<(), ExportError> {
        if rows.len() < SPLIT_ROWS || !two_cores() {
            return rows.iter().try_for_each(|row| self.encoder.row(table, row));
        }
        let (first, second) = rows.split_at(rows.len() / 2);
        let helper = Encoder::new(
            self.encoder.encoding,
            writer_over(Vec::with_capacity(256 * 1024)),
        );
        let encoder = &mut self.encoder;
        let (mine, theirs) = std::thread::scope(|scope| {
            let spawned = std::thread::Builder::new()
                .name("yui-csv".into())
                .spawn_scoped(scope, move || helper.rows(table, second));
            match spawned {
                Ok(theirs) => {
                    let mine = first.iter().try_for_each(|row| encoder.row(table, row));
                    (mine, Some(theirs.join()))
                }
                // No thread to be had (the system's limit): the page is written on this one.
                Err(_) => (
                    rows.iter().try_for_each(|row| encoder.row(table, row)),
                    None,
                ),
            }
        });
        mine?;
        match theirs {
            Some(joined) => {
                let helper =
                    joined.map_err(|_| ExportError::Write("csv: an encoder stopped".into()))??;
                self.encoder.append(helper)
            }
            None => Ok(()),
        }
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        Ok(())
    }

    fn take_bytes(&mut self) -> Result<Vec<u8>, ExportError> {
        self.encoder.take_bytes(page_buffer())
    }

    fn unencodable(&self) -> u64 {
        self.encoder.unencodable
    }
}

/// Characters that Japanese input methods (notably on macOS) produce in their JIS form while
/// CP932 has only the Windows form: mapped before encoding, so they are not reported.
fn cp932_form(c: char) -> char {
    match c {
        '\u{301C}' => '\u{FF5E}', // 〜 WAVE DASH → ～ FULLWIDTH TILDE
        '\u{2016}' => '\u{2225}', // ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
        '\u{2212}' => '\u{FF0D}', // − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
        '\u{00A2}' => '\u{FFE0}', // ¢ → ￠
        '\u{00A3}' => '\u{FFE1}', // £ → ￡
        '\u{00AC}' => '\u{FFE2}', // ¬ → ￢
        '\u{2014}' => '\u{2015}', // — EM DASH → ― HORIZONTAL BAR
        other => other,
    }
}

/// The geta mark 〓 in CP932.
const GETA: [u8; 2] = [0x81, 0xAC];

/// Encodes `text` as CP932 into `out` (cleared first), calling `missing` for each character
/// CP932 has no code for; with `geta` such characters become 〓, otherwise they are left out.
pub fn encode_cp932(text: &str, out: &mut Vec<u8>, geta: bool, mut missing: impl FnMut(char)) {
    out.clear();
    let mapped: std::borrow::Cow<'_, str> = if text.chars().any(|c| cp932_form(c) != c) {
        text.chars().map(cp932_form).collect::<String>().into()
    } else {
        text.into()
    };
    let mut encoder = SHIFT_JIS.new_encoder();
    let mut src: &str = &mapped;
    loop {
        let need = encoder
            .max_buffer_length_from_utf8_without_replacement(src.len())
            .unwrap_or(src.len() * 2 + 16);
        let start = out.len();
        out.resize(start + need, 0);
        let (result, read, written) =
            encoder.encode_from_utf8_without_replacement(src, &mut out[start..], true);
        out.truncate(start + written);
        src = &src[read..];
        match result {
            EncoderResult::InputEmpty => break,
            EncoderResult::OutputFull => {}
            EncoderResult::Unmappable(c) => {
                missing(c);
                if geta {
                    out.extend_from_slice(&GETA);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use yui_domain::definition::Form;

    use super::*;
    use crate::export::ChoiceStyle;
    use crate::model::UserId;
    use crate::records::{AppId, AppVersionId, SubmissionId};

    /// A page of play-room bookings; every seventh family name is one CP932 cannot hold.
    fn page(rows: usize) -> (ExportTable, Vec<InboxRow>) {
        let form =
            Form::from_yaml(include_str!("../../../../templates/play-room-booking.yaml")).unwrap();
        let names = HashMap::from([(UserId(7), "佐藤 一郎".to_owned())]);
        let table = ExportTable::new(
            Arc::new(form),
            "play-room-booking",
            ChoiceStyle::Labels,
            names,
        );
        let rows = (1..=rows)
            .map(|i| {
                let family = if i % 7 == 0 { "𠮷田" } else { "山田" };
                let answers = serde_json::json!({
                    "applicant_name": { "family": family, "given": format!("花子{i}") },
                    "phone": "09012345678",
                    "use_date": "2026-04-06",
                    "slot": if i % 2 == 0 { "am" } else { "pm" },
                    "adults": i % 3,
                    "children": [{ "child_name": format!("=太郎{i}"), "allergy": i % 5 == 0 }],
                });
                InboxRow {
                    id: SubmissionId(i64::try_from(i).unwrap()),
                    app_id: AppId(1),
                    app_version_id: AppVersionId(1),
                    receipt_number: format!("2026-{i:06}"),
                    status: "received".into(),
                    submitted_at: time::macros::datetime!(2026-04-01 00:30 UTC),
                    submitted_at_ms: 0,
                    assignee_id: (i % 2 == 0).then_some(UserId(7)),
                    revision: 1,
                    answers: answers.to_string(),
                }
            })
            .collect();
        (table, rows)
    }

    #[test]
    fn a_page_split_over_threads_writes_the_same_bytes_and_problems_as_one_row_at_a_time() {
        let (table, rows) = page(1001);
        for encoding in [
            CsvEncoding::Utf8Bom,
            CsvEncoding::Cp932 { geta: false },
            CsvEncoding::Cp932 { geta: true },
        ] {
            let mut one = CsvWriter::new(encoding);
            one.begin(&table).unwrap();
            for row in &rows {
                one.row(&table, row).unwrap();
            }
            let expected = one.take_bytes().unwrap();

            let mut split = CsvWriter::new(encoding);
            split.begin(&table).unwrap();
            split.rows(&table, &rows).unwrap();
            assert_eq!(split.take_bytes().unwrap(), expected, "{encoding:?}");
            assert_eq!(split.unencodable(), one.unencodable());
            assert_eq!(split.problems(), one.problems());
        }
    }

    #[test]
    fn problems_from_both_halves_are_listed_in_row_order_up_to_the_limit() {
        let (table, rows) = page(7 * MAX_LISTED_PROBLEMS + 700);
        let mut split = CsvWriter::new(CsvEncoding::Cp932 { geta: false });
        split.begin(&table).unwrap();
        for chunk in rows.chunks(1000) {
            split.rows(&table, chunk).unwrap();
        }
        let receipts: Vec<&str> = split
            .problems()
            .iter()
            .map(|p| p.receipt_number.as_str())
            .collect();
        assert_eq!(receipts.len(), MAX_LISTED_PROBLEMS);
        assert_eq!(receipts[0], "2026-000007");
        assert_eq!(receipts[1], "2026-000014");
        assert_eq!(receipts[MAX_LISTED_PROBLEMS - 1], "2026-007000");
        assert!(receipts.windows(2).all(|w| w[0] < w[1]), "in row order");
        assert_eq!(
            split.unencodable(),
            (rows.len() / 7) as u64,
            "all are counted"
        );
    }

    fn cp932(text: &str, geta: bool) -> (Vec<u8>, Vec<char>) {
        let mut out = Vec::new();
        let mut missing = Vec::new();
        encode_cp932(text, &mut out, geta, |c| missing.push(c));
        (out, missing)
    }

    #[test]
    fn cp932_round_trips_japanese_including_ibm_extensions() {
        let text = "髙橋 花子、東京都千代田区１－１　ｶﾅ ①";
        let (bytes, missing) = cp932(text, false);
        assert!(missing.is_empty(), "{missing:?}");
        let (decoded, _, errors) = SHIFT_JIS.decode(&bytes);
        assert!(!errors);
        assert_eq!(decoded, text);
    }

    #[test]
    fn mac_style_wave_dash_and_minus_become_their_windows_forms() {
        let (bytes, missing) = cp932("9:00〜12:00 −5 ‖ ¢£¬ —", false);
        assert!(missing.is_empty(), "{missing:?}");
        let (decoded, _, _) = SHIFT_JIS.decode(&bytes);
        assert_eq!(decoded, "9:00～12:00 －5 ∥ ￠￡￢ ―");
    }

    #[test]
    fn characters_outside_cp932_are_reported_never_replaced_silently() {
        let (bytes, missing) = cp932("𠮷野😀町", false);
        assert_eq!(missing, vec!['𠮷', '😀']);
        assert_eq!(SHIFT_JIS.decode(&bytes).0, "野町");
        let (bytes, missing) = cp932("𠮷野😀町", true);
        assert_eq!(missing.len(), 2, "replacing still reports");
        assert_eq!(SHIFT_JIS.decode(&bytes).0, "〓野〓町");
    }

    #[test]
    fn code_points_are_written_in_unicode_notation() {
        let p = Unencodable {
            receipt_number: "2026-000001".into(),
            column: "住所".into(),
            character: '𠮷',
        };
        assert_eq!(p.code_point(), "U+20BB7");
    }
}
