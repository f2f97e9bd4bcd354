//! PLY writer: one `vertex` element with `x y z` (float), `nx ny nz` when the
//! cloud has normals, the cloud's extra properties with their original types,
//! `label` (int) when the cloud has labels, and `red green blue` (uchar) when
//! colours are given.

use super::header::{kind_size, to_ply_rs, PlyEncoding};
use crate::cloud::{PointCloud, ScalarKind};
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
    /// one entry per point. Extra properties of the same names are replaced.
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

/// One output column.
enum Column<'a> {
    Point(usize),
    Normal(usize),
    Extra(&'a [f64]),
    Label,
    Colour(usize),
}

/// Write `cloud` as a PLY file to `w`.
///
/// Extra properties whose names collide with the columns written by pcseg
/// (`x y z nx ny nz label`, and `red green blue` when colours are given) are
/// left out: the cloud's own data wins. Fails with `InvalidInput` when a
/// per-point array does not have one entry per point.
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
    let check = |what: &str, len: usize| {
        if len == n {
            Ok(())
        } else {
            Err(invalid(format!("{what} has {len} entries for {n} points")))
        }
    };
    if let Some(v) = &cloud.normals {
        check("normals", v.len())?;
    }
    if let Some(v) = &cloud.labels {
        check("labels", v.len())?;
    }
    if let Some(v) = options.colours {
        check("colours", v.len())?;
    }
    for e in &cloud.extra {
        check(&format!("property '{}'", e.name), e.values.len())?;
        if !is_ply_name(&e.name) {
            return Err(invalid(format!(
                "property name '{}' cannot be written to PLY",
                e.name
            )));
        }
    }

    let mut reserved: Vec<&str> = vec!["x", "y", "z"];
    let mut columns: Vec<(String, ScalarKind, Column)> = Vec::new();
    for (k, name) in ["x", "y", "z"].into_iter().enumerate() {
        columns.push((name.into(), ScalarKind::F32, Column::Point(k)));
    }
    if cloud.normals.is_some() {
        for (k, name) in ["nx", "ny", "nz"].into_iter().enumerate() {
            columns.push((name.into(), ScalarKind::F32, Column::Normal(k)));
        }
        reserved.extend(["nx", "ny", "nz"]);
    }
    if cloud.labels.is_some() {
        reserved.push("label");
    }
    if options.colours.is_some() {
        reserved.extend(["red", "green", "blue"]);
    }
    for e in &cloud.extra {
        if !reserved.contains(&e.name.as_str()) {
            columns.push((e.name.clone(), e.kind, Column::Extra(&e.values)));
        }
    }
    if cloud.labels.is_some() {
        columns.push(("label".into(), ScalarKind::I32, Column::Label));
    }
    if options.colours.is_some() {
        for (k, name) in ["red", "green", "blue"].into_iter().enumerate() {
            columns.push((name.into(), ScalarKind::U8, Column::Colour(k)));
        }
    }

    let mut header = Header::new();
    header.encoding = options.encoding.to_ply_rs();
    header.version = Version { major: 1, minor: 0 };
    header.comments.push("written by pcseg".into());
    let mut vertex = ElementDef::new("vertex".into());
    vertex.count = n;
    for (name, kind, _) in &columns {
        vertex.properties.add(PropertyDef::new(
            name.clone(),
            PropertyType::Scalar(to_ply_rs(*kind)),
        ));
    }
    header.elements.add(vertex);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, w);
    Writer::<DefaultElement>::new().write_header(&mut out, &header)?;

    let value = |c: &Column, i: usize| -> f64 {
        match c {
            Column::Point(k) => cloud.points[i][*k] as f64,
            Column::Normal(k) => cloud.normals.as_ref().map_or(0.0, |v| v[i][*k] as f64),
            Column::Extra(v) => v[i],
            Column::Label => cloud.labels.as_ref().map_or(0.0, |v| v[i] as f64),
            Column::Colour(k) => options.colours.map_or(0.0, |v| v[i][*k] as f64),
        }
    };
    if options.encoding == PlyEncoding::Ascii {
        for i in 0..n {
            for (j, (_, kind, c)) in columns.iter().enumerate() {
                if j > 0 {
                    out.write_all(b" ")?;
                }
                write_ascii_value(&mut out, *kind, value(c, i))?;
            }
            out.write_all(b"\n")?;
        }
    } else {
        let big = options.encoding == PlyEncoding::BinaryBigEndian;
        let stride: usize = columns.iter().map(|(_, k, _)| kind_size(*k)).sum();
        let mut rec = Vec::with_capacity(stride);
        for i in 0..n {
            rec.clear();
            for (_, kind, c) in &columns {
                encode(&mut rec, *kind, value(c, i), big);
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

fn write_ascii_value<W: Write>(out: &mut W, kind: ScalarKind, v: f64) -> std::io::Result<()> {
    match kind {
        ScalarKind::F32 => write!(out, "{}", v as f32),
        ScalarKind::F64 => write!(out, "{v}"),
        ScalarKind::I8 => write!(out, "{}", v as i8),
        ScalarKind::U8 => write!(out, "{}", v as u8),
        ScalarKind::I16 => write!(out, "{}", v as i16),
        ScalarKind::U16 => write!(out, "{}", v as u16),
        ScalarKind::I32 => write!(out, "{}", v as i32),
        ScalarKind::U32 => write!(out, "{}", v as u32),
    }
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
