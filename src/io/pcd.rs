//! PCD (the Point Cloud Library's format), version 0.7 (and the 0.6/0.5
//! headers, which differ only in the fields they may leave out): `ascii`,
//! `binary` and `binary_compressed` (LZF, see [`lzf_decompress`]) data.
//!
//! Reading: `x y z` (required), `normal_x normal_y normal_z` (or
//! `nx ny nz`) become normals, the first integer `label` (or
//! `scalar_label`, `class`, `part`) the labels, a packed `rgb` (float or
//! uint) / `rgba` the extra properties `red green blue` (uchar, like a PLY
//! file's) and `alpha` for `rgba` or when an `rgb` field has a non-zero top
//! byte. Every other field is kept as an extra property with its type; a
//! field of `COUNT n > 1` becomes `n` properties `name_0 .. name_{n-1}`.
//! Fields named `_` are PCL's padding and are skipped. 64-bit integers are
//! kept as `double` when exact, else refused.
//!
//! Writing ([`write_pcd`]): `DATA binary`, every column of the cloud
//! ([`columns`](crate::io::columns)) under its PCD name (`normal_x ...`),
//! the labels as `label` (uint32), and the part colours given to the writer
//! (or the cloud's own `red green blue`) packed into one `rgb` float field,
//! which is what PCL, Open3D and CloudCompare read as colour.

use crate::cloud::{
    fits_f32, ColumnRole, ExtraProperty, PointCloud, ScalarKind, SourceColumn, SourceLayout,
};
use crate::error::{Error, Result};
use crate::io::columns::{column_value, output_columns, ColumnValue, OutputColumn};
use crate::io::numparse::{parse_f64, show};
use crate::io::ply::LABEL_NAMES;
use std::io::Write;
use std::path::Path;

/// Most points reserved up front whatever the header claims.
const MAX_RESERVE: u64 = 1 << 20;
/// Most header lines read before the `DATA` line.
const MAX_HEADER_LINES: usize = 10_000;

/// How a PCD body is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PcdData {
    /// One text line per point.
    Ascii,
    /// Packed little-endian records.
    Binary,
    /// LZF-compressed, field by field.
    BinaryCompressed,
}

impl PcdData {
    /// The `DATA` keyword (`ascii`, `binary`, `binary_compressed`).
    pub fn name(self) -> &'static str {
        match self {
            PcdData::Ascii => "ascii",
            PcdData::Binary => "binary",
            PcdData::BinaryCompressed => "binary_compressed",
        }
    }
}

/// One `FIELDS` entry with its `SIZE`, `TYPE` and `COUNT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcdField {
    /// Field name.
    pub name: String,
    /// Bytes per value (1, 2, 4 or 8).
    pub size: usize,
    /// `I` (signed), `U` (unsigned) or `F` (float).
    pub ty: u8,
    /// Values per point.
    pub count: usize,
}

impl PcdField {
    /// The field's type as `TYPE SIZE`, e.g. `F4`.
    pub fn type_name(&self) -> String {
        format!("{}{}", self.ty as char, self.size)
    }
}

/// A parsed PCD header.
#[derive(Debug, Clone, PartialEq)]
pub struct PcdHeader {
    /// `VERSION` (e.g. `0.7`), if given.
    pub version: Option<String>,
    /// The fields, in file order.
    pub fields: Vec<PcdField>,
    /// `WIDTH`.
    pub width: u64,
    /// `HEIGHT` (1 for an unorganised cloud).
    pub height: u64,
    /// `POINTS`.
    pub points: u64,
    /// `DATA`.
    pub data: PcdData,
    /// Header lines (the `DATA` line included), for ascii line numbers.
    pub lines: u64,
}

/// Whether `bytes` start like a PCD file (`# .PCD` or `VERSION`).
pub fn starts_with_pcd_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(b"# .PCD") || bytes.starts_with(b"VERSION ")
}

fn kind_of(ty: u8, size: usize) -> Option<ScalarKind> {
    Some(match (ty, size) {
        (b'I', 1) => ScalarKind::I8,
        (b'U', 1) => ScalarKind::U8,
        (b'I', 2) => ScalarKind::I16,
        (b'U', 2) => ScalarKind::U16,
        (b'I', 4) => ScalarKind::I32,
        (b'U', 4) => ScalarKind::U32,
        (b'F', 4) => ScalarKind::F32,
        (b'F', 8) | (b'I', 8) | (b'U', 8) => ScalarKind::F64,
        _ => return None,
    })
}

fn type_of(kind: ScalarKind) -> (u8, usize) {
    match kind {
        ScalarKind::I8 => (b'I', 1),
        ScalarKind::U8 => (b'U', 1),
        ScalarKind::I16 => (b'I', 2),
        ScalarKind::U16 => (b'U', 2),
        ScalarKind::I32 => (b'I', 4),
        ScalarKind::U32 => (b'U', 4),
        ScalarKind::F32 => (b'F', 4),
        ScalarKind::F64 => (b'F', 8),
    }
}

/// Parse the header at the start of `bytes`; returns it and the offset of
/// the body.
pub fn read_pcd_header(bytes: &[u8], path: &Path) -> Result<(PcdHeader, usize)> {
    let bad = |line: u64, m: String| Error::data(path, Some(line), m);
    let mut pos = 0;
    let mut line_no = 0u64;
    let mut version = None;
    let mut names: Option<Vec<String>> = None;
    let mut sizes: Option<Vec<usize>> = None;
    let mut types: Option<Vec<u8>> = None;
    let mut counts: Option<Vec<usize>> = None;
    let (mut width, mut height, mut points) = (None, None, None);
    loop {
        if pos >= bytes.len() {
            return Err(Error::data(
                path,
                None,
                "PCD header ends before its DATA line (truncated or not a PCD file)",
            ));
        }
        if line_no as usize >= MAX_HEADER_LINES {
            return Err(bad(line_no, "PCD header has no DATA line".into()));
        }
        let end = bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| pos + i + 1);
        let raw = &bytes[pos..end];
        pos = end;
        line_no += 1;
        let text = std::str::from_utf8(raw)
            .map_err(|_| bad(line_no, "PCD header line is not text".into()))?
            .trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let mut words = text.split_whitespace();
        let key = words.next().unwrap_or("").to_ascii_uppercase();
        let rest: Vec<&str> = words.collect();
        let numbers = |what: &str| -> Result<Vec<usize>> {
            rest.iter()
                .map(|w| {
                    w.parse::<usize>()
                        .map_err(|_| bad(line_no, format!("PCD {what}: bad number '{w}'")))
                })
                .collect()
        };
        let one = |what: &str| -> Result<u64> {
            match rest.as_slice() {
                [w] => w
                    .parse::<u64>()
                    .map_err(|_| bad(line_no, format!("PCD {what}: bad number '{w}'"))),
                _ => Err(bad(line_no, format!("PCD {what} takes one number"))),
            }
        };
        match key.as_str() {
            "VERSION" => version = rest.first().map(|s| s.to_string()),
            "FIELDS" | "COLUMNS" => names = Some(rest.iter().map(|s| s.to_string()).collect()),
            "SIZE" => sizes = Some(numbers("SIZE")?),
            "COUNT" => counts = Some(numbers("COUNT")?),
            "TYPE" => {
                let mut t = Vec::new();
                for w in &rest {
                    match w.as_bytes() {
                        [c @ (b'I' | b'U' | b'F')] => t.push(*c),
                        _ => return Err(bad(line_no, format!("PCD TYPE: '{w}' is not I, U or F"))),
                    }
                }
                types = Some(t);
            }
            "WIDTH" => width = Some(one("WIDTH")?),
            "HEIGHT" => height = Some(one("HEIGHT")?),
            "POINTS" => points = Some(one("POINTS")?),
            "VIEWPOINT" => {}
            "DATA" => {
                let data = match rest.first().map(|s| s.to_ascii_lowercase()).as_deref() {
                    Some("ascii") => PcdData::Ascii,
                    Some("binary") => PcdData::Binary,
                    Some("binary_compressed") => PcdData::BinaryCompressed,
                    other => {
                        return Err(bad(
                            line_no,
                            format!(
                                "PCD DATA '{}': expected ascii, binary or binary_compressed",
                                other.unwrap_or("")
                            ),
                        ))
                    }
                };
                let names = names.ok_or_else(|| bad(line_no, "PCD header has no FIELDS".into()))?;
                let n = names.len();
                let sizes = sizes.ok_or_else(|| bad(line_no, "PCD header has no SIZE".into()))?;
                let types = types.ok_or_else(|| bad(line_no, "PCD header has no TYPE".into()))?;
                let counts = counts.unwrap_or_else(|| vec![1; n]);
                if sizes.len() != n || types.len() != n || counts.len() != n {
                    return Err(bad(
                        line_no,
                        format!(
                            "PCD header has {n} FIELDS but {} SIZE, {} TYPE and {} COUNT entries",
                            sizes.len(),
                            types.len(),
                            counts.len()
                        ),
                    ));
                }
                let mut fields = Vec::with_capacity(n);
                for i in 0..n {
                    let f = PcdField {
                        name: names[i].clone(),
                        size: sizes[i],
                        ty: types[i],
                        count: counts[i],
                    };
                    if kind_of(f.ty, f.size).is_none() {
                        return Err(bad(
                            line_no,
                            format!(
                                "PCD field '{}' has unsupported type {}",
                                f.name,
                                f.type_name()
                            ),
                        ));
                    }
                    if f.count == 0 || f.count > 1 << 16 {
                        return Err(bad(
                            line_no,
                            format!("PCD field '{}' has COUNT {}", f.name, f.count),
                        ));
                    }
                    fields.push(f);
                }
                let width = width.ok_or_else(|| bad(line_no, "PCD header has no WIDTH".into()))?;
                let height = height.unwrap_or(1);
                let wh = width
                    .checked_mul(height)
                    .ok_or_else(|| bad(line_no, "PCD WIDTH x HEIGHT is too large".into()))?;
                let points = points.unwrap_or(wh);
                if points != wh {
                    return Err(bad(
                        line_no,
                        format!("PCD POINTS {points} is not WIDTH x HEIGHT = {wh}"),
                    ));
                }
                let header = PcdHeader {
                    version,
                    fields,
                    width,
                    height,
                    points,
                    data,
                    lines: line_no,
                };
                return Ok((header, pos));
            }
            other => {
                return Err(bad(
                    line_no,
                    format!("unknown PCD header line '{}'", show(other.as_bytes())),
                ))
            }
        }
    }
}

/// Decompress LZF `input` (liblzf's format, as PCL writes it) into exactly
/// `out_len` bytes. Fails on a back reference before the start, a run past
/// either end, or an output of another length.
pub fn lzf_decompress(input: &[u8], out_len: usize) -> std::result::Result<Vec<u8>, String> {
    // A run of 3 input bytes gives at most 264 output bytes: a header that
    // claims more cannot be right, and must not reserve gigabytes.
    if out_len / 88 > input.len() + 1 {
        return Err(format!(
            "{} bytes of LZF data cannot expand to the {out_len} bytes the header says",
            input.len()
        ));
    }
    let mut out: Vec<u8> = Vec::with_capacity(out_len);
    let mut i = 0;
    let short = || "LZF data ends inside a run".to_string();
    while i < input.len() {
        let ctrl = input[i] as usize;
        i += 1;
        if ctrl < 32 {
            let len = ctrl + 1;
            let lit = input.get(i..i + len).ok_or_else(short)?;
            if out.len() + len > out_len {
                return Err(format!("LZF data expands beyond {out_len} bytes"));
            }
            out.extend_from_slice(lit);
            i += len;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(i).ok_or_else(short)? as usize;
                i += 1;
            }
            len += 2;
            let low = *input.get(i).ok_or_else(short)? as usize;
            i += 1;
            let back = ((ctrl & 0x1f) << 8) + low + 1;
            if back > out.len() {
                return Err("LZF back reference before the start of the data".into());
            }
            if out.len() + len > out_len {
                return Err(format!("LZF data expands beyond {out_len} bytes"));
            }
            let start = out.len() - back;
            for k in 0..len {
                let b = out[start + k];
                out.push(b);
            }
        }
    }
    if out.len() != out_len {
        return Err(format!(
            "LZF data expands to {} bytes, the header says {out_len}",
            out.len()
        ));
    }
    Ok(out)
}

/// Where one value of a record goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Coord(usize),
    Normal(usize),
    Label,
    Extra(usize),
    /// Packed colour: extras `red green blue` at this index, and `alpha`
    /// after them for `rgba` (`true`).
    Rgb(usize, bool),
    Skip,
}

/// One value of a record: its byte offset, field type and target.
#[derive(Debug, Clone, Copy)]
struct Slot {
    offset: usize,
    ty: u8,
    size: usize,
    target: Target,
}

fn value_le(b: &[u8], ty: u8, size: usize) -> f64 {
    let a = |n: usize| -> [u8; 8] {
        let mut x = [0u8; 8];
        x[..n].copy_from_slice(&b[..n]);
        x
    };
    match (ty, size) {
        (b'I', 1) => b[0] as i8 as f64,
        (b'U', 1) => b[0] as f64,
        (b'I', 2) => i16::from_le_bytes([b[0], b[1]]) as f64,
        (b'U', 2) => u16::from_le_bytes([b[0], b[1]]) as f64,
        (b'I', 4) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
        (b'U', 4) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
        (b'F', 4) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
        (b'F', 8) => f64::from_le_bytes(a(8)),
        (b'I', 8) => i64::from_le_bytes(a(8)) as f64,
        (b'U', 8) => u64::from_le_bytes(a(8)) as f64,
        _ => 0.0,
    }
}

/// Exactness of a 64-bit integer through `f64`.
fn int64_exact(b: &[u8], ty: u8) -> bool {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[..8]);
    match ty {
        b'I' => {
            let v = i64::from_le_bytes(x);
            v as f64 as i64 == v && (v as f64).abs() < 9.2e18
        }
        _ => {
            let v = u64::from_le_bytes(x);
            v as f64 as u64 == v && (v as f64) < 1.8e19
        }
    }
}

/// Read a PCD cloud from `bytes`, with its header. `path` names the file in
/// messages.
pub fn read_pcd(bytes: &[u8], path: &Path) -> Result<(PointCloud, PcdHeader)> {
    let (header, body_at) = read_pcd_header(bytes, path)?;
    let fields = &header.fields;
    let find = |names: &[&str]| {
        fields
            .iter()
            .position(|f| f.count == 1 && names.iter().any(|n| f.name == *n))
    };
    for axis in ["x", "y", "z"] {
        if find(&[axis]).is_none() {
            return Err(Error::data(
                path,
                None,
                format!("PCD file has no '{axis}' field"),
            ));
        }
    }
    let normal_names = [["normal_x", "nx"], ["normal_y", "ny"], ["normal_z", "nz"]];
    let has_normals = normal_names.iter().all(|n| find(n).is_some());
    let normal_at: Vec<Option<usize>> = normal_names.iter().map(|n| find(n)).collect();
    let label_at = LABEL_NAMES.iter().find_map(|n| {
        find(&[n]).filter(|&i| matches!(fields[i].ty, b'I' | b'U') && fields[i].size <= 4)
    });
    let rgb_at = fields
        .iter()
        .position(|f| f.count == 1 && f.size == 4 && matches!(f.name.as_str(), "rgb" | "rgba"));
    let mut cloud = PointCloud::default();
    let mut layout = Vec::new();
    let mut slots = Vec::new();
    let mut offset = 0;
    let mut coord_kinds = [ScalarKind::F32; 3];
    let mut normal_kinds = [ScalarKind::F32; 3];
    let mut extra = |name: String, kind: ScalarKind, layout: &mut Vec<SourceColumn>| {
        cloud.extra.push(ExtraProperty {
            name: name.clone(),
            kind,
            values: Vec::new(),
        });
        let i = cloud.extra.len() - 1;
        layout.push(SourceColumn {
            name,
            kind,
            role: ColumnRole::Extra(i),
        });
        i
    };
    for (fi, f) in fields.iter().enumerate() {
        let kind = kind_of(f.ty, f.size).expect("checked in the header");
        for j in 0..f.count {
            let target = if f.name == "_" {
                Target::Skip
            } else if f.count == 1
                && matches!(f.name.as_str(), "x" | "y" | "z")
                && find(&[&f.name]) == Some(fi)
            {
                let k = (f.name.as_bytes()[0] - b'x') as usize;
                coord_kinds[k] = kind;
                layout.push(SourceColumn {
                    name: f.name.clone(),
                    kind,
                    role: ColumnRole::Coord(k),
                });
                Target::Coord(k)
            } else if let Some(k) = normal_at.iter().position(|&n| has_normals && n == Some(fi)) {
                normal_kinds[k] = kind;
                layout.push(SourceColumn {
                    name: f.name.clone(),
                    kind,
                    role: ColumnRole::Normal(k),
                });
                Target::Normal(k)
            } else if Some(fi) == label_at {
                layout.push(SourceColumn {
                    name: f.name.clone(),
                    kind,
                    role: ColumnRole::Label,
                });
                Target::Label
            } else if Some(fi) == rgb_at {
                let first = extra("red".into(), ScalarKind::U8, &mut layout);
                extra("green".into(), ScalarKind::U8, &mut layout);
                extra("blue".into(), ScalarKind::U8, &mut layout);
                // An rgb field's top byte is kept as alpha only when some
                // point has one (decided after reading); rgba always has it.
                extra("alpha".into(), ScalarKind::U8, &mut layout);
                Target::Rgb(first, f.name == "rgba")
            } else {
                let name = if f.count == 1 {
                    f.name.clone()
                } else {
                    format!("{}_{j}", f.name)
                };
                Target::Extra(extra(name, kind, &mut layout))
            };
            slots.push(Slot {
                offset,
                ty: f.ty,
                size: f.size,
                target,
            });
            offset += f.size;
        }
    }
    let stride = offset;
    let n = header.points;
    let reserve = n.min(MAX_RESERVE) as usize;
    cloud.points.reserve(reserve);
    let mut normals: Option<Vec<[f32; 3]>> = has_normals.then(|| Vec::with_capacity(reserve));
    let mut labels: Option<Vec<u32>> = label_at.map(|_| Vec::with_capacity(reserve));
    let wide = |k: &[ScalarKind; 3]| {
        k.iter()
            .any(|k| matches!(k, ScalarKind::F64 | ScalarKind::I32 | ScalarKind::U32))
    };
    let mut exact_points: Option<Vec<[f64; 3]>> = wide(&coord_kinds).then(Vec::new);
    let mut exact_normals: Option<Vec<[f64; 3]>> =
        (has_normals && wide(&normal_kinds)).then(Vec::new);
    let field_name = |si: usize| -> &str {
        let mut off = 0;
        for f in fields {
            off += f.size * f.count;
            if slots[si].offset < off {
                return &f.name;
            }
        }
        ""
    };
    // Store one record's values; `get(slot)` gives (value, raw bytes).
    let mut store = |values: &[(f64, u32)],
                     line: Option<u64>,
                     record: u64,
                     cloud: &mut PointCloud|
     -> Result<()> {
        let mut p = [0.0f64; 3];
        let mut nrm = [0.0f64; 3];
        for (si, s) in slots.iter().enumerate() {
            let (v, bits) = values[si];
            match s.target {
                Target::Skip => {}
                Target::Coord(k) => p[k] = v,
                Target::Normal(k) => nrm[k] = v,
                Target::Label => {
                    if !(v >= 0.0 && v <= u32::MAX as f64 && v.fract() == 0.0) {
                        return Err(Error::data(
                            path,
                            line,
                            format!("point {record}: label {v} is not a part id (0 or more)"),
                        ));
                    }
                    if let Some(l) = labels.as_mut() {
                        l.push(v as u32);
                    }
                }
                Target::Extra(i) => cloud.extra[i].values.push(v),
                Target::Rgb(i, _) => {
                    for (k, shift) in [16u32, 8, 0, 24].into_iter().enumerate() {
                        cloud.extra[i + k]
                            .values
                            .push(((bits >> shift) & 0xff) as f64);
                    }
                }
            }
        }
        let _ = field_name;
        cloud.points.push(p.map(|c| c as f32));
        if let Some(e) = exact_points.as_mut() {
            e.push(p);
        }
        if let Some(nv) = normals.as_mut() {
            nv.push(nrm.map(|c| c as f32));
        }
        if let Some(e) = exact_normals.as_mut() {
            e.push(nrm);
        }
        Ok(())
    };
    let body = &bytes[body_at..];
    let mut values = vec![(0.0f64, 0u32); slots.len()];
    match header.data {
        PcdData::Ascii => {
            let mut line = header.lines;
            let mut record = 0u64;
            for raw in body.split(|&b| b == b'\n') {
                line += 1;
                let text = raw.strip_suffix(b"\r").unwrap_or(raw);
                let mut tokens = text
                    .split(|b| b.is_ascii_whitespace())
                    .filter(|t| !t.is_empty())
                    .peekable();
                if tokens.peek().is_none() {
                    continue;
                }
                if record == n {
                    return Err(Error::data(
                        path,
                        Some(line),
                        format!("data after the {n} points the header declares"),
                    ));
                }
                for (si, s) in slots.iter().enumerate() {
                    let tok = tokens.next().ok_or_else(|| {
                        Error::data(
                            path,
                            Some(line),
                            format!(
                                "point {record} has {si} values, the header declares {}",
                                slots.len()
                            ),
                        )
                    })?;
                    let v = parse_f64(tok).ok_or_else(|| {
                        Error::data(path, Some(line), format!("bad number '{}'", show(tok)))
                    })?;
                    let bits = match (s.ty, s.size) {
                        (b'F', 4) => (v as f32).to_bits(),
                        (b'U' | b'I', _) if v >= 0.0 && v <= u32::MAX as f64 => v as u32,
                        _ => 0,
                    };
                    let v = match (s.ty, s.size) {
                        (b'F', 4) => v as f32 as f64,
                        (b'I' | b'U', size) => {
                            let kind = kind_of(s.ty, size).expect("checked");
                            let (lo, hi) = int_range(s.ty, size);
                            if v.fract() != 0.0 || v < lo || v > hi {
                                return Err(Error::data(
                                    path,
                                    Some(line),
                                    format!(
                                        "value '{}' is not a {} ({:?})",
                                        show(tok),
                                        type_of_name(s.ty, size),
                                        kind
                                    ),
                                ));
                            }
                            v
                        }
                        _ => v,
                    };
                    values[si] = (v, bits);
                }
                if tokens.next().is_some() {
                    return Err(Error::data(
                        path,
                        Some(line),
                        format!(
                            "point {record} has more than the {} values the header declares",
                            slots.len()
                        ),
                    ));
                }
                store(&values, Some(line), record, &mut cloud)?;
                record += 1;
            }
            if record < n {
                return Err(Error::data(
                    path,
                    None,
                    format!("truncated: {record} of the {n} points the header declares"),
                ));
            }
        }
        PcdData::Binary | PcdData::BinaryCompressed => {
            let need = (n as u128) * (stride as u128);
            let decompressed;
            let data: &[u8] = if header.data == PcdData::Binary {
                if (body.len() as u128) < need {
                    return Err(Error::data(
                        path,
                        None,
                        format!(
                            "truncated: {} bytes of binary data for {n} points of {stride} bytes ({need} needed)",
                            body.len()
                        ),
                    ));
                }
                if (body.len() as u128) >= need + stride.max(1) as u128 {
                    return Err(Error::data(
                        path,
                        None,
                        format!(
                            "{} bytes of binary data after the {n} points the header declares",
                            body.len() as u128 - need
                        ),
                    ));
                }
                &body[..need as usize]
            } else {
                let word = |i: usize| -> Result<usize> {
                    body.get(i..i + 4)
                        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                        .ok_or_else(|| {
                            Error::data(path, None, "truncated: no compressed data sizes")
                        })
                };
                let (packed, unpacked) = (word(0)?, word(4)?);
                if unpacked as u128 != need {
                    return Err(Error::data(
                        path,
                        None,
                        format!(
                            "compressed data unpacks to {unpacked} bytes, but {n} points of {stride} bytes need {need}"
                        ),
                    ));
                }
                let src = body.get(8..8 + packed).ok_or_else(|| {
                    Error::data(
                        path,
                        None,
                        format!(
                            "truncated: {} bytes of compressed data, the header says {packed}",
                            body.len().saturating_sub(8)
                        ),
                    )
                })?;
                let soa = lzf_decompress(src, unpacked).map_err(|m| Error::data(path, None, m))?;
                // Field by field (all points of a field, each point's COUNT
                // values together) back to records.
                let mut aos = vec![0u8; unpacked];
                let mut base = 0;
                let mut off = 0;
                let n = n as usize;
                for f in fields {
                    let w = f.size * f.count;
                    for i in 0..n {
                        aos[i * stride + off..i * stride + off + w]
                            .copy_from_slice(&soa[base + i * w..base + (i + 1) * w]);
                    }
                    base += w * n;
                    off += w;
                }
                decompressed = aos;
                &decompressed
            };
            for (record, rec) in data
                .chunks_exact(stride.max(1))
                .enumerate()
                .take(n as usize)
            {
                for (si, s) in slots.iter().enumerate() {
                    let b = &rec[s.offset..s.offset + s.size];
                    if s.size == 8 && s.ty != b'F' && !int64_exact(b, s.ty) {
                        return Err(Error::data(
                            path,
                            None,
                            format!(
                                "point {record}: field '{}' holds a 64-bit integer that a double cannot keep exactly",
                                field_name(si)
                            ),
                        ));
                    }
                    let bits = if s.size == 4 {
                        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
                    } else {
                        0
                    };
                    values[si] = (value_le(b, s.ty, s.size), bits);
                }
                store(&values, None, record as u64, &mut cloud)?;
            }
        }
    }
    // An rgb field's alpha (top byte) is dropped when every point's is 0.
    let alpha_unused: Vec<usize> = slots
        .iter()
        .filter_map(|s| match s.target {
            Target::Rgb(i, false) if cloud.extra[i + 3].values.iter().all(|&a| a == 0.0) => {
                Some(i + 3)
            }
            _ => None,
        })
        .collect();
    for i in alpha_unused.into_iter().rev() {
        cloud.extra.remove(i);
        layout.retain(|c| c.role != ColumnRole::Extra(i));
        for c in &mut layout {
            if let ColumnRole::Extra(j) = &mut c.role {
                if *j > i {
                    *j -= 1;
                }
            }
        }
    }
    if exact_points
        .as_ref()
        .is_some_and(|e| e.iter().flatten().all(|&v| fits_f32(v)))
    {
        exact_points = None;
    }
    if exact_normals
        .as_ref()
        .is_some_and(|e| e.iter().flatten().all(|&v| fits_f32(v)))
    {
        exact_normals = None;
    }
    cloud.normals = normals;
    cloud.labels = labels;
    cloud.exact_points = exact_points;
    cloud.exact_normals = exact_normals;
    cloud.source = Some(SourceLayout {
        columns: layout,
        ..Default::default()
    });
    Ok((cloud, header))
}

fn int_range(ty: u8, size: usize) -> (f64, f64) {
    match (ty, size) {
        (b'I', 1) => (i8::MIN as f64, i8::MAX as f64),
        (b'U', 1) => (0.0, u8::MAX as f64),
        (b'I', 2) => (i16::MIN as f64, i16::MAX as f64),
        (b'U', 2) => (0.0, u16::MAX as f64),
        (b'I', 4) => (i32::MIN as f64, i32::MAX as f64),
        (b'U', 4) => (0.0, u32::MAX as f64),
        // 64-bit integers are kept only while a double holds them exactly.
        (b'I', _) => (-9_007_199_254_740_992.0, 9_007_199_254_740_992.0),
        _ => (0.0, 9_007_199_254_740_992.0),
    }
}

fn type_of_name(ty: u8, size: usize) -> String {
    let base = match ty {
        b'I' => "signed integer",
        b'U' => "unsigned integer",
        _ => "float",
    };
    format!("{base} of {size} bytes")
}

/// The PCD name of an output column.
fn pcd_name(c: &OutputColumn) -> String {
    match c.value {
        ColumnValue::Normal(k) => ["normal_x", "normal_y", "normal_z"][k].to_string(),
        _ => c.name.clone(),
    }
}

/// One field the writer emits.
enum Out {
    Column(OutputColumn),
    /// Packed colour from the writer's colours (`None`) or from three extra
    /// columns (`Some([r, g, b])`).
    Rgb(Option<[usize; 3]>),
}

/// Write `cloud` as a binary PCD file: see the module doc. `colours` (one per
/// point) are written as the packed `rgb` field.
pub fn write_pcd<W: Write + ?Sized>(
    w: &mut W,
    cloud: &PointCloud,
    colours: Option<&[[u8; 3]]>,
) -> std::io::Result<()> {
    let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
    let n = cloud.points.len();
    if let Some(c) = colours {
        if c.len() != n {
            return Err(invalid(format!(
                "colours has {} entries for {n} points",
                c.len()
            )));
        }
    }
    let columns = output_columns(cloud, colours.is_some()).map_err(invalid)?;
    // The cloud's own red green blue (uchar) are packed into rgb unless part
    // colours take that place.
    let own = |name: &str| {
        columns.iter().position(|c| {
            c.name == name && c.kind == ScalarKind::U8 && matches!(c.value, ColumnValue::Extra(_))
        })
    };
    let own_rgb = match (colours, own("red"), own("green"), own("blue")) {
        (None, Some(r), Some(g), Some(b)) => Some([r, g, b]),
        _ => None,
    };
    let mut outs = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        match (c.value, own_rgb) {
            (ColumnValue::Colour(0), _) => outs.push(Out::Rgb(None)),
            (ColumnValue::Colour(_), _) => {}
            (_, Some(rgb)) if rgb[0] == i => outs.push(Out::Rgb(Some(rgb))),
            (_, Some(rgb)) if rgb.contains(&i) => {}
            _ => outs.push(Out::Column(c.clone())),
        }
    }
    let mut names = Vec::new();
    let mut types = Vec::new();
    for o in &outs {
        let (name, (ty, size)) = match o {
            Out::Rgb(_) => ("rgb".to_string(), (b'F', 4)),
            Out::Column(c) if c.value == ColumnValue::Label => (pcd_name(c), (b'U', 4)),
            Out::Column(c) => (pcd_name(c), type_of(c.kind)),
        };
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || !b.is_ascii_graphic())
        {
            return Err(invalid(format!(
                "field name '{name}' cannot be written to PCD"
            )));
        }
        names.push(name);
        types.push((ty, size));
    }
    let mut out = std::io::BufWriter::with_capacity(1 << 16, w);
    let join = |f: &dyn Fn(usize) -> String| (0..outs.len()).map(f).collect::<Vec<_>>().join(" ");
    write!(
        out,
        "# .PCD v0.7 - Point Cloud Data file format (written by pcseg)\nVERSION 0.7\nFIELDS {}\nSIZE {}\nTYPE {}\nCOUNT {}\nWIDTH {n}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {n}\nDATA binary\n",
        names.join(" "),
        join(&|i| types[i].1.to_string()),
        join(&|i| (types[i].0 as char).to_string()),
        join(&|_| "1".to_string()),
    )?;
    let stride = types.iter().map(|t| t.1).sum();
    crate::io::row_blocks::write_row_blocks(&mut out, n, stride, |rec, i| {
        for (o, &(ty, size)) in outs.iter().zip(&types) {
            match o {
                Out::Rgb(src) => {
                    let c = match src {
                        None => colours.map_or([0; 3], |c| c[i]),
                        Some(idx) => idx.map(|k| column_value(cloud, None, &columns[k], i) as u8),
                    };
                    let bits = (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32;
                    rec.extend_from_slice(&bits.to_le_bytes());
                }
                Out::Column(c) => {
                    let v = column_value(cloud, colours, c, i);
                    match (ty, size) {
                        (b'I', 1) => rec.push(v as i8 as u8),
                        (b'U', 1) => rec.push(v as u8),
                        (b'I', 2) => rec.extend_from_slice(&(v as i16).to_le_bytes()),
                        (b'U', 2) => rec.extend_from_slice(&(v as u16).to_le_bytes()),
                        (b'I', 4) => rec.extend_from_slice(&(v as i32).to_le_bytes()),
                        (b'U', 4) => rec.extend_from_slice(&(v as u32).to_le_bytes()),
                        (b'F', 4) => rec.extend_from_slice(&(v as f32).to_le_bytes()),
                        _ => rec.extend_from_slice(&v.to_le_bytes()),
                    }
                }
            }
        }
    })?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A slow but simple LZF compressor (greedy longest match over the whole
    /// 8 KiB window), the reference the decompressor is checked against.
    pub(crate) fn lzf_compress(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut lit: Vec<u8> = Vec::new();
        let flush = |lit: &mut Vec<u8>, out: &mut Vec<u8>| {
            for chunk in lit.chunks(32) {
                out.push((chunk.len() - 1) as u8);
                out.extend_from_slice(chunk);
            }
            lit.clear();
        };
        let mut i = 0;
        while i < input.len() {
            let mut best = (0, 0);
            for back in 1..=(i.min(8192)) {
                let start = i - back;
                let mut len = 0;
                while i + len < input.len() && len < 264 && input[start + len] == input[i + len] {
                    len += 1;
                }
                if len > best.0 {
                    best = (len, back);
                }
            }
            if best.0 >= 3 {
                flush(&mut lit, &mut out);
                let (len, back) = (best.0 - 2, best.1 - 1);
                if len < 7 {
                    out.push(((len << 5) | (back >> 8)) as u8);
                } else {
                    out.push(((7 << 5) | (back >> 8)) as u8);
                    out.push((len - 7) as u8);
                }
                out.push((back & 0xff) as u8);
                i += best.0;
            } else {
                lit.push(input[i]);
                i += 1;
            }
        }
        flush(&mut lit, &mut out);
        out
    }

    #[test]
    fn lzf_round_trips_and_refuses_bad_data() {
        let mut data = Vec::new();
        for i in 0..5000u32 {
            data.extend_from_slice(&(i % 97).to_le_bytes());
            data.extend_from_slice(b"abcabcabc");
        }
        let packed = lzf_compress(&data);
        assert!(packed.len() < data.len() / 3, "{}", packed.len());
        assert_eq!(lzf_decompress(&packed, data.len()).unwrap(), data);
        assert!(lzf_decompress(&packed, data.len() - 1).is_err());
        assert!(lzf_decompress(&packed, data.len() + 1).is_err());
        assert!(lzf_decompress(&packed[..packed.len() - 1], data.len()).is_err());
        // A back reference before the start.
        assert!(lzf_decompress(&[0x20, 0x05], 3).is_err());
        assert_eq!(lzf_decompress(&[], 0).unwrap(), Vec::<u8>::new());
        // A size no LZF data of this length can reach is refused up front.
        let e = lzf_decompress(&[0, 1], u32::MAX as usize).unwrap_err();
        assert!(e.contains("cannot expand"), "{e}");
        // The densest runs (a literal then back references of 264 bytes).
        let zeros = vec![0u8; 264 * 50 + 1];
        assert_eq!(
            lzf_decompress(&lzf_compress(&zeros), zeros.len()).unwrap(),
            zeros
        );
    }

    fn ascii_pcd() -> &'static str {
        "# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\nFIELDS x y z rgb label intensity _ h\n\
         SIZE 4 4 4 4 4 2 1 8\nTYPE F F F F U U U F\nCOUNT 1 1 1 1 1 1 1 2\nWIDTH 2\nHEIGHT 1\n\
         VIEWPOINT 0 0 0 1 0 0 0\nPOINTS 2\nDATA ascii\n\
         0.5 1 2 4.808e-39 3 700 0 0.25 -1e300\n1 2 3 0 4 65535 9 1 2\n"
    }

    #[test]
    fn ascii_fields_become_roles_and_extras() {
        let (c, h) = read_pcd(ascii_pcd().as_bytes(), Path::new("a.pcd")).unwrap();
        assert_eq!(h.data, PcdData::Ascii);
        assert_eq!(c.points, vec![[0.5, 1.0, 2.0], [1.0, 2.0, 3.0]]);
        assert_eq!(c.labels, Some(vec![3, 4]));
        let names: Vec<_> = c.extra.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["red", "green", "blue", "intensity", "h_0", "h_1"]);
        let rgb_bits = (4.808e-39f64 as f32).to_bits();
        assert_eq!(c.extra[0].values[0], ((rgb_bits >> 16) & 0xff) as f64);
        assert_eq!(c.extra[3].kind, ScalarKind::U16);
        assert_eq!(c.extra[5].values, vec![-1e300, 2.0]);
        assert_eq!(c.extra[5].kind, ScalarKind::F64);
    }

    #[test]
    fn binary_and_compressed_round_trip() {
        let (c, _) = read_pcd(ascii_pcd().as_bytes(), Path::new("a.pcd")).unwrap();
        let mut bytes = Vec::new();
        write_pcd(&mut bytes, &c, None).unwrap();
        let (back, h) = read_pcd(&bytes, Path::new("b.pcd")).unwrap();
        assert_eq!(h.data, PcdData::Binary);
        assert_eq!(back, c);
        // The same records, compressed field by field as PCL does.
        let body_at = bytes
            .windows(12)
            .position(|w| w == b"DATA binary\n")
            .unwrap()
            + 12;
        let header = &bytes[..body_at];
        let body = &bytes[body_at..];
        let widths: Vec<usize> = h.fields.iter().map(|f| f.size * f.count).collect();
        let stride: usize = widths.iter().sum();
        let n = body.len() / stride;
        let mut soa = Vec::new();
        let mut off = 0;
        for w in widths {
            for i in 0..n {
                soa.extend_from_slice(&body[i * stride + off..i * stride + off + w]);
            }
            off += w;
        }
        let packed = lzf_compress(&soa);
        let mut comp = String::from_utf8(header.to_vec())
            .unwrap()
            .replace("DATA binary", "DATA binary_compressed")
            .into_bytes();
        comp.extend_from_slice(&(packed.len() as u32).to_le_bytes());
        comp.extend_from_slice(&(soa.len() as u32).to_le_bytes());
        comp.extend_from_slice(&packed);
        let (again, h2) = read_pcd(&comp, Path::new("c.pcd")).unwrap();
        assert_eq!(h2.data, PcdData::BinaryCompressed);
        assert_eq!(again, c);
        let e = read_pcd(&comp[..comp.len() - 2], Path::new("c.pcd")).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        let e = read_pcd(&bytes[..bytes.len() - 1], Path::new("b.pcd")).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
    }

    #[test]
    fn part_colours_and_labels_are_written_as_rgb_and_uint_label() {
        let mut c = PointCloud::from_points(vec![[0.0, 1.0, 2.0]]);
        c.normals = Some(vec![[0.0, 0.0, 1.0]]);
        c.labels = Some(vec![12]);
        let mut bytes = Vec::new();
        write_pcd(&mut bytes, &c, Some(&[[10, 20, 30]])).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("FIELDS x y z normal_x normal_y normal_z label rgb\n"),
            "{text}"
        );
        assert!(text.contains("TYPE F F F F F F U F\n"), "{text}");
        let (back, _) = read_pcd(&bytes, Path::new("a.pcd")).unwrap();
        assert_eq!(back.labels, Some(vec![12]));
        assert_eq!(back.normals, c.normals);
        let rgb: Vec<f64> = back.extra.iter().map(|e| e.values[0]).collect();
        assert_eq!(rgb, [10.0, 20.0, 30.0]);
    }
}
