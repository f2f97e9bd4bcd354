//! PLY writer: one `vertex` element holding every column of the cloud (see
//! [`crate::io::columns`]), and `red green blue` (uchar) when colours are
//! given.

use super::header::{kind_size, to_ply_rs, PlyEncoding};
use crate::cloud::{PointCloud, ScalarKind};
use crate::io::columns::{column_value, output_columns, ColumnValue, OutputColumn};
use crate::io::row_blocks::write_blocks;
use crate::io::text_rows::{push_value, write_rows};
use ply_rs_bw::ply::{
    Addable, DefaultElement, ElementDef, Header, PropertyDef, PropertyType, Version,
};
use ply_rs_bw::writer::Writer;
use std::io::Write;
use std::ops::Range;

/// How to write a PLY file.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlyWriteOptions<'a> {
    /// Body encoding; binary little-endian by default.
    pub encoding: PlyEncoding,
    /// Per-point sRGB colours written as `red green blue` (uchar). Must have
    /// one entry per point; the cloud must not already have properties of
    /// those names (move them aside with [`PointCloud::move_aside`]).
    pub colours: Option<&'a [[u8; 3]]>,
}

impl PlyWriteOptions<'_> {
    /// Options for text (`ascii`) output without colours.
    pub fn ascii() -> Self {
        PlyWriteOptions {
            encoding: PlyEncoding::Ascii,
            colours: None,
        }
    }
}

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, msg)
}

/// Write `cloud` as a PLY file to `w`.
///
/// The columns are planned by [`crate::io::columns::output_columns`]: a cloud
/// read from a file gets its source's vertex properties back in their order,
/// under their names and types (coordinates at full precision), then anything
/// pcseg added, then `red green blue` when colours are given. Header comments
/// of the source are kept. Fails with `InvalidInput` when two columns would
/// share a name or a per-point array does not have one entry per point.
///
/// ```
/// use pcseg::io::ply::{read_ply, write_ply, PlyWriteOptions};
/// use pcseg::PointCloud;
/// let mut cloud = PointCloud::from_points(vec![[0.0, 1.0, 2.0]]);
/// cloud.labels = Some(vec![3]);
/// let mut bytes = Vec::new();
/// write_ply(&mut bytes, &cloud, &PlyWriteOptions::default()).unwrap();
/// assert_eq!(read_ply(&bytes[..], "a.ply".as_ref()).unwrap(), cloud);
/// ```
pub fn write_ply<W: Write + ?Sized>(
    w: &mut W,
    cloud: &PointCloud,
    options: &PlyWriteOptions,
) -> std::io::Result<()> {
    let n = cloud.points.len();
    if let Some(v) = options.colours {
        if v.len() != n {
            return Err(invalid(format!(
                "colours has {} entries for {n} points",
                v.len()
            )));
        }
    }
    let columns = output_columns(cloud, options.colours.is_some()).map_err(invalid)?;
    for c in &columns {
        if !is_ply_name(&c.name) {
            return Err(invalid(format!(
                "property name '{}' cannot be written to PLY",
                c.name
            )));
        }
    }

    let mut header = Header::new();
    header.encoding = options.encoding.to_ply_rs();
    header.version = Version { major: 1, minor: 0 };
    let mine = "written by pcseg";
    if let Some(src) = &cloud.source {
        header.comments.extend(src.comments.iter().cloned());
    }
    if !header.comments.iter().any(|c| c == mine) {
        header.comments.push(mine.into());
    }
    let mut vertex = ElementDef::new("vertex".into());
    vertex.count = n;
    for c in &columns {
        vertex.properties.add(PropertyDef::new(
            c.name.clone(),
            PropertyType::Scalar(to_ply_rs(c.kind)),
        ));
    }
    header.elements.add(vertex);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, w);
    Writer::<DefaultElement>::new().write_header(&mut out, &header)?;

    let value = |c: &OutputColumn, i: usize| column_value(cloud, options.colours, c, i);
    if options.encoding == PlyEncoding::Ascii {
        write_rows(&mut out, n, |line, i| {
            for (j, c) in columns.iter().enumerate() {
                if j > 0 {
                    line.push(b' ');
                }
                push_value(line, c.kind, value(c, i));
            }
        })?;
    } else {
        let big = options.encoding == PlyEncoding::BinaryBigEndian;
        let stride: usize = columns.iter().map(|c| kind_size(c.kind)).sum();
        write_blocks(&mut out, n, |buf, rows| {
            encode_block(buf, rows, &columns, stride, big, cloud, options.colours)
        })?;
    }
    out.flush()
}

/// Whether `name` can appear on a PLY `property` line (ply-rs-bw's grammar).
fn is_ply_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Append the binary records of `rows` to `buf`, one column at a time: the
/// choice of source and type is made once per column and block, not per value.
fn encode_block(
    buf: &mut Vec<u8>,
    rows: Range<usize>,
    columns: &[OutputColumn],
    stride: usize,
    big: bool,
    cloud: &PointCloud,
    colours: Option<&[[u8; 3]]>,
) {
    let start = buf.len();
    buf.resize(start + rows.len() * stride, 0);
    let body = &mut buf[start..];
    let mut offset = 0;
    for c in columns {
        let at = (offset, c.kind, big);
        match (&c.value, &cloud.labels, colours) {
            (ColumnValue::Coord(k), _, _) if cloud.exact_points.is_none() => {
                fill(body, stride, at, rows.clone(), |i| {
                    cloud.points[i][*k] as f64
                })
            }
            (ColumnValue::Label, Some(labels), _) => {
                fill(body, stride, at, rows.clone(), |i| labels[i] as f64)
            }
            (ColumnValue::Colour(k), _, Some(colours)) => {
                fill(body, stride, at, rows.clone(), |i| colours[i][*k] as f64)
            }
            _ => fill(body, stride, at, rows.clone(), |i| {
                column_value(cloud, colours, c, i)
            }),
        }
        offset += kind_size(c.kind);
    }
}

/// Write `value(i)` as `kind` (big- or little-endian) at `offset` of each
/// record of `body`, record `r` holding row `rows.start + r`.
fn fill(
    body: &mut [u8],
    stride: usize,
    (offset, kind, big): (usize, ScalarKind, bool),
    rows: Range<usize>,
    value: impl Fn(usize) -> f64,
) {
    macro_rules! put {
        ($t:ty) => {{
            const SIZE: usize = std::mem::size_of::<$t>();
            for (rec, i) in body.chunks_exact_mut(stride).zip(rows) {
                let v = value(i) as $t;
                let bytes = if big {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                };
                rec[offset..offset + SIZE].copy_from_slice(&bytes);
            }
        }};
    }
    match kind {
        ScalarKind::I8 => put!(i8),
        ScalarKind::U8 => put!(u8),
        ScalarKind::I16 => put!(i16),
        ScalarKind::U16 => put!(u16),
        ScalarKind::I32 => put!(i32),
        ScalarKind::U32 => put!(u32),
        ScalarKind::F32 => put!(f32),
        ScalarKind::F64 => put!(f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::ExtraProperty;
    use crate::io::ply::read_ply;

    #[test]
    fn binary_bodies_read_back_value_for_value_across_blocks() {
        // More rows than a few blocks, every property type (values that
        // every type holds exactly), f32 and f64 coordinates, with and
        // without labels and colours, both byte orders: pcseg's reader
        // (its own decoding, checked against files of other tools) gives
        // back every column's value, in the same columns.
        let n = crate::io::row_blocks::ROWS_PER_BLOCK * 3 + 11;
        let mut rng = crate::rng::Rng::new(5);
        let points: Vec<[f32; 3]> = (0..n)
            .map(|_| std::array::from_fn(|_| rng.uniform(-3.0, 3.0)))
            .collect();
        let colours: Vec<[u8; 3]> = (0..n).map(|i| [i as u8, (i >> 8) as u8, 7]).collect();
        let kinds = [
            ScalarKind::I8,
            ScalarKind::U8,
            ScalarKind::I16,
            ScalarKind::U16,
            ScalarKind::I32,
            ScalarKind::U32,
            ScalarKind::F32,
            ScalarKind::F64,
        ];
        for exact in [false, true] {
            for labelled in [false, true] {
                let mut cloud = PointCloud::from_points(points.clone());
                cloud.normals = Some(points.iter().map(|p| p.map(|x| x / 3.0)).collect());
                if exact {
                    cloud.exact_points =
                        Some(points.iter().map(|p| p.map(|x| x as f64 + 1e-9)).collect());
                }
                if labelled {
                    cloud.labels = Some((0..n as u32).map(|i| i % 50).collect());
                }
                for (k, &kind) in kinds.iter().enumerate() {
                    cloud.extra.push(ExtraProperty {
                        name: format!("p{k}"),
                        kind,
                        values: (0..n).map(|i| ((i + k) % 100) as f64).collect(),
                    });
                }
                for encoding in [
                    PlyEncoding::BinaryLittleEndian,
                    PlyEncoding::BinaryBigEndian,
                ] {
                    for colours in [None, Some(&colours[..])] {
                        let what = format!(
                            "exact {exact} labelled {labelled} {encoding:?} colours {}",
                            colours.is_some()
                        );
                        let mut bytes = Vec::new();
                        write_ply(&mut bytes, &cloud, &PlyWriteOptions { encoding, colours })
                            .unwrap();
                        let back = read_ply(&bytes[..], "t.ply".as_ref()).unwrap();
                        let written = output_columns(&cloud, colours.is_some()).unwrap();
                        let read = output_columns(&back, false).unwrap();
                        let names = |c: &[OutputColumn]| {
                            c.iter()
                                .map(|c| (c.name.clone(), c.kind))
                                .collect::<Vec<_>>()
                        };
                        assert_eq!(names(&read), names(&written), "{what}");
                        for (w, r) in written.iter().zip(&read) {
                            for i in 0..n {
                                let want = column_value(&cloud, colours, w, i);
                                let got = column_value(&back, None, r, i);
                                // f32 columns hold the f32 of the value.
                                let want = match w.kind {
                                    ScalarKind::F32 => want as f32 as f64,
                                    _ => want,
                                };
                                assert_eq!(got, want, "{what}: {} row {i}", w.name);
                            }
                        }
                    }
                }
            }
        }
    }
}
