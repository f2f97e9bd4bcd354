//! XYZ-style text clouds (`.xyz`, `.txt`, `.pts`, `.csv`): one point a line,
//! fields separated by whitespace or commas, `#` starts a comment, blank lines
//! are skipped. The column count of the first data line fixes the layout:
//!
//! | columns | meaning |
//! |---|---|
//! | 3 | `x y z` |
//! | 4 | `x y z label` |
//! | 6 | `x y z nx ny nz` |
//! | 7 | `x y z nx ny nz label` (ShapeNetPart `_normal`, label as `45.000000`) |
//!
//! A first line whose fields all start with a letter (`x,y,z,label`) is a CSV
//! header and is skipped. Labels must be non-negative integers; written as
//! floats they are accepted only when integral.
//!
//! The reader parses bytes in place (no per-line allocation; plain lines in
//! one fused pass), from a whole text in memory or from a file in pieces of a
//! few MB ([`read_xyz_file`]), and reports errors as `file: line L: ...`.

use crate::cloud::{ColumnRole, ExtraProperty, PointCloud, ScalarKind, SourceColumn, SourceLayout};
use crate::error::{Error, Result};
use crate::io::float_text::push_float;
use crate::io::numparse::{parse_f32, parse_label, show};
use crate::io::text_named::{self, data_part};
use crate::io::text_rows::{push_int, push_value, write_rows};
use std::io::{BufRead, Write};
use std::path::Path;

/// Column layout of an XYZ-style text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XyzLayout {
    /// `x y z`
    Xyz,
    /// `x y z label`
    XyzLabel,
    /// `x y z nx ny nz`
    XyzNormals,
    /// `x y z nx ny nz label`
    XyzNormalsLabel,
}

impl XyzLayout {
    /// Number of columns of this layout.
    pub fn columns(self) -> usize {
        match self {
            XyzLayout::Xyz => 3,
            XyzLayout::XyzLabel => 4,
            XyzLayout::XyzNormals => 6,
            XyzLayout::XyzNormalsLabel => 7,
        }
    }

    /// The layout with `n` columns, if any.
    pub fn from_columns(n: usize) -> Option<Self> {
        match n {
            3 => Some(XyzLayout::Xyz),
            4 => Some(XyzLayout::XyzLabel),
            6 => Some(XyzLayout::XyzNormals),
            7 => Some(XyzLayout::XyzNormalsLabel),
            _ => None,
        }
    }

    /// The layout that holds everything `cloud` has (extra properties are not
    /// representable in XYZ text and are dropped).
    pub fn for_cloud(cloud: &PointCloud) -> Self {
        match (cloud.normals.is_some(), cloud.labels.is_some()) {
            (false, false) => XyzLayout::Xyz,
            (false, true) => XyzLayout::XyzLabel,
            (true, false) => XyzLayout::XyzNormals,
            (true, true) => XyzLayout::XyzNormalsLabel,
        }
    }

    /// Whether the layout has normal columns.
    pub fn has_normals(self) -> bool {
        matches!(self, XyzLayout::XyzNormals | XyzLayout::XyzNormalsLabel)
    }

    /// Whether the layout has a label column.
    pub fn has_labels(self) -> bool {
        matches!(self, XyzLayout::XyzLabel | XyzLayout::XyzNormalsLabel)
    }
}

/// Most fields a line may have before we stop recording their positions.
const MAX_FIELDS: usize = 8;

/// Split `line` into fields (byte ranges), separated by whitespace or by one
/// comma with optional whitespace around it. Returns the field count (which
/// may exceed `MAX_FIELDS`; only the first `MAX_FIELDS` ranges are stored), or
/// `Err` for an empty comma-separated field.
fn split_fields(
    line: &[u8],
    out: &mut [(usize, usize); MAX_FIELDS],
) -> std::result::Result<usize, &'static str> {
    let mut n = 0;
    let mut i = 0;
    let len = line.len();
    let mut after_comma = false;
    loop {
        while i < len && (line[i] == b' ' || line[i] == b'\t') {
            i += 1;
        }
        if i == len {
            if after_comma {
                return Err("empty field after a comma");
            }
            return Ok(n);
        }
        if line[i] == b',' {
            if n == 0 || after_comma {
                return Err("empty comma-separated field");
            }
            after_comma = true;
            i += 1;
            continue;
        }
        let start = i;
        while i < len && !matches!(line[i], b' ' | b'\t' | b',') {
            i += 1;
        }
        if n < MAX_FIELDS {
            out[n] = (start, i);
        }
        n += 1;
        after_comma = false;
    }
}

/// Read an XYZ-style text cloud. `path` is used in messages only.
///
/// ```
/// use pcseg::io::xyz::read_xyz;
/// let text = "# a comment\n0 0 0 1\n1,2,3,1\n";
/// let cloud = read_xyz(text.as_bytes(), "a.xyz".as_ref()).unwrap();
/// assert_eq!(cloud.points[1], [1.0, 2.0, 3.0]);
/// assert_eq!(cloud.labels, Some(vec![1, 1]));
/// ```
pub fn read_xyz<R: BufRead>(reader: R, path: &Path) -> Result<PointCloud> {
    read_xyz_layout(reader, path).map(|(cloud, _)| cloud)
}

/// Like [`read_xyz`], also returning the layout found. Reads everything
/// first, then parses it with [`read_xyz_bytes`].
pub fn read_xyz_layout<R: BufRead>(mut reader: R, path: &Path) -> Result<(PointCloud, XyzLayout)> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    read_xyz_bytes(&bytes, path)
}

/// Bytes read at a time by [`read_xyz_file`].
const STREAM_PIECE: usize = 1 << 22;

/// Read an XYZ-style text file (see the module docs) without holding the
/// whole text: pieces of a few MB are parsed as they are read, so a cloud of
/// millions of points costs its arrays and not also its text. The result is
/// that of [`read_xyz_bytes`] on the file's bytes. Files with a header line
/// are read whole (named columns), and so are files with a number more
/// precise than `f32` (read again, whole, to keep the `f64` values).
pub fn read_xyz_file(path: &Path) -> Result<(PointCloud, XyzLayout)> {
    read_xyz_file_in_pieces(path, STREAM_PIECE)
}

/// [`read_xyz_file`] reading `piece` bytes at a time (tests use tiny pieces).
fn read_xyz_file_in_pieces(path: &Path, piece: usize) -> Result<(PointCloud, XyzLayout)> {
    use std::io::Read;
    let piece = piece.max(1);
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map(|m| m.len() as usize).unwrap_or(0);
    let mut buf: Vec<u8> = Vec::with_capacity(piece.min(size.max(1)) + 1024);
    let mut parser: Option<(TextParser, u8)> = None;
    loop {
        let got = (&mut file)
            .take(piece as u64)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io(path, e))?;
        let eof = got < piece;
        // Whole lines only, but for the last piece.
        let cut = if eof {
            buf.len()
        } else {
            buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
        };
        if parser.is_none() {
            // The first data line decides the way: a header (named columns)
            // or a text without a complete first line is read whole.
            match first_data_line(&buf[..cut]) {
                Some(line) if header_names(line).is_none() => {
                    let separator = separator_of(line);
                    parser = Some((TextParser::new(true, size), separator));
                }
                Some(_) => {
                    file.read_to_end(&mut buf).map_err(|e| Error::io(path, e))?;
                    return read_xyz_bytes(&buf, path);
                }
                None if eof => return read_xyz_bytes(&buf, path),
                None => continue,
            }
        }
        let (p, _) = parser.as_mut().expect("set above");
        p.feed(&buf[..cut], path)?;
        buf.drain(..cut);
        if eof {
            break;
        }
    }
    let (p, separator) = parser.expect("set before the last piece");
    let (mut cloud, layout, fits) = p.finish(path)?;
    if !fits {
        drop(cloud);
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        return read_xyz_bytes(&bytes, path);
    }
    cloud.source = Some(standard_source(layout, separator));
    normals_or_colours(&mut cloud, path)?;
    let layout = XyzLayout::for_cloud(&cloud);
    Ok((cloud, layout))
}

/// The field separator a text's first data line uses.
fn separator_of(line: &[u8]) -> u8 {
    if line.contains(&b',') {
        b','
    } else if line.contains(&b'\t') {
        b'\t'
    } else {
        b' '
    }
}

/// Parse a whole XYZ-style text held in memory (see the module docs).
/// `path` is used in messages only.
///
/// Lines of plain decimal fields separated by spaces or tabs (the
/// ShapeNetPart `_normal` files) take a fused scanner that parses the line in
/// one pass; any other line (comments, commas, blank, unusual numbers,
/// errors) goes through the general line parser, so results and messages are
/// the same either way.
///
/// ```
/// use pcseg::io::xyz::{read_xyz_bytes, XyzLayout};
/// let (cloud, layout) = read_xyz_bytes(b"1 2 3 0 0 1 4.000000\n", "a.txt".as_ref()).unwrap();
/// assert_eq!(layout, XyzLayout::XyzNormalsLabel);
/// assert_eq!(cloud.labels, Some(vec![4]));
/// ```
pub fn read_xyz_bytes(bytes: &[u8], path: &Path) -> Result<(PointCloud, XyzLayout)> {
    read_text_with(bytes, path, None)
}

/// [`read_xyz_bytes`] with the columns named by the caller (`--columns
/// x,y,z,r,g,b`), or `None` to take them from a header line or the column
/// count. See the module docs for the rules.
pub fn read_text_with(
    bytes: &[u8],
    path: &Path,
    columns: Option<&[String]>,
) -> Result<(PointCloud, XyzLayout)> {
    let first = first_data_line(bytes);
    let separator = first.map_or(b' ', separator_of);
    let header = first.and_then(header_names);
    let cloud = match (columns, &header) {
        (Some(names), _) => {
            text_named::read_named(bytes, path, names, header.is_some(), separator)?
        }
        (None, Some(names)) => text_named::read_named(bytes, path, names, true, separator)?,
        (None, None) => {
            let (cloud, layout, fits) = parse_text(bytes, path, true)?;
            let mut cloud = if fits {
                cloud
            } else {
                // Some number has more digits than f32 holds: read again,
                // keeping the f64 values.
                let names: Vec<String> = standard_names(layout)
                    .iter()
                    .map(|n| n.to_string())
                    .collect();
                text_named::read_named(bytes, path, &names, false, separator)?
            };
            if cloud.source.is_none() {
                cloud.source = Some(standard_source(layout, separator));
            }
            normals_or_colours(&mut cloud, path)?;
            cloud
        }
    };
    let layout = XyzLayout::for_cloud(&cloud);
    Ok((cloud, layout))
}

/// The data part of the first line holding data.
fn first_data_line(bytes: &[u8]) -> Option<&[u8]> {
    bytes
        .split(|&b| b == b'\n')
        .map(data_part)
        .find(|l| l.iter().any(|b| !b.is_ascii_whitespace() && *b != b','))
}

/// The column names of a header line: every field starts with a letter,
/// `_` or `//` and the first is not a number.
fn header_names(line: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(line).ok()?;
    let names: Vec<String> = text
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|f| !f.is_empty())
        .map(String::from)
        .collect();
    let named = |f: &String| {
        let f = f.trim_start_matches("//");
        f.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    };
    (!names.is_empty() && names.iter().all(named) && parse_f32(names[0].as_bytes()).is_none())
        .then_some(names)
}

/// Column names of an unnamed layout.
fn standard_names(layout: XyzLayout) -> &'static [&'static str] {
    match layout {
        XyzLayout::Xyz => &["x", "y", "z"],
        XyzLayout::XyzLabel => &["x", "y", "z", "label"],
        XyzLayout::XyzNormals => &["x", "y", "z", "nx", "ny", "nz"],
        XyzLayout::XyzNormalsLabel => &["x", "y", "z", "nx", "ny", "nz", "label"],
    }
}

fn standard_source(layout: XyzLayout, separator: u8) -> SourceLayout {
    let columns = standard_names(layout)
        .iter()
        .enumerate()
        .map(|(i, &name)| SourceColumn {
            name: name.into(),
            kind: if name == "label" {
                ScalarKind::I32
            } else {
                ScalarKind::F32
            },
            role: match i {
                0..=2 => ColumnRole::Coord(i),
                3..=5 if layout.has_normals() => ColumnRole::Normal(i - 3),
                _ => ColumnRole::Label,
            },
        })
        .collect();
    SourceLayout {
        columns,
        comments: Vec::new(),
        text_separator: Some(separator),
        text_header: false,
    }
}

/// Unnamed columns 4-6 are normals when every row is (near) unit length or
/// zero, colours when every value is an integer 0-255 (CloudCompare's usual
/// `x y z r g b`); anything else is refused rather than misread.
fn normals_or_colours(cloud: &mut PointCloud, path: &Path) -> Result<()> {
    let Some(normals) = &cloud.normals else {
        return Ok(());
    };
    let unit = |n: &[f32; 3]| {
        let len = n.iter().map(|v| v * v).sum::<f32>().sqrt();
        len == 0.0 || (0.9..=1.1).contains(&len)
    };
    let Some(bad) = normals.iter().position(|n| !unit(n)) else {
        return Ok(());
    };
    let colour = |v: f32| v.fract() == 0.0 && (0.0..=255.0).contains(&v);
    if !normals.iter().all(|n| n.iter().all(|&v| colour(v))) {
        let n = normals[bad];
        return Err(Error::data(
            path,
            None,
            format!(
                "columns 4-6 are neither unit normals nor 0-255 colours (point {bad}: {} {} {}); \
                 name the columns with --columns (e.g. x,y,z,nx,ny,nz) or a header line",
                n[0], n[1], n[2]
            ),
        ));
    }
    let normals = cloud.normals.take().unwrap_or_default();
    cloud.exact_normals = None;
    let first = cloud.extra.len();
    for (k, name) in ["red", "green", "blue"].into_iter().enumerate() {
        cloud.extra.push(ExtraProperty {
            name: name.into(),
            kind: ScalarKind::U8,
            values: normals.iter().map(|n| n[k] as f64).collect(),
        });
    }
    if let Some(src) = &mut cloud.source {
        for c in &mut src.columns {
            if let ColumnRole::Normal(k) = c.role {
                c.role = ColumnRole::Extra(first + k);
                c.kind = ScalarKind::U8;
                c.name = ["red", "green", "blue"][k].into();
            }
        }
    }
    Ok(())
}

/// Whether `c` ends a field for the fused scanner.
#[inline(always)]
fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Fused parser for one line at `bytes[pos..]` with the `cols` columns of a
/// known layout, all plain decimals separated by spaces or tabs, optional
/// leading and trailing blanks and `\r`. Fills `vals` (the first `floats`
/// columns) and `label` (the last column when `with_label`) and returns the
/// position after the line's `\n` (or the end of the text). `None` means the
/// line needs the general parser; nothing has been stored then.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // `c` is also the column number
fn fast_line(
    bytes: &[u8],
    mut pos: usize,
    floats: usize,
    with_label: bool,
    vals: &mut [f32; 6],
    label: &mut u32,
    fits: &mut bool,
) -> Option<usize> {
    let cols = floats + with_label as usize;
    for c in 0..cols {
        // Leading blanks before the first field; at least one between fields.
        let before = pos;
        while bytes.get(pos).is_some_and(|&b| is_blank(b)) {
            pos += 1;
        }
        if c > 0 && pos == before {
            return None;
        }
        if c < floats {
            let (v, next, fit) = crate::io::numparse::scan_f32_fit(bytes, pos)?;
            vals[c] = v;
            if !fit && *fits {
                *fits = crate::io::numparse::decimal_fits_f32(&bytes[pos..next]);
            }
            pos = next;
        } else {
            let (l, next) = crate::io::numparse::scan_label(bytes, pos)?;
            *label = l;
            pos = next;
        }
        // The field must end at a blank, a line end or the end of the text.
        match bytes.get(pos) {
            None | Some(b' ' | b'\t' | b'\r' | b'\n') => {}
            Some(_) => return None,
        }
    }
    while bytes
        .get(pos)
        .is_some_and(|&b| b == b' ' || b == b'\t' || b == b'\r')
    {
        pos += 1;
    }
    match bytes.get(pos) {
        None => Some(pos),
        Some(b'\n') => Some(pos + 1),
        Some(_) => None,
    }
}

/// The reader of unnamed columns; `fast` switches the fused line scanner on
/// (tests compare both ways). The flag returned is false when some number
/// has more precision than `f32` holds (the caller then re-reads the text
/// keeping `f64` values).
fn parse_text(bytes: &[u8], path: &Path, fast: bool) -> Result<(PointCloud, XyzLayout, bool)> {
    let mut parser = TextParser::new(fast, bytes.len());
    parser.feed(bytes, path)?;
    parser.finish(path)
}

/// The state of [`parse_text`] between pieces of a text: the text can be fed
/// in pieces that each end at a line end (the last one anywhere), with the
/// same result as feeding it at once.
struct TextParser {
    fast: bool,
    /// Bytes of the whole text (or an estimate), to reserve the arrays.
    size_hint: usize,
    /// Bytes fed so far.
    fed: usize,
    fits: bool,
    layout: Option<(XyzLayout, u64)>,
    cloud: PointCloud,
    normals: Vec<[f32; 3]>,
    labels: Vec<u32>,
    line_no: u64,
    header_allowed: bool,
    /// Set once the layout is known: (float columns, has a label column).
    fused: Option<(usize, bool)>,
    /// Texts from this many bytes (after the layout is known) are scanned
    /// in parallel chunks; [`SPLIT_MIN`] but in tests.
    split_min: usize,
}

/// Texts from this many bytes are scanned in parallel chunks.
const SPLIT_MIN: usize = 1 << 20;

/// Bytes handed to [`TextParser::feed_chunks`] at a time.
const CHUNK_ROUND: usize = 1 << 23;

/// The length of the first whole lines of `bytes` holding at least `at`
/// bytes (all of `bytes` when no line end follows).
fn line_cut(bytes: &[u8], at: usize) -> usize {
    let from = at.min(bytes.len()).saturating_sub(1);
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p + 1)
}

/// What the fused scanner read from one chunk of lines, up to the first line
/// it hands on (`consumed` bytes).
struct FusedChunk {
    points: Vec<[f32; 3]>,
    normals: Vec<[f32; 3]>,
    labels: Vec<u32>,
    fits: bool,
    consumed: usize,
}

impl FusedChunk {
    fn scan(bytes: &[u8], floats: usize, with_label: bool) -> FusedChunk {
        let guess = bytes.len() / 24 + 1;
        let mut c = FusedChunk {
            points: Vec::with_capacity(guess),
            normals: Vec::with_capacity(if floats == 6 { guess } else { 0 }),
            labels: Vec::with_capacity(if with_label { guess } else { 0 }),
            fits: true,
            consumed: 0,
        };
        let (mut vals, mut label) = ([0f32; 6], 0u32);
        while c.consumed < bytes.len() {
            let Some(next) = fast_line(
                bytes,
                c.consumed,
                floats,
                with_label,
                &mut vals,
                &mut label,
                &mut c.fits,
            ) else {
                break;
            };
            c.points.push([vals[0], vals[1], vals[2]]);
            if floats == 6 {
                c.normals.push([vals[3], vals[4], vals[5]]);
            }
            if with_label {
                c.labels.push(label);
            }
            c.consumed = next;
        }
        c
    }
}

impl TextParser {
    fn new(fast: bool, size_hint: usize) -> Self {
        TextParser {
            fast,
            size_hint,
            fed: 0,
            fits: true,
            layout: None,
            cloud: PointCloud::default(),
            normals: Vec::new(),
            labels: Vec::new(),
            line_no: 0,
            header_allowed: true,
            fused: None,
            split_min: SPLIT_MIN,
        }
    }

    /// Parse the lines of `bytes`, which ends at a line end unless it is the
    /// last piece of the text. Once the layout is known, long texts are
    /// scanned in parallel chunks ([`TextParser::feed_chunks`]).
    fn feed(&mut self, bytes: &[u8], path: &Path) -> Result<()> {
        let mut pos = 0;
        if self.fused.is_none() {
            pos = self.feed_lines(bytes, path, true)?;
        }
        let mut rest = &bytes[pos..];
        while let Some((floats, with_label)) = self.fused {
            if rest.len() < self.split_min {
                break;
            }
            // Rounds of a bounded size keep the chunks' buffers small.
            let round = line_cut(rest, CHUNK_ROUND);
            self.feed_chunks(&rest[..round], floats, with_label, path)?;
            rest = &rest[round..];
        }
        self.feed_lines(rest, path, false)?;
        Ok(())
    }

    /// Split `bytes` (whole lines but maybe the last) into chunks at line
    /// ends, scan them in parallel with the fused scanner, and append what
    /// they read in order. A chunk stops at the first line the fused scanner
    /// hands on; the rest of that chunk goes through [`TextParser::feed_lines`],
    /// so the result (and the first error) is the same as feeding every line
    /// in order: the fused lines of a known layout depend on no state.
    fn feed_chunks(
        &mut self,
        bytes: &[u8],
        floats: usize,
        with_label: bool,
        path: &Path,
    ) -> Result<()> {
        use rayon::prelude::*;
        let n = (4 * rayon::current_num_threads()).clamp(1, bytes.len().max(1));
        let mut bounds = vec![0];
        for k in 1..n {
            let last = *bounds.last().expect("starts with 0");
            let from = (bytes.len() * k / n).max(last);
            let cut = from + line_cut(&bytes[from..], 1);
            if cut > last && cut < bytes.len() {
                bounds.push(cut);
            }
        }
        bounds.push(bytes.len());
        let ranges: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
        let parts: Vec<FusedChunk> = ranges
            .par_iter()
            .map(|&(a, b)| FusedChunk::scan(&bytes[a..b], floats, with_label))
            .collect();
        for (&(a, b), part) in ranges.iter().zip(parts) {
            self.cloud.points.extend_from_slice(&part.points);
            self.normals.extend_from_slice(&part.normals);
            self.labels.extend_from_slice(&part.labels);
            self.line_no += part.points.len() as u64;
            self.fits &= part.fits;
            self.fed += part.consumed;
            if a + part.consumed < b {
                self.feed_lines(&bytes[a + part.consumed..b], path, false)?;
            }
        }
        Ok(())
    }

    /// Parse the lines of `bytes` in order; with `until_fused`, stop after
    /// the line that fixes the layout for the fused scanner. Returns the
    /// bytes consumed.
    fn feed_lines(&mut self, bytes: &[u8], path: &Path, until_fused: bool) -> Result<usize> {
        let mut fields = [(0usize, 0usize); MAX_FIELDS];
        let mut vals = [0f32; 6];
        let mut label = 0u32;
        let mut pos = 0;
        while pos < bytes.len() {
            if until_fused && self.fused.is_some() {
                break;
            }
            self.line_no += 1;
            if let Some((floats, with_label)) = self.fused {
                if let Some(next) = fast_line(
                    bytes,
                    pos,
                    floats,
                    with_label,
                    &mut vals,
                    &mut label,
                    &mut self.fits,
                ) {
                    self.cloud.points.push([vals[0], vals[1], vals[2]]);
                    if floats == 6 {
                        self.normals.push([vals[3], vals[4], vals[5]]);
                    }
                    if with_label {
                        self.labels.push(label);
                    }
                    pos = next;
                    continue;
                }
            }
            let end = bytes[pos..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| pos + p + 1);
            let raw = &bytes[pos..end];
            pos = end;
            let line = data_part(raw);
            if line.is_empty() {
                continue;
            }
            let line_no = self.line_no;
            let err = |msg: String| Error::data(path, Some(line_no), msg);
            let n = split_fields(line, &mut fields).map_err(|m| err(m.to_string()))?;
            if n == 0 {
                continue;
            }
            let field = |k: usize| &line[fields[k].0..fields[k].1];
            if self.header_allowed {
                self.header_allowed = false;
                let all_names = (0..n.min(MAX_FIELDS)).all(|k| field(k)[0].is_ascii_alphabetic())
                    && parse_f32(field(0)).is_none();
                if all_names {
                    continue;
                }
            }
            let (lay, first_line) = match self.layout {
                Some(l) => l,
                None => {
                    let lay = XyzLayout::from_columns(n).ok_or_else(|| {
                        err(format!(
                            "expected 3, 4, 6 or 7 columns (x y z [nx ny nz] [label]), got {n}"
                        ))
                    })?;
                    self.layout = Some((lay, line_no));
                    if self.fast {
                        let floats = if lay.has_normals() { 6 } else { 3 };
                        self.fused = Some((floats, lay.has_labels()));
                        // One point a line in the common case: reserve for
                        // the rest of the text at this line's length.
                        let rest = self.size_hint.saturating_sub(self.fed + pos);
                        let guess = rest / raw.len().max(1) + 1;
                        self.cloud.points.reserve(guess);
                        if lay.has_normals() {
                            self.normals.reserve(guess);
                        }
                        if lay.has_labels() {
                            self.labels.reserve(guess);
                        }
                    }
                    (lay, line_no)
                }
            };
            if n != lay.columns() {
                return Err(err(format!(
                    "expected {} columns like line {first_line}, got {n}",
                    lay.columns()
                )));
            }
            let point_index = self.cloud.points.len();
            let fits = &mut self.fits;
            let mut float = |k: usize| -> Result<f32> {
                let f = field(k);
                if *fits {
                    *fits = crate::io::numparse::decimal_fits_f32(f);
                }
                let v = parse_f32(f).ok_or_else(|| {
                    err(format!("column {}: '{}' is not a number", k + 1, show(f)))
                })?;
                if !v.is_finite() {
                    return Err(err(format!(
                        "column {}: non-finite value '{}' (point {})",
                        k + 1,
                        show(f),
                        point_index
                    )));
                }
                Ok(v)
            };
            let p = [float(0)?, float(1)?, float(2)?];
            let nrm = if lay.has_normals() {
                Some([float(3)?, float(4)?, float(5)?])
            } else {
                None
            };
            self.cloud.points.push(p);
            if let Some(nrm) = nrm {
                self.normals.push(nrm);
            }
            if lay.has_labels() {
                let k = lay.columns() - 1;
                let label =
                    parse_label(field(k)).map_err(|m| err(format!("column {}: {m}", k + 1)))?;
                self.labels.push(label);
            }
        }
        self.fed += pos;
        Ok(pos)
    }

    /// The cloud, its layout, and whether every number fits `f32`.
    fn finish(self, path: &Path) -> Result<(PointCloud, XyzLayout, bool)> {
        let Some((lay, _)) = self.layout else {
            return Err(Error::data(path, None, "no points"));
        };
        let mut cloud = self.cloud;
        if lay.has_normals() {
            cloud.normals = Some(self.normals);
        }
        if lay.has_labels() {
            cloud.labels = Some(self.labels);
        }
        Ok((cloud, lay, self.fits))
    }
}

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, msg)
}

/// Write `cloud` as space-separated text in `layout`, one point a line.
/// Floats are written in their shortest form that reads back to the same
/// `f32` (so write-then-read is exact), labels as integers.
///
/// Fails (`InvalidInput`) when the layout asks for normals or labels the
/// cloud does not have.
pub fn write_xyz<W: Write + ?Sized>(
    w: &mut W,
    cloud: &PointCloud,
    layout: XyzLayout,
) -> std::io::Result<()> {
    write_text(w, cloud, layout, None)
}

/// Write `cloud` as text keeping every column: the columns of
/// [`crate::io::columns::output_columns`] (a text or PLY source's columns in
/// their order, then what pcseg added), separated by `separator` (default:
/// the source's, else a space). A header line naming the columns is written
/// when the source had one or the columns are not one of the unnamed layouts
/// (`x y z`, `x y z label`, `x y z nx ny nz`, `x y z nx ny nz label`), so the
/// file reads back the same. Floats are written in the shortest form that
/// reads back to the same value (`f32` or `f64`, as the column's type),
/// integers as integers.
///
/// ```
/// use pcseg::io::xyz::{read_xyz_bytes, write_text_cloud};
/// let text = b"x,y,z,intensity\n1.5,2,3,7\n";
/// let (mut cloud, _) = read_xyz_bytes(text, "a.csv".as_ref()).unwrap();
/// cloud.relabel(vec![12]);
/// let mut out = Vec::new();
/// write_text_cloud(&mut out, &cloud, None).unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(), "x,y,z,intensity,label\n1.5,2,3,7,12\n");
/// ```
pub fn write_text_cloud<W: Write + ?Sized>(
    w: &mut W,
    cloud: &PointCloud,
    separator: Option<u8>,
) -> std::io::Result<()> {
    use crate::io::columns::{column_value, output_columns};
    let columns = output_columns(cloud, false).map_err(invalid)?;
    let src = cloud.source.as_ref();
    let sep = separator
        .or(src.and_then(|s| s.text_separator))
        .unwrap_or(b' ');
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let standard = [
        XyzLayout::Xyz,
        XyzLayout::XyzLabel,
        XyzLayout::XyzNormals,
        XyzLayout::XyzNormalsLabel,
    ]
    .iter()
    .any(|&l| standard_names(l) == names.as_slice());
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    if src.is_some_and(|s| s.text_header) || !standard {
        w.write_all(names.join(&(sep as char).to_string()).as_bytes())?;
        w.write_all(b"\n")?;
    }
    write_rows(&mut w, cloud.points.len(), |line, i| {
        for (j, c) in columns.iter().enumerate() {
            if j > 0 {
                line.push(sep);
            }
            push_value(line, c.kind, column_value(cloud, None, c, i));
        }
    })?;
    w.flush()
}

/// Write the ShapeNetPart `_normal` text layout: `x y z nx ny nz label`, every
/// value with 6 decimals, the label as a float (`45.000000`), exactly as the
/// official files. Needs normals and labels.
pub fn write_normal_txt<W: Write + ?Sized>(w: &mut W, cloud: &PointCloud) -> std::io::Result<()> {
    write_text(w, cloud, XyzLayout::XyzNormalsLabel, Some(6))
}

fn write_text<W: Write + ?Sized>(
    w: &mut W,
    cloud: &PointCloud,
    layout: XyzLayout,
    decimals: Option<usize>,
) -> std::io::Result<()> {
    let normals = match (layout.has_normals(), &cloud.normals) {
        (true, None) => return Err(invalid("the cloud has no normals to write".into())),
        (true, Some(n)) => Some(n),
        _ => None,
    };
    let labels = match (layout.has_labels(), &cloud.labels) {
        (true, None) => return Err(invalid("the cloud has no labels to write".into())),
        (true, Some(l)) => Some(l),
        _ => None,
    };
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    let put = |line: &mut Vec<u8>, v: f32, first: bool| {
        if !first {
            line.push(b' ');
        }
        match decimals {
            // Writing into a Vec cannot fail.
            Some(d) => write!(line, "{v:.d$}").expect("write to a Vec"),
            None => push_float(line, v),
        }
    };
    write_rows(&mut w, cloud.points.len(), |line, i| {
        let p = cloud.points[i];
        put(line, p[0], true);
        put(line, p[1], false);
        put(line, p[2], false);
        if let Some(n) = normals {
            for v in n[i] {
                put(line, v, false);
            }
        }
        if let Some(l) = labels {
            match decimals {
                Some(d) => write!(line, " {:.d$}", l[i] as f64).expect("write to a Vec"),
                None => {
                    line.push(b' ');
                    push_int(line, i64::from(l[i]));
                }
            }
        }
    })?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(PointCloud, XyzLayout)> {
        read_xyz_layout(text.as_bytes(), Path::new("scan.xyz"))
    }

    #[test]
    fn reads_every_layout() {
        let (c, l) = read("1 2 3\n4 5 6\n").unwrap();
        assert_eq!(l, XyzLayout::Xyz);
        assert_eq!(c.points, vec![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        assert!(c.normals.is_none() && c.labels.is_none());

        let (c, l) = read("1 2 3 7\n").unwrap();
        assert_eq!(l, XyzLayout::XyzLabel);
        assert_eq!(c.labels, Some(vec![7]));

        let (c, l) = read("1 2 3 0 0 1\n").unwrap();
        assert_eq!(l, XyzLayout::XyzNormals);
        assert_eq!(c.normals, Some(vec![[0.0, 0.0, 1.0]]));

        let (c, l) =
            read("-0.424420 -0.005740 -0.115970 -0.503600 0.061450 -0.861700 45.000000\n").unwrap();
        assert_eq!(l, XyzLayout::XyzNormalsLabel);
        assert_eq!(c.points[0], [-0.42442, -0.00574, -0.11597]);
        assert_eq!(c.normals.unwrap()[0], [-0.5036, 0.06145, -0.8617]);
        assert_eq!(c.labels, Some(vec![45]));
    }

    #[test]
    fn comments_blank_lines_csv_and_crlf() {
        let text = "x, y, z, label\r\n# comment\r\n\r\n1,2,3,4 # trailing\r\n 5 ,6,7 , 8\r\n";
        let (c, l) = read(text).unwrap();
        assert_eq!(l, XyzLayout::XyzLabel);
        assert_eq!(c.points, vec![[1.0, 2.0, 3.0], [5.0, 6.0, 7.0]]);
        assert_eq!(c.labels, Some(vec![4, 8]));
        // No trailing newline is fine too.
        assert_eq!(read("1 2 3").unwrap().0.len(), 1);
    }

    #[test]
    fn reading_a_file_in_pieces_is_reading_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.xyz");
        let texts: &[&str] = &[
            "1 2 3\n4 5 6\n7 8 9",
            "# scan\n\n1 2 3 0 0 1 4.000000\r\n-1.5 2e-3 3 0 1 0 5.000000\r\n",
            "x,y,z,label\n1,2,3,4\n5,6,7,8\n",
            "1,2,3\n4,5,6\n",
            "1\t2\t3\t0.5\t0.5\t0.5\n2\t3\t4\t0.1\t0.2\t0.3\n",
            "0.1234567891234 2 3\n4 5 6\n",
            "1 2 3\n4 5 6\n1 x 3\n",
            "1 2 3\n\n4 5\n",
            "1 2 3\n1 nan 3\n",
            "# only a comment\n\n",
            "",
            "1 2 3 # a comment\n  4 5 6  \n7 8 9 1\n",
            "1 2 3 10\n4 5 6 11\n7 8 9 12\n10 11 12 13\n",
        ];
        for text in texts {
            std::fs::write(&path, text).unwrap();
            let whole = read_xyz_bytes(text.as_bytes(), "scan.xyz".as_ref())
                .map_err(|e| e.to_string().replace("scan.xyz", "F"));
            for piece in [1, 2, 3, 5, 8, 13, 1 << 20] {
                let got = read_xyz_file_in_pieces(&path, piece).map_err(|e| {
                    e.to_string()
                        .replace(&crate::error::display_path(&path), "F")
                });
                assert_eq!(got, whole, "{text:?} in pieces of {piece}");
            }
        }
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = read("1 2 3\n\n4 5\n").unwrap_err().to_string();
        assert_eq!(e, "scan.xyz: line 3: expected 3 columns like line 1, got 2");
        let e = read("1 2 3 4 5\n").unwrap_err().to_string();
        assert!(
            e.starts_with("scan.xyz: line 1: expected 3, 4, 6 or 7 columns"),
            "{e}"
        );
        let e = read("1 2 3\n1 x 3\n").unwrap_err().to_string();
        assert_eq!(e, "scan.xyz: line 2: column 2: 'x' is not a number");
        let e = read("1 2 3 4.5\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "scan.xyz: line 1: column 4: label '4.5' is not an integer"
        );
        let e = read("1 2 3\n1 nan 3\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "scan.xyz: line 2: column 2: non-finite value 'nan' (point 1)"
        );
        let e = read("1,,2,3\n").unwrap_err().to_string();
        assert!(e.contains("line 1: empty"), "{e}");
        let e = read("# only a comment\n\n").unwrap_err().to_string();
        assert_eq!(e, "scan.xyz: no points");
        let e = read("1 2 3 -1\n").unwrap_err().to_string();
        assert!(e.contains("out of range"), "{e}");
        let e = read("1 2 3 4 5 6 7 8 9 10\n").unwrap_err().to_string();
        assert!(e.contains("got 10"), "{e}");
    }

    #[test]
    fn writes_then_reads_back_exactly() {
        let mut c =
            PointCloud::from_points(vec![[0.1, -2.5e-8, 3.4028235e38], [1.0 / 3.0, -0.0, 7.0]]);
        c.normals = Some(vec![[0.6, 0.8, 0.0], [0.0, -1.0, 1e-7]]);
        c.labels = Some(vec![0, 49]);
        for layout in [
            XyzLayout::Xyz,
            XyzLayout::XyzLabel,
            XyzLayout::XyzNormals,
            XyzLayout::XyzNormalsLabel,
        ] {
            let mut buf = Vec::new();
            write_xyz(&mut buf, &c, layout).unwrap();
            let (back, l) = read_xyz_layout(&buf[..], Path::new("t")).unwrap();
            assert_eq!(l, layout);
            assert_eq!(back.points, c.points);
            assert_eq!(back.normals.is_some(), layout.has_normals());
            if layout.has_normals() {
                assert_eq!(back.normals, c.normals);
            }
            if layout.has_labels() {
                assert_eq!(back.labels, c.labels);
            }
        }
    }

    /// Bits of everything read (so `-0.0` and `0.0` differ), or the message.
    fn outcome(text: &[u8], fast: bool) -> std::result::Result<Vec<u64>, String> {
        outcome_split(text, fast, SPLIT_MIN)
    }

    /// [`outcome`] with texts from `split_min` bytes scanned in parallel
    /// chunks.
    fn outcome_split(
        text: &[u8],
        fast: bool,
        split_min: usize,
    ) -> std::result::Result<Vec<u64>, String> {
        let mut parser = TextParser::new(fast, text.len());
        parser.split_min = split_min;
        let parsed = parser
            .feed(text, Path::new("f.txt"))
            .and_then(|()| parser.finish(Path::new("f.txt")));
        match parsed {
            Ok((c, l, fits)) => {
                let mut v = vec![l.columns() as u64, fits as u64];
                v.extend(c.points.as_flattened().iter().map(|x| x.to_bits() as u64));
                if let Some(n) = &c.normals {
                    v.extend(
                        n.as_flattened()
                            .iter()
                            .map(|x| x.to_bits() as u64 + (1 << 40)),
                    );
                }
                if let Some(l) = &c.labels {
                    v.extend(l.iter().map(|&x| x as u64 + (2 << 40)));
                }
                Ok(v)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// A random line in the official `_normal` style (6 decimals, the label
    /// as a float).
    fn official_line(rng: &mut crate::rng::Rng) -> String {
        let v: Vec<String> = (0..6)
            .map(|_| format!("{:.6}", rng.uniform(-1.0, 1.0)))
            .collect();
        format!("{} {}.000000\n", v.join(" "), rng.below(50))
    }

    #[test]
    fn fused_lines_agree_with_the_general_parser() {
        use crate::rng::Rng;
        let mut rng = Rng::new(5);
        // Plain lines and every kind of line the fused scanner must hand on.
        let odd_lines = [
            "# comment\n",
            "\n",
            "  \t\n",
            "\r\n",
            "1,2,3,4,5,6,7\n",
            "1 2 3 4 5 6 7 # note\n",
            "1e20 2 3 0 0 1 3\n",
            "0.123456789012345678901 2 3 0 0 1 3\n",
            "1 2 3 0 0 1 45.5\n",
            "1 2 3 0 0 1 -1\n",
            "1 2 3 0 0 1 4e0\n",
            "1 2 3 0 0 1 1234567890\n",
            "1 2 3 0 0 1 99999999999\n",
            "1 nan 3 0 0 1 2\n",
            "1 2 3 0 0 1\n",
            "1 2 3 0 0 1 2 3\n",
            "1 2 3 0 0 1 2\r\n",
            "\t1\t2\t3\t0\t0\t1\t2\t\r\n",
            "1 2 3 0 0 1 2x\n",
            "1 2.5.1 3 0 0 1 2\n",
            "1 2\r3 0 0 1 2\n",
            "-0.000000 +0.5 .5 5. -.5 1E3 0.0\n",
            "1 2 3 0 0 1 7",
        ];
        for case in 0..400 {
            let mut text = String::new();
            if case % 7 == 0 {
                text.push_str("x y z nx ny nz label\n");
            }
            let lines = 1 + rng.below(12);
            for _ in 0..lines {
                if rng.chance(0.25) {
                    text.push_str(odd_lines[rng.below(odd_lines.len())]);
                    // A last line without '\n' must stay last.
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                } else {
                    text.push_str(&official_line(&mut rng));
                }
            }
            if rng.chance(0.3) {
                text.pop();
            }
            let fast = outcome(text.as_bytes(), true);
            let slow = outcome(text.as_bytes(), false);
            assert_eq!(fast, slow, "{text:?}");
            let chunked = outcome_split(text.as_bytes(), true, 1);
            assert_eq!(chunked, slow, "{text:?}");
        }
        // Long texts in many parallel chunks, odd lines (and errors) falling
        // anywhere in them: the same points, line numbers and first error.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        for case in 0..60 {
            let mut text = String::new();
            for _ in 0..200 + rng.below(800) {
                if rng.chance(0.01 * (case % 4) as f32) {
                    text.push_str(odd_lines[rng.below(odd_lines.len() - 1)]);
                } else {
                    text.push_str(&official_line(&mut rng));
                }
            }
            if rng.chance(0.3) {
                text.pop();
            }
            let slow = outcome(text.as_bytes(), false);
            for split_min in [1, 100, 5000] {
                let chunked = pool.install(|| outcome_split(text.as_bytes(), true, split_min));
                assert_eq!(chunked, slow, "case {case}, split from {split_min} bytes");
            }
        }
        // The plain official style is read by the fused scanner.
        let text = "0.1 0.2 0.3 0.0 0.0 1.0 5.000000\n-0.5 0.25 1e-3 1 0 0 7.000000\n";
        let (c, _) = read_xyz_bytes(text.as_bytes(), Path::new("t")).unwrap();
        assert_eq!(c.points[1], [-0.5, 0.25, 0.001]);
        assert_eq!(c.labels, Some(vec![5, 7]));
    }

    #[test]
    fn fused_errors_keep_file_and_line() {
        let e = read_xyz_bytes(
            b"1 2 3 0 0 1 4\n1 2 3 0 0 1 4\n1 2 3 0 0 1 4.5\n",
            Path::new("a.txt"),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "a.txt: line 3: column 7: label '4.5' is not an integer");
        let e = read_xyz_bytes(b"1 2 3\n\n1 2 3\n1 2 x\n", Path::new("b.txt"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "b.txt: line 4: column 3: 'x' is not a number");
    }

    #[test]
    fn normal_txt_matches_the_official_style() {
        let mut c = PointCloud::from_points(vec![[-0.42442, -0.00574, -0.11597]]);
        c.normals = Some(vec![[-0.5036, 0.06145, -0.8617]]);
        c.labels = Some(vec![45]);
        let mut buf = Vec::new();
        write_normal_txt(&mut buf, &c).unwrap();
        assert_eq!(
            String::from_utf8(buf.clone()).unwrap(),
            "-0.424420 -0.005740 -0.115970 -0.503600 0.061450 -0.861700 45.000000\n"
        );
        assert_eq!(read_xyz(&buf[..], Path::new("t")).unwrap(), c);
        c.normals = None;
        assert!(write_normal_txt(&mut Vec::new(), &c).is_err());
    }
}
