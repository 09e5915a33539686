//! Checks run on a workbook's bytes before a spreadsheet reader sees them, so that a small
//! hostile file cannot make the importer allocate gigabytes.
//!
//! The readers build each sheet as a dense rectangle from its first to its last used cell, and
//! decompress zip entries without a limit. A workbook of a few kilobytes can therefore claim
//! a cell at row 60,000 and column 60,000 (.xls), repeat one cell sixteen thousand times in a
//! million rows (.ods), or hold a zip bomb (.xlsx, .ods). These checks bound what the reader
//! will be asked to build; real XLSForms are far below every limit.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use crate::issue::ImportIssue;

/// Largest decompressed size of one zip entry.
const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
/// Largest decompressed size of all zip entries together.
const MAX_TOTAL_BYTES: u64 = 160 * 1024 * 1024;
/// Most entries in a zip container.
const MAX_ENTRIES: usize = 4_000;
/// Most cells a reader may have to hold for one sheet (used area, empty cells included).
pub(crate) const MAX_SHEET_AREA: u64 = 4_000_000;

/// What a zip container holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZipKind {
    Xlsx,
    Ods,
}

fn too_large() -> ImportIssue {
    ImportIssue::new(
        "xlsform.too_large",
        "ファイルの中身が大きすぎて読み込めません（シートの使用範囲が広すぎるか、圧縮された中身が大きすぎます）",
        "the workbook is too large to import (a sheet's used area or the uncompressed content is too large)",
    )
}

pub(crate) fn unreadable(detail: &str) -> ImportIssue {
    ImportIssue::new(
        "xlsform.unreadable",
        format!("ファイルを表計算のブックとして読み込めません（{detail}）"),
        format!("the file cannot be read as a spreadsheet workbook ({detail})"),
    )
}

/// Checks the entries of a zip container (.xlsx or .ods) and says which it is.
pub(crate) fn check_zip(bytes: &[u8]) -> Result<ZipKind, ImportIssue> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&format!("zip: {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(too_large());
    }
    let kind = if archive.index_for_name("xl/workbook.xml").is_some() {
        ZipKind::Xlsx
    } else if is_ods(&mut archive) {
        ZipKind::Ods
    } else {
        return Err(ImportIssue::new(
            "xlsform.not_a_spreadsheet",
            "このファイルは Excel ブック（.xlsx）でも OpenDocument スプレッドシート（.ods）でもありません",
            "the file is neither an Excel workbook (.xlsx) nor an OpenDocument spreadsheet (.ods)",
        ));
    };
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| unreadable(&format!("zip: {e}")))?;
        let name = entry
            .name()
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_default();
        let mut limited = entry.take(MAX_ENTRY_BYTES + 1);
        let size = if kind == ZipKind::Ods && name == "content.xml" {
            let mut counter = CountingReader {
                inner: &mut limited,
                count: 0,
            };
            check_ods_content(&mut counter)?;
            // Whatever the scan left unread still counts.
            counter.count + drain(&mut counter.inner)?
        } else {
            drain(&mut limited)?
        };
        total = total.saturating_add(size);
        if size > MAX_ENTRY_BYTES || total > MAX_TOTAL_BYTES {
            return Err(too_large());
        }
    }
    Ok(kind)
}

fn is_ods(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> bool {
    let Ok(entry) = archive.by_name("mimetype") else {
        return false;
    };
    let mut text = String::new();
    entry.take(200).read_to_string(&mut text).is_ok()
        && text.trim() == "application/vnd.oasis.opendocument.spreadsheet"
}

fn drain(reader: &mut impl Read) -> Result<u64, ImportIssue> {
    std::io::copy(reader, &mut std::io::sink()).map_err(|e| unreadable(&format!("zip: {e}")))
}

struct CountingReader<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Estimates, from an .ods `content.xml`, how many cells the reader will hold per sheet: the
/// cells of each row up to its last non-empty one, and the rectangle spanned by non-empty
/// rows (empty rows between them expanded by their repeat count).
fn check_ods_content(reader: &mut impl Read) -> Result<(), ImportIssue> {
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(reader));
    xml.config_mut().expand_empty_elements = false;
    let mut buf = Vec::new();
    let mut table = OdsTable::default();
    let mut pushed_total = 0u64;
    let mut cell_open = false;
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| unreadable(&format!("ods: {e}")))?;
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                table.row_repeat = repeat(&e, "table:number-rows-repeated", 1_048_576);
                table.position = 0;
                table.last_filled = 0;
            }
            Event::Start(e) if is_cell(&e) => {
                // A cell with content inside counts as filled: an overestimate is safe.
                table.cell(repeat(&e, "table:number-columns-repeated", 16_384), true);
                cell_open = true;
            }
            Event::Empty(e) if is_cell(&e) => {
                let filled = has_attr(&e, "office:value-type") || has_attr(&e, "table:formula");
                table.cell(repeat(&e, "table:number-columns-repeated", 16_384), filled);
            }
            Event::End(e) if is_cell_name(e.name().as_ref()) => cell_open = false,
            Event::End(e) if e.name().as_ref() == "table:table-row" && !cell_open => {
                pushed_total = pushed_total.saturating_add(table.end_row());
            }
            Event::End(e) if e.name().as_ref() == "table:table" && !cell_open => {
                if table.area() > MAX_SHEET_AREA {
                    return Err(too_large());
                }
                table = OdsTable::default();
            }
            _ => {}
        }
        if pushed_total > MAX_SHEET_AREA || table.area() > MAX_SHEET_AREA {
            return Err(too_large());
        }
        buf.clear();
    }
    Ok(())
}

#[derive(Default)]
struct OdsTable {
    row_repeat: u64,
    position: u64,
    last_filled: u64,
    pending_empty_rows: u64,
    span_rows: u64,
    width: u64,
}

impl OdsTable {
    fn cell(&mut self, repeat: u64, filled: bool) {
        self.position = (self.position + repeat).min(16_384);
        if filled {
            self.last_filled = self.position;
        }
    }

    /// Closes a row; returns how many cells the reader pushes for it.
    fn end_row(&mut self) -> u64 {
        let width = self.last_filled;
        if width > 0 {
            self.span_rows = self
                .span_rows
                .saturating_add(self.pending_empty_rows)
                .saturating_add(self.row_repeat.max(1));
            self.pending_empty_rows = 0;
            self.width = self.width.max(width);
        } else {
            self.pending_empty_rows = self.pending_empty_rows.saturating_add(self.row_repeat);
        }
        self.position = 0;
        self.last_filled = 0;
        width
    }

    fn area(&self) -> u64 {
        self.span_rows.saturating_mul(self.width)
    }
}

fn is_cell_name(name: &str) -> bool {
    matches!(name, "table:table-cell" | "table:covered-table-cell")
}

fn is_cell(e: &BytesStart<'_>) -> bool {
    is_cell_name(e.name().as_ref())
}

fn has_attr(e: &BytesStart<'_>, key: &str) -> bool {
    e.attributes().flatten().any(|a| a.key.as_ref() == key)
}

fn repeat(e: &BytesStart<'_>, key: &str, cap: u64) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.value.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .clamp(1, cap)
}

/// The signature of a Compound File (old .xls workbooks).
pub(crate) const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

/// Checks an .xls file: the compound file's streams must fit in the file, and every sheet's
/// cells and declared dimensions must stay within [`MAX_SHEET_AREA`].
pub(crate) fn check_xls(bytes: &[u8]) -> Result<(), ImportIssue> {
    let cfb = Cfb::parse(bytes).ok_or_else(|| unreadable("xls: compound file"))?;
    let stream = cfb
        .stream("workbook")
        .or_else(|| cfb.stream("book"))
        .ok_or_else(|| unreadable("xls: no workbook stream"))?;
    check_biff(&stream)
}

struct Cfb<'b> {
    bytes: &'b [u8],
    sector_size: usize,
    fat: Vec<u32>,
    mini_fat: Vec<u32>,
    mini_stream: Vec<u8>,
    entries: Vec<DirEntry>,
}

struct DirEntry {
    name: String,
    start: u32,
    size: u64,
}

impl<'b> Cfb<'b> {
    fn parse(bytes: &'b [u8]) -> Option<Self> {
        if bytes.len() < 512 || bytes[..8] != CFB_MAGIC {
            return None;
        }
        let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let u32_at = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let major = u16_at(0x1A);
        let sector_size = match u16_at(0x1E) {
            9 => 512,
            12 => 4096,
            _ => return None,
        };
        let mut cfb = Cfb {
            bytes,
            sector_size,
            fat: Vec::new(),
            mini_fat: Vec::new(),
            mini_stream: Vec::new(),
            entries: Vec::new(),
        };
        let sector_count = bytes.len() / sector_size;
        // The FAT's sectors: 109 listed in the header, the rest in a chain of DIFAT sectors.
        let mut fat_sectors: Vec<u32> = (0..109)
            .map(|i| u32_at(0x4C + i * 4))
            .filter(|&s| (s as usize) < sector_count)
            .collect();
        let mut difat = u32_at(0x44);
        let mut steps = 0;
        while (difat as usize) < sector_count && steps <= sector_count {
            let sector = cfb.sector(difat)?;
            let per = sector_size / 4 - 1;
            fat_sectors.extend(
                (0..per)
                    .map(|i| read_u32(sector, i * 4))
                    .filter(|&s| (s as usize) < sector_count),
            );
            difat = read_u32(sector, per * 4);
            steps += 1;
        }
        for s in fat_sectors {
            let sector = cfb.sector(s)?;
            cfb.fat
                .extend((0..sector_size / 4).map(|i| read_u32(sector, i * 4)));
        }
        let directory = cfb.chain_bytes(u32_at(0x30), &cfb.fat, None)?;
        for raw in directory.chunks_exact(128) {
            let name_len = usize::from(u16::from_le_bytes([raw[64], raw[65]])).min(64);
            let units: Vec<u16> = raw[..name_len]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|&u| u != 0)
                .collect();
            let size = u64::from_le_bytes(raw[120..128].try_into().ok()?);
            cfb.entries.push(DirEntry {
                name: String::from_utf16_lossy(&units).to_lowercase(),
                start: read_u32(raw, 116),
                // Version 3 files keep garbage in the high half of the size.
                size: if major == 3 { size & 0xFFFF_FFFF } else { size },
            });
        }
        // No stream can be larger than the file that holds it.
        if cfb.entries.iter().any(|e| e.size > bytes.len() as u64) {
            return None;
        }
        let root = cfb.entries.first()?;
        let (root_start, root_size) = (root.start, root.size);
        let mini_fat_bytes = cfb.chain_bytes(u32_at(0x3C), &cfb.fat, None)?;
        cfb.mini_fat = (0..mini_fat_bytes.len() / 4)
            .map(|i| read_u32(&mini_fat_bytes, i * 4))
            .collect();
        cfb.mini_stream = cfb.chain_bytes(root_start, &cfb.fat, Some(root_size))?;
        Some(cfb)
    }

    fn sector(&self, id: u32) -> Option<&'b [u8]> {
        let start = (id as usize + 1).checked_mul(self.sector_size)?;
        self.bytes.get(start..start + self.sector_size)
    }

    /// The bytes of a chain of sectors, cut to `size` when given. Chains are bounded by the
    /// FAT's length, so a cycle ends the walk instead of looping.
    fn chain_bytes(&self, start: u32, fat: &[u32], size: Option<u64>) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0usize;
        while id != END_OF_CHAIN && (id as usize) < fat.len() {
            out.extend_from_slice(self.sector(id)?);
            id = fat[id as usize];
            steps += 1;
            if steps > fat.len() || out.len() > self.bytes.len() {
                return None;
            }
        }
        if let Some(size) = size {
            out.truncate(usize::try_from(size).ok()?);
        }
        Some(out)
    }

    fn stream(&self, name: &str) -> Option<Vec<u8>> {
        let entry = self.entries.iter().skip(1).find(|e| e.name == name)?;
        if entry.size < 4096 {
            let mut out = Vec::new();
            let mut id = entry.start;
            let mut steps = 0usize;
            while id != END_OF_CHAIN && (id as usize) < self.mini_fat.len() {
                let at = id as usize * 64;
                out.extend_from_slice(self.mini_stream.get(at..at + 64)?);
                id = self.mini_fat[id as usize];
                steps += 1;
                if steps > self.mini_fat.len() {
                    return None;
                }
            }
            out.truncate(usize::try_from(entry.size).ok()?);
            Some(out)
        } else {
            self.chain_bytes(entry.start, &self.fat, Some(entry.size))
        }
    }
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    bytes.get(at..at + 4).map_or(END_OF_CHAIN, |b| {
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    })
}

fn read_u16(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 2)
        .map_or(0, |b| u32::from(u16::from_le_bytes([b[0], b[1]])))
}

/// Walks the BIFF records of the workbook stream: per sheet, the declared dimensions and the
/// positions of cells must give an area within [`MAX_SHEET_AREA`].
fn check_biff(stream: &[u8]) -> Result<(), ImportIssue> {
    let mut at = 0usize;
    let mut rows = 0u64;
    let mut cols = 0u64;
    while at + 4 <= stream.len() {
        let kind = read_u16(stream, at);
        let len = read_u16(stream, at + 2) as usize;
        let Some(data) = stream.get(at + 4..at + 4 + len) else {
            break;
        };
        at += 4 + len;
        match kind {
            // BOF: a new substream (sheet) starts.
            0x0809 => {
                rows = 0;
                cols = 0;
            }
            // DIMENSIONS: the reader reserves this area up front.
            0x0200 => {
                let (first_row, last_row, first_col, last_col) = match data.len() {
                    10 => (
                        read_u16(data, 0),
                        read_u16(data, 2),
                        read_u16(data, 4),
                        read_u16(data, 6),
                    ),
                    14 | 16 => (
                        read_u32(data, 0),
                        read_u32(data, 4),
                        read_u16(data, 8),
                        read_u16(data, 10),
                    ),
                    _ => continue,
                };
                if last_row >= 1 && last_col >= 1 {
                    let height = u64::from(last_row).checked_sub(u64::from(first_row));
                    let width = u64::from(last_col).saturating_sub(u64::from(first_col));
                    match height {
                        Some(h) if h.saturating_mul(width.max(1)) <= MAX_SHEET_AREA => {}
                        _ => return Err(too_large()),
                    }
                }
            }
            // Cell records: row and column come first.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 | 0x0201 => {
                rows = rows.max(u64::from(read_u16(data, 0)) + 1);
                cols = cols.max(u64::from(read_u16(data, 2)) + 1);
            }
            // MULRK / MULBLANK: several cells of one row; the last column is at the end.
            0x00BD | 0x00BE => {
                rows = rows.max(u64::from(read_u16(data, 0)) + 1);
                let last = data.len().saturating_sub(2);
                cols = cols.max(u64::from(read_u16(data, last)) + 1);
            }
            _ => {}
        }
        if rows.saturating_mul(cols) > MAX_SHEET_AREA {
            return Err(too_large());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend_from_slice(&u16::try_from(data.len()).unwrap_or(0).to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn a_biff_sheet_with_two_far_apart_cells_is_refused() {
        let mut stream = record(0x0809, &[0; 16]);
        stream.extend(record(0x0203, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        stream.extend(record(
            0x0203,
            &[0xFF, 0xFF, 0xFF, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ));
        assert_eq!(
            check_biff(&stream).map_err(|e| e.code),
            Err("xlsform.too_large")
        );
    }

    #[test]
    fn biff_dimensions_that_run_backwards_are_refused() {
        let mut dims = 10u32.to_le_bytes().to_vec();
        dims.extend(2u32.to_le_bytes());
        dims.extend([0, 0, 5, 0, 0, 0]);
        let stream = record(0x0200, &dims);
        assert_eq!(
            check_biff(&stream).map_err(|e| e.code),
            Err("xlsform.too_large")
        );
    }

    #[test]
    fn a_small_biff_sheet_passes() {
        let mut stream = record(0x0809, &[0; 16]);
        stream.extend(record(0x0203, &[9, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        assert!(check_biff(&stream).is_ok());
    }

    #[test]
    fn an_ods_row_repeated_with_a_filled_wide_cell_is_refused() {
        let xml = r#"<office:document-content><table:table table:name="survey">
            <table:table-row table:number-rows-repeated="100000">
              <table:table-cell table:number-columns-repeated="16000" office:value-type="string"><text:p>x</text:p></table:table-cell>
            </table:table-row></table:table></office:document-content>"#;
        assert_eq!(
            check_ods_content(&mut xml.as_bytes()).map_err(|e| e.code),
            Err("xlsform.too_large")
        );
    }

    #[test]
    fn an_ods_sheet_with_trailing_empty_rows_passes() {
        let xml = r#"<office:document-content><table:table table:name="survey">
            <table:table-row><table:table-cell office:value-type="string"><text:p>type</text:p></table:table-cell>
              <table:table-cell table:number-columns-repeated="1023"/></table:table-row>
            <table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
            </table:table></office:document-content>"#;
        assert!(check_ods_content(&mut xml.as_bytes()).is_ok());
    }
}
