//! Checks shared by the fuzz targets. A failed check panics, which libFuzzer
//! records as a crash with the input that caused it.
#![allow(dead_code)]

use pcseg::cloud::{ExtraProperty, PointCloud};
use pcseg::error::Error;
use pcseg::io::ply::{read_ply, write_ply, PlyEncoding, PlyWriteOptions};
use std::path::Path;

/// The three PLY encodings, each written and read back.
pub const ENCODINGS: [PlyEncoding; 3] = [
    PlyEncoding::Ascii,
    PlyEncoding::BinaryLittleEndian,
    PlyEncoding::BinaryBigEndian,
];

/// Every per-point array has one entry per point, and `validate_cloud`
/// accepts what the reader accepted.
pub fn check_cloud(c: &PointCloud, name: &str) {
    let n = c.points.len();
    assert!(n > 0, "a reader returned an empty cloud");
    if let Some(v) = &c.normals {
        assert_eq!(v.len(), n, "normals");
    }
    if let Some(v) = &c.labels {
        assert_eq!(v.len(), n, "labels");
    }
    for e in &c.extra {
        assert_eq!(e.values.len(), n, "property '{}'", e.name);
    }
    if let Err(e) = pcseg::io::validate_cloud(c, Path::new(name), None) {
        panic!("the reader accepted a cloud that validate_cloud refuses: {e}");
    }
}

/// A reader's error is one line that starts with the file's name.
pub fn check_error(e: &Error, name: &str) {
    let msg = e.to_string();
    assert!(
        !msg.contains('\n') && !msg.contains('\r'),
        "error message is not one line: {msg:?}"
    );
    assert!(
        msg.starts_with(&format!("{name}: ")),
        "error message does not start with the file name: {msg:?}"
    );
}

fn same_values(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

fn same_extra(a: &ExtraProperty, b: &ExtraProperty) -> bool {
    a.name == b.name && a.kind == b.kind && same_values(&a.values, &b.values)
}

/// `==`, except that a NaN extra value equals a NaN (extra properties may
/// hold NaN; coordinates and normals may not).
pub fn same_cloud(a: &PointCloud, b: &PointCloud) -> bool {
    a.points == b.points
        && a.normals == b.normals
        && a.labels == b.labels
        && a.extra.len() == b.extra.len()
        && a.extra.iter().zip(&b.extra).all(|(x, y)| same_extra(x, y))
}

/// Write `c` with `write_ply` in every encoding and read it back: the cloud
/// must come back the same (findings F1 and F2 of docs/RELIABILITY.md were
/// modelled as exceptions here until they were fixed).
pub fn check_ply_round_trip(c: &PointCloud) {
    let want = c.clone();
    for encoding in ENCODINGS {
        let mut bytes = Vec::new();
        let options = PlyWriteOptions {
            encoding,
            colours: None,
        };
        if let Err(e) = write_ply(&mut bytes, c, &options) {
            panic!("write_ply ({encoding:?}) refused a cloud a reader accepted: {e}");
        }
        let back = match read_ply(&bytes[..], Path::new("back.ply")) {
            Ok(back) => back,
            Err(e) => panic!("write_ply ({encoding:?}) wrote a file read_ply refuses: {e}"),
        };
        assert!(
            same_cloud(&want, &back),
            "write_ply ({encoding:?}) then read_ply changed the cloud:\nbefore {c:?}\nafter  {back:?}"
        );
    }
}
