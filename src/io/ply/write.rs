//! PLY writer: one `vertex` element holding every column of the cloud (see
//! [`crate::io::columns`]), and `red green blue` (uchar) when colours are
//! given.

use super::header::{kind_size, to_ply_rs, PlyEncoding};
use crate::cloud::{PointCloud, ScalarKind};
use crate::io::columns::{column_value, output_columns, OutputColumn};
use crate::io::text_rows::{push_value, write_rows};
use ply_rs_bw::ply::{
    Addable, DefaultElement, ElementDef, Header, PropertyDef, PropertyType, Version,
};
use ply_rs_bw::writer::Writer;
use std::io::Write;

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
        let mut rec = Vec::with_capacity(stride);
        for i in 0..n {
            rec.clear();
            for c in &columns {
                encode(&mut rec, c.kind, value(c, i), big);
            }
            out.write_all(&rec)?;
        }
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

fn encode(rec: &mut Vec<u8>, kind: ScalarKind, v: f64, big: bool) {
    macro_rules! put {
        ($x:expr) => {
            if big {
                rec.extend_from_slice(&$x.to_be_bytes())
            } else {
                rec.extend_from_slice(&$x.to_le_bytes())
            }
        };
    }
    match kind {
        ScalarKind::I8 => put!(v as i8),
        ScalarKind::U8 => put!(v as u8),
        ScalarKind::I16 => put!(v as i16),
        ScalarKind::U16 => put!(v as u16),
        ScalarKind::I32 => put!(v as i32),
        ScalarKind::U32 => put!(v as u32),
        ScalarKind::F32 => put!(v as f32),
        ScalarKind::F64 => put!(v),
    }
}
