//! PLY header: read line by line (so errors carry line numbers and duplicate
//! names are caught), each line parsed by ply-rs-bw's header grammar.
//!
//! The header is bounded ([`MAX_PROPERTIES`] per element, [`MAX_ELEMENTS`],
//! [`MAX_HEADER_BYTES`], [`MAX_HEADER_LINES`], [`MAX_HEADER_LINE`]) and every
//! check is linear in its size, so a hostile header is refused at once.

use crate::cloud::ScalarKind;
use crate::error::{Error, Result};
use crate::io::numparse::show;
use ply_rs_bw::parser::Parser;
use ply_rs_bw::ply::{DefaultElement, Encoding, PropertyType, ScalarType};
use std::collections::HashSet;
use std::io::{BufRead, Read};
use std::path::Path;

/// Longest header line accepted, in bytes (a guard against binary garbage).
pub const MAX_HEADER_LINE: u64 = 4096;
/// Most header lines accepted.
pub const MAX_HEADER_LINES: u64 = 100_000;
/// Largest header accepted, in bytes, `end_header` included (1 MiB).
pub const MAX_HEADER_BYTES: usize = 1 << 20;
/// Most elements a header may declare.
pub const MAX_ELEMENTS: usize = 256;
/// Most properties one element may declare.
pub const MAX_PROPERTIES: usize = 1024;

/// Body encoding of a PLY file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlyEncoding {
    /// Text, one element a line.
    Ascii,
    /// Binary, little-endian (the default for writing).
    #[default]
    BinaryLittleEndian,
    /// Binary, big-endian.
    BinaryBigEndian,
}

impl PlyEncoding {
    /// The name used on the header's `format` line.
    pub fn name(self) -> &'static str {
        match self {
            PlyEncoding::Ascii => "ascii",
            PlyEncoding::BinaryLittleEndian => "binary_little_endian",
            PlyEncoding::BinaryBigEndian => "binary_big_endian",
        }
    }

    pub(crate) fn to_ply_rs(self) -> Encoding {
        match self {
            PlyEncoding::Ascii => Encoding::Ascii,
            PlyEncoding::BinaryLittleEndian => Encoding::BinaryLittleEndian,
            PlyEncoding::BinaryBigEndian => Encoding::BinaryBigEndian,
        }
    }
}

/// Type of a PLY property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlyType {
    /// One number.
    Scalar(ScalarKind),
    /// A count of type `.0` followed by that many values of type `.1`.
    List(ScalarKind, ScalarKind),
}

impl std::fmt::Display for PlyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlyType::Scalar(k) => f.write_str(kind_name(*k)),
            PlyType::List(c, v) => write!(f, "list {} {}", kind_name(*c), kind_name(*v)),
        }
    }
}

/// One property of a PLY element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlyProperty {
    /// Name as in the header.
    pub name: String,
    /// Declared type.
    pub ty: PlyType,
}

/// One element (`vertex`, `face`, ...) of a PLY header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlyElement {
    /// Element name.
    pub name: String,
    /// Declared number of records.
    pub count: u64,
    /// Properties in record order.
    pub properties: Vec<PlyProperty>,
}

/// A parsed PLY header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlyHeader {
    /// Body encoding.
    pub encoding: PlyEncoding,
    /// Elements in body order.
    pub elements: Vec<PlyElement>,
    /// `comment` lines.
    pub comments: Vec<String>,
    /// Number of header lines, `end_header` included.
    pub lines: u64,
}

/// Size in bytes of one binary value of `kind`.
pub fn kind_size(kind: ScalarKind) -> usize {
    match kind {
        ScalarKind::I8 | ScalarKind::U8 => 1,
        ScalarKind::I16 | ScalarKind::U16 => 2,
        ScalarKind::I32 | ScalarKind::U32 | ScalarKind::F32 => 4,
        ScalarKind::F64 => 8,
    }
}

/// The canonical PLY type name of `kind` (`uchar`, `float`, ...).
pub fn kind_name(kind: ScalarKind) -> &'static str {
    match kind {
        ScalarKind::I8 => "char",
        ScalarKind::U8 => "uchar",
        ScalarKind::I16 => "short",
        ScalarKind::U16 => "ushort",
        ScalarKind::I32 => "int",
        ScalarKind::U32 => "uint",
        ScalarKind::F32 => "float",
        ScalarKind::F64 => "double",
    }
}

/// Whether `kind` is an integer type.
pub fn kind_is_integer(kind: ScalarKind) -> bool {
    !matches!(kind, ScalarKind::F32 | ScalarKind::F64)
}

fn from_ply_rs(t: &ScalarType) -> ScalarKind {
    match t {
        ScalarType::Char => ScalarKind::I8,
        ScalarType::UChar => ScalarKind::U8,
        ScalarType::Short => ScalarKind::I16,
        ScalarType::UShort => ScalarKind::U16,
        ScalarType::Int => ScalarKind::I32,
        ScalarType::UInt => ScalarKind::U32,
        ScalarType::Float => ScalarKind::F32,
        ScalarType::Double => ScalarKind::F64,
    }
}

pub(crate) fn to_ply_rs(k: ScalarKind) -> ScalarType {
    match k {
        ScalarKind::I8 => ScalarType::Char,
        ScalarKind::U8 => ScalarType::UChar,
        ScalarKind::I16 => ScalarType::Short,
        ScalarKind::U16 => ScalarType::UShort,
        ScalarKind::I32 => ScalarType::Int,
        ScalarKind::U32 => ScalarType::UInt,
        ScalarKind::F32 => ScalarType::Float,
        ScalarKind::F64 => ScalarType::Double,
    }
}

/// Read one header line (without its line ending). `Ok(None)` at end of input.
fn next_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>, path: &Path, line: u64) -> Result<bool> {
    buf.clear();
    let n = r
        .by_ref()
        .take(MAX_HEADER_LINE)
        .read_until(b'\n', buf)
        .map_err(|e| Error::io(path, e))?;
    if n == 0 {
        return Ok(false);
    }
    if buf.last() != Some(&b'\n') && n as u64 == MAX_HEADER_LINE {
        return Err(Error::data(path, Some(line), "PLY header line too long"));
    }
    while matches!(buf.last(), Some(b'\n' | b'\r' | b' ' | b'\t')) {
        buf.pop();
    }
    Ok(true)
}

/// Read a PLY header from `r`, leaving `r` at the first body byte.
/// `path` is used in messages only.
///
/// The lines are gathered here (bounded, so binary garbage cannot make us read
/// without end), parsed by ply-rs-bw's header grammar, and checked for
/// duplicate names, which ply-rs-bw's maps would silently merge.
pub fn read_ply_header<R: BufRead>(r: &mut R, path: &Path) -> Result<PlyHeader> {
    let mut buf = Vec::with_capacity(64);
    let mut line: u64 = 1;
    if !next_line(r, &mut buf, path, line)? || buf != b"ply" {
        return Err(Error::data(
            path,
            None,
            "not a PLY file (the first line is not 'ply')",
        ));
    }
    let mut text = String::from("ply\n");
    let mut lines: Vec<String> = vec!["ply".into()];
    // Elements and properties so far, for the limits; the current element.
    let (mut elements, mut properties) = (0usize, 0usize);
    let mut element = String::new();
    loop {
        line += 1;
        if line > MAX_HEADER_LINES {
            return Err(Error::data(
                path,
                Some(line),
                format!("PLY header has more than {MAX_HEADER_LINES} lines (no end_header?)"),
            ));
        }
        if !next_line(r, &mut buf, path, line)? {
            return Err(Error::data(
                path,
                Some(line),
                "PLY header ends before end_header",
            ));
        }
        let l = std::str::from_utf8(&buf)
            .map_err(|_| Error::data(path, Some(line), "PLY header line is not text"))?;
        text.push_str(l);
        text.push('\n');
        if text.len() > MAX_HEADER_BYTES {
            return Err(Error::data(
                path,
                Some(line),
                format!("PLY header is larger than {} MiB", MAX_HEADER_BYTES >> 20),
            ));
        }
        match l.split_ascii_whitespace().next() {
            Some("element") => {
                elements += 1;
                properties = 0;
                element = l.split_ascii_whitespace().nth(1).unwrap_or_default().into();
                if elements > MAX_ELEMENTS {
                    return Err(Error::data(
                        path,
                        Some(line),
                        format!("PLY header declares more than {MAX_ELEMENTS} elements"),
                    ));
                }
            }
            Some("property") => {
                properties += 1;
                if properties > MAX_PROPERTIES {
                    return Err(Error::data(
                        path,
                        Some(line),
                        format!("element '{element}' has more than {MAX_PROPERTIES} properties"),
                    ));
                }
            }
            _ => {}
        }
        lines.push(l.to_string());
        if l == "end_header" {
            break;
        }
    }
    let parser = Parser::<DefaultElement>::new();
    let mut reader = ply_rs_bw::parser::Reader::new(text.as_bytes());
    let parsed = parser.read_header(&mut reader).map_err(|e| {
        let at = e.line().and_then(|l| lines.get(l.checked_sub(1)?));
        match at {
            Some(l) => Error::data(
                path,
                e.line().map(|l| l as u64),
                format!("bad PLY header line '{}'", show(l.as_bytes())),
            ),
            None => {
                let first = e.to_string();
                let first = first.lines().next().unwrap_or_default();
                Error::data(
                    path,
                    None,
                    format!("bad PLY header: {}", first.trim_end_matches('.')),
                )
            }
        }
    })?;
    check_duplicates(&lines, path)?;
    let encoding = match parsed.encoding {
        Encoding::Ascii => PlyEncoding::Ascii,
        Encoding::BinaryLittleEndian => PlyEncoding::BinaryLittleEndian,
        Encoding::BinaryBigEndian => PlyEncoding::BinaryBigEndian,
    };
    if parsed.version.major != 1 {
        return Err(Error::data(
            path,
            None,
            format!("unsupported PLY version {}", parsed.version),
        ));
    }
    let mut elements = Vec::with_capacity(parsed.elements.len());
    for (name, e) in &parsed.elements {
        let mut properties = Vec::with_capacity(e.properties.len());
        for (pname, p) in &e.properties {
            let ty = match &p.data_type {
                PropertyType::Scalar(s) => PlyType::Scalar(from_ply_rs(s)),
                PropertyType::List(c, v) => {
                    let c = from_ply_rs(c);
                    if !kind_is_integer(c) {
                        return Err(Error::data(
                            path,
                            None,
                            format!("list property '{pname}' of '{name}' has a float count type"),
                        ));
                    }
                    PlyType::List(c, from_ply_rs(v))
                }
            };
            properties.push(PlyProperty {
                name: pname.clone(),
                ty,
            });
        }
        elements.push(PlyElement {
            name: name.clone(),
            count: e.count as u64,
            properties,
        });
    }
    Ok(PlyHeader {
        encoding,
        elements,
        comments: parsed.comments.clone(),
        lines: line,
    })
}

/// Reject an element declared twice, or a property declared twice in one
/// element (the grammar accepted every line, so the token positions are known).
/// Hash sets keep this linear in the number of lines.
fn check_duplicates(lines: &[String], path: &Path) -> Result<()> {
    let mut elements: HashSet<&str> = HashSet::new();
    let mut element = "";
    let mut props: HashSet<&str> = HashSet::new();
    for (i, l) in lines.iter().enumerate() {
        let err = |msg: String| Error::data(path, Some(i as u64 + 1), msg);
        let mut tokens = l.split_whitespace();
        match tokens.next() {
            Some("element") => {
                let name = tokens.next().unwrap_or_default();
                if !elements.insert(name) {
                    return Err(err(format!("element '{name}' declared twice")));
                }
                element = name;
                props.clear();
            }
            Some("property") => {
                let name = tokens.last().unwrap_or_default();
                if !props.insert(name) {
                    return Err(err(format!(
                        "property '{name}' of '{element}' declared twice"
                    )));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> Result<PlyHeader> {
        read_ply_header(&mut text.as_bytes(), Path::new("h.ply"))
    }

    #[test]
    fn parses_a_mesh_header() {
        let h = header(
            "ply\r\nformat binary_big_endian 1.0\ncomment made by hand\nelement vertex 8\n\
             property float32 x\nproperty double y\nproperty float z\nproperty uchar red\n\
             element face 6\nproperty list uchar int vertex_indices\nend_header\n",
        )
        .unwrap();
        assert_eq!(h.encoding, PlyEncoding::BinaryBigEndian);
        assert_eq!(h.comments, vec!["made by hand".to_string()]);
        assert_eq!(h.lines, 11);
        assert_eq!(h.elements.len(), 2);
        let v = &h.elements[0];
        assert_eq!((v.name.as_str(), v.count), ("vertex", 8));
        let types: Vec<String> = v.properties.iter().map(|p| p.ty.to_string()).collect();
        assert_eq!(types, ["float", "double", "float", "uchar"]);
        assert_eq!(h.elements[1].properties[0].ty.to_string(), "list uchar int");
    }

    #[test]
    fn rejects_bad_headers_with_line_numbers() {
        let cases = [
            ("", "h.ply: not a PLY file (the first line is not 'ply')"),
            ("plyx\n", "h.ply: not a PLY file (the first line is not 'ply')"),
            ("ply\nformat ascii 1.0\n", "h.ply: line 3: PLY header ends before end_header"),
            ("ply\nformat ascii 1.0\nproperty float x\nend_header\n", "h.ply: line 3: bad PLY header line 'property float x'"),
            ("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float x\nend_header\n",
             "h.ply: line 5: property 'x' of 'vertex' declared twice"),
            ("ply\nformat ascii 1.0\nelement v 1\nelement v 2\nend_header\n", "h.ply: line 4: element 'v' declared twice"),
            ("ply\nformat ascii 2.0\nend_header\n", "h.ply: unsupported PLY version 2.0"),
            ("ply\nelement vertex 1\nend_header\n", "h.ply: bad PLY header: No format line found"),
            ("ply\nformat ascii 1.0\nelement vertex x\nend_header\n", "h.ply: line 3: bad PLY header line 'element vertex x'"),
            ("ply\nformat ascii 1.0\nelement vertex 99999999999999999999999\nend_header\n", "h.ply: line 3: bad PLY header line 'element vertex 99999999999999999999999'"),
        ];
        let mut wrong = Vec::new();
        for (text, want) in cases {
            let got = header(text).unwrap_err().to_string();
            if got != want {
                wrong.push(format!("{text:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
