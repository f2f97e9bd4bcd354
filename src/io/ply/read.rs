//! PLY body reader: the `vertex` element becomes a [`PointCloud`].
//!
//! The header comes from ply-rs-bw (see `header.rs`); the body is decoded here
//! directly, in chunks of whole records, because ply-rs-bw's per-element maps
//! cost far more than the data (see `benches/ply_read.rs`).
//!
//! Vertex properties: `x y z` (any numeric type) are required; `nx ny nz`
//! become normals when all three are present; the first integer property named
//! `label`, `scalar_label`, `class` or `part` becomes the labels; everything
//! else is kept as an [`ExtraProperty`]. List properties on `vertex` are
//! rejected. Elements before and after `vertex` (any kind, lists included)
//! are skipped; data after the last declared element is an error (a header
//! that declares fewer records than the file holds).
//!
//! Nothing is lost: the cloud records the source layout (names, order and
//! types of the vertex properties, and the header comments), and coordinates
//! or normals stored as `double` or 32-bit integers keep their exact values
//! when `f32` would change any of them.

use super::header::{kind_is_integer, kind_size, read_ply_header, PlyEncoding, PlyHeader, PlyType};
use crate::cloud::{
    fits_f32, ColumnRole, ExtraProperty, PointCloud, ScalarKind, SourceColumn, SourceLayout,
};
use crate::error::{Error, Result};
use crate::io::numparse::{parse_f32, parse_f64, show};
use std::io::{BufRead, Read};
use std::path::Path;

/// Names recognised as a per-point label, in order of preference.
pub const LABEL_NAMES: [&str; 4] = ["label", "scalar_label", "class", "part"];

/// Records decoded per chunk of binary body.
const CHUNK_RECORDS: usize = 16_384;
/// Most points reserved up front whatever the header claims (a lying header
/// must not make us allocate gigabytes before the data runs out).
const MAX_RESERVE: u64 = 1 << 20;

/// Where a vertex property's value goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Coord(usize),
    Normal(usize),
    Label,
    Extra(usize),
}

/// One scalar vertex property: its byte offset in a binary record, type and
/// destination.
#[derive(Debug, Clone, Copy)]
struct Field {
    offset: usize,
    kind: ScalarKind,
    target: Target,
}

/// Read a PLY point cloud. `path` is used in messages only.
pub fn read_ply<R: BufRead>(reader: R, path: &Path) -> Result<PointCloud> {
    read_ply_with_header(reader, path).map(|(c, _)| c)
}

/// Like [`read_ply`], also returning the parsed header (for `pcseg info`).
pub fn read_ply_with_header<R: BufRead>(
    mut reader: R,
    path: &Path,
) -> Result<(PointCloud, PlyHeader)> {
    let header = read_ply_header(&mut reader, path)?;
    let vi = header
        .elements
        .iter()
        .position(|e| e.name == "vertex")
        .ok_or_else(|| Error::data(path, None, "PLY file has no 'vertex' element"))?;
    let vertex = &header.elements[vi];
    let mut fields = Vec::with_capacity(vertex.properties.len());
    let mut cloud = PointCloud::default();
    let mut layout = Vec::with_capacity(vertex.properties.len());
    let mut offset = 0;
    let find = |name: &str| vertex.properties.iter().position(|p| p.name == name);
    for p in &vertex.properties {
        if let PlyType::List(..) = p.ty {
            return Err(Error::data(
                path,
                None,
                format!(
                    "vertex property '{}' is a list ({}); list properties on vertices are not supported",
                    p.name, p.ty
                ),
            ));
        }
    }
    for axis in ["x", "y", "z"] {
        if find(axis).is_none() {
            return Err(Error::data(
                path,
                None,
                format!("vertex element has no '{axis}' property"),
            ));
        }
    }
    let has_normals = ["nx", "ny", "nz"].iter().all(|n| find(n).is_some());
    let label_index = LABEL_NAMES.iter().find_map(|n| {
        find(n).filter(
            |&i| matches!(vertex.properties[i].ty, PlyType::Scalar(k) if kind_is_integer(k)),
        )
    });
    for (i, p) in vertex.properties.iter().enumerate() {
        let PlyType::Scalar(kind) = p.ty else {
            unreachable!("lists rejected above")
        };
        let target = match p.name.as_str() {
            "x" => Target::Coord(0),
            "y" => Target::Coord(1),
            "z" => Target::Coord(2),
            "nx" if has_normals => Target::Normal(0),
            "ny" if has_normals => Target::Normal(1),
            "nz" if has_normals => Target::Normal(2),
            _ if Some(i) == label_index => Target::Label,
            _ => {
                cloud.extra.push(ExtraProperty {
                    name: p.name.clone(),
                    kind,
                    values: Vec::new(),
                });
                Target::Extra(cloud.extra.len() - 1)
            }
        };
        layout.push(SourceColumn {
            name: p.name.clone(),
            kind,
            role: match target {
                Target::Coord(k) => ColumnRole::Coord(k),
                Target::Normal(k) => ColumnRole::Normal(k),
                Target::Label => ColumnRole::Label,
                Target::Extra(i) => ColumnRole::Extra(i),
            },
        });
        fields.push(Field {
            offset,
            kind,
            target,
        });
        offset += kind_size(kind);
    }
    let stride = offset;
    let count = vertex.count;
    let reserve = count.min(MAX_RESERVE) as usize;
    cloud.points.reserve(reserve);
    let mut normals = has_normals.then(|| Vec::with_capacity(reserve));
    let mut labels = label_index.map(|_| Vec::with_capacity(reserve));
    for e in &mut cloud.extra {
        e.values.reserve(reserve);
    }
    // Exact copies are gathered when the source type can hold values f32
    // cannot, and dropped at the end if every value fitted after all.
    let wide = |role: fn(usize) -> Target| {
        fields.iter().any(|f| {
            (0..3).any(|k| f.target == role(k))
                && matches!(f.kind, ScalarKind::F64 | ScalarKind::I32 | ScalarKind::U32)
        })
    };
    let mut exact_points = wide(Target::Coord).then(|| Vec::with_capacity(reserve));
    let mut exact_normals =
        (has_normals && wide(Target::Normal)).then(|| Vec::with_capacity(reserve));
    let mut sink = Sink {
        cloud: &mut cloud,
        normals: normals.as_mut(),
        labels: labels.as_mut(),
        exact_points: exact_points.as_mut(),
        exact_normals: exact_normals.as_mut(),
        point: [0.0; 3],
        normal: [0.0; 3],
        exact_point: [0.0; 3],
        exact_normal: [0.0; 3],
    };
    match header.encoding {
        PlyEncoding::Ascii => {
            let mut line = header.lines;
            for e in &header.elements[..vi] {
                skip_ascii(&mut reader, e.count, &mut line, path, &e.name)?;
            }
            read_ascii_vertices(&mut reader, count, &fields, &mut sink, &mut line, path)?;
            for e in &header.elements[vi + 1..] {
                skip_ascii(&mut reader, e.count, &mut line, path, &e.name)?;
            }
            let mut buf = Vec::new();
            if next_data_line(&mut reader, &mut buf, &mut line, path)? {
                return Err(Error::data(
                    path,
                    Some(line),
                    format!(
                        "data after the {} declared records (the header declares fewer than the file holds)",
                        header.elements.iter().map(|e| e.count).sum::<u64>()
                    ),
                ));
            }
        }
        enc => {
            let big = enc == PlyEncoding::BinaryBigEndian;
            for e in &header.elements[..vi] {
                skip_binary(&mut reader, e, big, path)?;
            }
            read_binary_vertices(&mut reader, count, stride, &fields, big, &mut sink, path)?;
            for e in &header.elements[vi + 1..] {
                skip_binary(&mut reader, e, big, path)?;
            }
            check_binary_end(&mut reader, stride, path)?;
        }
    }
    let keep = |v: &Vec<[f64; 3]>| !v.iter().all(|p| p.iter().all(|&x| fits_f32(x)));
    cloud.exact_points = exact_points.filter(keep);
    cloud.exact_normals = exact_normals.filter(keep);
    cloud.source = Some(SourceLayout {
        columns: layout,
        comments: header.comments.clone(),
        text_separator: None,
        text_header: false,
    });
    cloud.normals = normals;
    cloud.labels = labels;
    if cloud.points.is_empty() {
        return Err(Error::data(path, None, "no points"));
    }
    if let Some(i) = cloud.first_non_finite() {
        return Err(Error::data(
            path,
            None,
            format!("vertex {i}: non-finite coordinate or normal"),
        ));
    }
    Ok((cloud, header))
}

/// Accumulates decoded values into the cloud, one vertex at a time.
struct Sink<'a> {
    cloud: &'a mut PointCloud,
    normals: Option<&'a mut Vec<[f32; 3]>>,
    labels: Option<&'a mut Vec<u32>>,
    exact_points: Option<&'a mut Vec<[f64; 3]>>,
    exact_normals: Option<&'a mut Vec<[f64; 3]>>,
    point: [f32; 3],
    normal: [f32; 3],
    exact_point: [f64; 3],
    exact_normal: [f64; 3],
}

impl Sink<'_> {
    /// Store one property value of the current vertex. Returns an error
    /// message for a label that is not a valid part id.
    #[inline]
    fn put(&mut self, target: Target, v: f64) -> std::result::Result<(), String> {
        match target {
            Target::Coord(k) => {
                self.point[k] = v as f32;
                self.exact_point[k] = v;
            }
            Target::Normal(k) => {
                self.normal[k] = v as f32;
                self.exact_normal[k] = v;
            }
            Target::Label => {
                if v < 0.0 || v > u32::MAX as f64 {
                    return Err(format!("label {v} is out of range"));
                }
                if let Some(l) = self.labels.as_mut() {
                    l.push(v as u32);
                }
            }
            Target::Extra(i) => self.cloud.extra[i].values.push(v),
        }
        Ok(())
    }

    /// Finish the current vertex.
    #[inline]
    fn end_vertex(&mut self) {
        self.cloud.points.push(self.point);
        if let Some(n) = self.normals.as_mut() {
            n.push(self.normal);
        }
        if let Some(e) = self.exact_points.as_mut() {
            e.push(self.exact_point);
        }
        if let Some(e) = self.exact_normals.as_mut() {
            e.push(self.exact_normal);
        }
    }
}

/// Decode one binary scalar. `b` has exactly `kind_size(kind)` bytes or more.
#[inline]
fn decode(kind: ScalarKind, b: &[u8], big: bool) -> f64 {
    macro_rules! get {
        ($t:ty, $n:expr) => {{
            let mut a = [0u8; $n];
            a.copy_from_slice(&b[..$n]);
            if big {
                <$t>::from_be_bytes(a) as f64
            } else {
                <$t>::from_le_bytes(a) as f64
            }
        }};
    }
    match kind {
        ScalarKind::I8 => b[0] as i8 as f64,
        ScalarKind::U8 => b[0] as f64,
        ScalarKind::I16 => get!(i16, 2),
        ScalarKind::U16 => get!(u16, 2),
        ScalarKind::I32 => get!(i32, 4),
        ScalarKind::U32 => get!(u32, 4),
        ScalarKind::F32 => get!(f32, 4),
        ScalarKind::F64 => get!(f64, 8),
    }
}

/// Fill `buf` as far as the input allows; returns the bytes read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn truncated(path: &Path, what: &str, want: u64, got: u64) -> Error {
    Error::data(
        path,
        None,
        format!("truncated PLY body: the header declares {want} '{what}' records, the data ends after {got}"),
    )
}

fn read_binary_vertices<R: BufRead>(
    r: &mut R,
    count: u64,
    stride: usize,
    fields: &[Field],
    big: bool,
    sink: &mut Sink,
    path: &Path,
) -> Result<()> {
    let mut buf = vec![0u8; CHUNK_RECORDS * stride.max(1)];
    let mut done: u64 = 0;
    while done < count {
        let n = ((count - done) as usize).min(CHUNK_RECORDS);
        let want = n * stride;
        let got = read_full(r, &mut buf[..want]).map_err(|e| Error::io(path, e))?;
        let whole = got / stride.max(1);
        for rec in buf[..whole * stride].chunks_exact(stride.max(1)) {
            for f in fields {
                let v = decode(f.kind, &rec[f.offset..], big);
                sink.put(f.target, v).map_err(|m| {
                    Error::data(
                        path,
                        None,
                        format!("vertex {}: {m}", sink.cloud.points.len()),
                    )
                })?;
            }
            sink.end_vertex();
        }
        done += whole as u64;
        if got < want {
            return Err(truncated(path, "vertex", count, done));
        }
    }
    Ok(())
}

/// After the last declared binary element the file must end. A tail of
/// fewer than one record's bytes that is all whitespace (a newline some
/// writers add) is tolerated; anything else means the header declares fewer
/// records than the file holds.
fn check_binary_end<R: BufRead>(r: &mut R, stride: usize, path: &Path) -> Result<()> {
    let mut tail = Vec::new();
    r.by_ref()
        .take(stride.max(1) as u64 + 1)
        .read_to_end(&mut tail)
        .map_err(|e| Error::io(path, e))?;
    if tail.is_empty() || (tail.len() < stride && tail.iter().all(|b| b.is_ascii_whitespace())) {
        return Ok(());
    }
    Err(Error::data(
        path,
        None,
        "data after the declared records (the header declares fewer than the file holds)",
    ))
}

/// Skip `n` bytes of `r`; false when the input ends first.
fn skip_bytes<R: BufRead>(r: &mut R, n: u64) -> std::io::Result<bool> {
    let copied = std::io::copy(&mut r.by_ref().take(n), &mut std::io::sink())?;
    Ok(copied == n)
}

/// Skip a whole binary element (records with list properties included).
fn skip_binary<R: BufRead>(
    r: &mut R,
    e: &super::header::PlyElement,
    big: bool,
    path: &Path,
) -> Result<()> {
    let io = |err| Error::io(path, err);
    let fixed: Option<u64> = e.properties.iter().try_fold(0u64, |acc, p| match p.ty {
        PlyType::Scalar(k) => Some(acc + kind_size(k) as u64),
        PlyType::List(..) => None,
    });
    if let Some(stride) = fixed {
        let total = stride.saturating_mul(e.count);
        if !skip_bytes(r, total).map_err(io)? {
            return Err(truncated(path, &e.name, e.count, 0));
        }
        return Ok(());
    }
    let mut small = [0u8; 8];
    for i in 0..e.count {
        for p in &e.properties {
            let ok = match p.ty {
                PlyType::Scalar(k) => skip_bytes(r, kind_size(k) as u64).map_err(io)?,
                PlyType::List(ck, vk) => {
                    let cs = kind_size(ck);
                    if read_full(r, &mut small[..cs]).map_err(io)? < cs {
                        false
                    } else {
                        let n = decode(ck, &small, big);
                        if n < 0.0 {
                            return Err(Error::data(
                                path,
                                None,
                                format!("'{}' record {i}: negative list length {n}", e.name),
                            ));
                        }
                        skip_bytes(r, n as u64 * kind_size(vk) as u64).map_err(io)?
                    }
                }
            };
            if !ok {
                return Err(truncated(path, &e.name, e.count, i));
            }
        }
    }
    Ok(())
}

/// Read the next non-blank line into `buf` (line ending stripped); false at
/// end of input. `line` counts every line read.
fn next_data_line<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    line: &mut u64,
    path: &Path,
) -> Result<bool> {
    loop {
        buf.clear();
        if r.read_until(b'\n', buf).map_err(|e| Error::io(path, e))? == 0 {
            return Ok(false);
        }
        *line += 1;
        while matches!(buf.last(), Some(b'\n' | b'\r' | b' ' | b'\t')) {
            buf.pop();
        }
        if !buf.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(true);
        }
    }
}

fn skip_ascii<R: BufRead>(
    r: &mut R,
    count: u64,
    line: &mut u64,
    path: &Path,
    name: &str,
) -> Result<()> {
    let mut buf = Vec::new();
    for i in 0..count {
        if !next_data_line(r, &mut buf, line, path)? {
            return Err(truncated(path, name, count, i));
        }
    }
    Ok(())
}

fn read_ascii_vertices<R: BufRead>(
    r: &mut R,
    count: u64,
    fields: &[Field],
    sink: &mut Sink,
    line: &mut u64,
    path: &Path,
) -> Result<()> {
    let mut buf = Vec::with_capacity(128);
    for i in 0..count {
        if !next_data_line(r, &mut buf, line, path)? {
            return Err(truncated(path, "vertex", count, i));
        }
        let line = *line;
        let err = |m: String| Error::data(path, Some(line), format!("vertex {i}: {m}"));
        let mut tokens = buf
            .split(|b| b.is_ascii_whitespace())
            .filter(|t| !t.is_empty());
        let mut n = 0;
        for f in fields {
            let Some(t) = tokens.next() else {
                break;
            };
            n += 1;
            let v = match f.kind {
                ScalarKind::F32 => parse_f32(t).map(|v| v as f64),
                _ => parse_f64(t),
            }
            .ok_or_else(|| err(format!("'{}' is not a number", show(t))))?;
            if kind_is_integer(f.kind) && !(v.fract() == 0.0 && in_range(f.kind, v)) {
                return Err(err(format!(
                    "'{}' is not a valid {}",
                    show(t),
                    super::header::kind_name(f.kind)
                )));
            }
            sink.put(f.target, v).map_err(err)?;
        }
        let extra = tokens.count();
        if n < fields.len() || extra > 0 {
            return Err(err(format!(
                "expected {} values, got {}",
                fields.len(),
                n + extra
            )));
        }
        sink.end_vertex();
    }
    Ok(())
}

fn in_range(kind: ScalarKind, v: f64) -> bool {
    let (lo, hi) = match kind {
        ScalarKind::I8 => (i8::MIN as f64, i8::MAX as f64),
        ScalarKind::U8 => (0.0, u8::MAX as f64),
        ScalarKind::I16 => (i16::MIN as f64, i16::MAX as f64),
        ScalarKind::U16 => (0.0, u16::MAX as f64),
        ScalarKind::I32 => (i32::MIN as f64, i32::MAX as f64),
        ScalarKind::U32 => (0.0, u32::MAX as f64),
        ScalarKind::F32 | ScalarKind::F64 => return true,
    };
    (lo..=hi).contains(&v)
}
