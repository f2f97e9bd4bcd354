//! PLY round trips (all three encodings, extra properties of every type) and
//! every bad-input case the reader must catch.

use pcseg::cloud::{ExtraProperty, ScalarKind};
use pcseg::io::ply::{read_ply, read_ply_with_header, write_ply, PlyEncoding, PlyWriteOptions};
use pcseg::io::{read_cloud, write_cloud, Format};
use pcseg::rng::Rng;
use pcseg::PointCloud;
use std::path::Path;

const ENCODINGS: [PlyEncoding; 3] = [
    PlyEncoding::Ascii,
    PlyEncoding::BinaryLittleEndian,
    PlyEncoding::BinaryBigEndian,
];

/// A random cloud with normals, labels and one extra property of each type,
/// holding values representable in that type (extremes included).
fn rich_cloud(n: usize, seed: u64) -> PointCloud {
    let mut rng = Rng::new(seed);
    let mut c = PointCloud::from_points(
        (0..n)
            .map(|_| {
                [
                    rng.normal() * 10.0,
                    rng.uniform(-1.0, 1.0),
                    rng.f32() * 1e-6,
                ]
            })
            .collect(),
    );
    c.normals = Some(
        (0..n)
            .map(|_| [rng.normal(), rng.normal(), rng.normal()])
            .collect(),
    );
    c.labels = Some((0..n).map(|_| rng.below(50) as u32).collect());
    let kinds = [
        ("intensity", ScalarKind::F32),
        ("gps_time", ScalarKind::F64),
        ("flag", ScalarKind::I8),
        ("alpha", ScalarKind::U8),
        ("ring", ScalarKind::I16),
        ("return_number", ScalarKind::U16),
        ("segment", ScalarKind::I32),
        ("point_source", ScalarKind::U32),
    ];
    for (name, kind) in kinds {
        let values = (0..n)
            .map(|i| match kind {
                ScalarKind::F32 => rng.normal() as f64,
                ScalarKind::F64 => 1.6e9 + rng.f64(),
                ScalarKind::I8 => [-128.0, 127.0, 0.0][i % 3],
                ScalarKind::U8 => [0.0, 255.0, 17.0][i % 3],
                ScalarKind::I16 => [-32768.0, 32767.0, -5.0][i % 3],
                ScalarKind::U16 => [0.0, 65535.0, 300.0][i % 3],
                ScalarKind::I32 => [i32::MIN as f64, i32::MAX as f64, -7.0][i % 3],
                ScalarKind::U32 => [0.0, u32::MAX as f64, 123456.0][i % 3],
            })
            .collect();
        c.extra.push(ExtraProperty {
            name: name.to_string(),
            kind,
            values,
        });
    }
    c
}

fn write(c: &PointCloud, encoding: PlyEncoding) -> Vec<u8> {
    let mut out = Vec::new();
    write_ply(
        &mut out,
        c,
        &PlyWriteOptions {
            encoding,
            colours: None,
        },
    )
    .unwrap();
    out
}

fn read(bytes: &[u8]) -> pcseg::Result<PointCloud> {
    read_ply(bytes, Path::new("t.ply"))
}

fn err(bytes: &[u8]) -> String {
    read(bytes).unwrap_err().to_string()
}

#[test]
fn round_trips_every_encoding_with_extra_properties() {
    let c = rich_cloud(500, 1);
    for enc in ENCODINGS {
        let bytes = write(&c, enc);
        let (back, header) = read_ply_with_header(&bytes[..], Path::new("t.ply")).unwrap();
        assert_eq!(header.encoding, enc);
        assert_eq!(back, c, "{enc:?}");
        // Written again, the file is byte-identical.
        assert_eq!(write(&back, enc), bytes, "{enc:?}");
    }
}

#[test]
fn binary_layout_is_the_documented_one() {
    let mut c = PointCloud::from_points(vec![[1.0, 2.0, 3.0]]);
    c.labels = Some(vec![7]);
    let bytes = write(&c, PlyEncoding::BinaryBigEndian);
    let text = String::from_utf8_lossy(&bytes);
    let head = "ply\nformat binary_big_endian 1.0\ncomment written by pcseg\nelement vertex 1\n\
                property float x\nproperty float y\nproperty float z\nproperty int label\nend_header\n";
    assert!(text.starts_with(head), "{text}");
    let body = &bytes[head.len()..];
    let mut want = Vec::new();
    for v in [1.0f32, 2.0, 3.0] {
        want.extend_from_slice(&v.to_be_bytes());
    }
    want.extend_from_slice(&7i32.to_be_bytes());
    assert_eq!(body, &want[..]);
}

#[test]
fn colours_and_labels_are_added_and_old_colours_moved_aside() {
    let mut c = PointCloud::from_points(vec![[0.0; 3], [1.0; 3]]);
    c.extra.push(ExtraProperty {
        name: "red".into(),
        kind: ScalarKind::F32,
        values: vec![0.5, 0.5],
    });
    c.extra.push(ExtraProperty {
        name: "quality".into(),
        kind: ScalarKind::F32,
        values: vec![1.0, 2.0],
    });
    c.labels = Some(vec![3, 4]);
    let colours = [[255u8, 0, 10], [1, 2, 3]];
    // A `red` already there is never dropped: writing colours over it is an
    // error until it is moved aside.
    let opts = PlyWriteOptions {
        colours: Some(&colours),
        ..Default::default()
    };
    let e = write_ply(&mut Vec::new(), &c, &opts).unwrap_err();
    assert!(e.to_string().contains("'red'"), "{e}");
    assert_eq!(c.move_aside("red").as_deref(), Some("source_red"));
    for enc in ENCODINGS {
        let mut out = Vec::new();
        let opts = PlyWriteOptions {
            encoding: enc,
            colours: Some(&colours),
        };
        write_ply(&mut out, &c, &opts).unwrap();
        let back = read(&out).unwrap();
        assert_eq!(back.labels, Some(vec![3, 4]));
        let names: Vec<_> = back.extra.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["source_red", "quality", "red", "green", "blue"]);
        assert_eq!(back.extra[0].values, vec![0.5, 0.5]);
        assert_eq!(back.extra[2].kind, ScalarKind::U8);
        assert_eq!(back.extra[2].values, vec![255.0, 1.0]);
        assert_eq!(back.extra[4].values, vec![10.0, 3.0]);
    }
    let short = [[0u8; 3]];
    let opts = PlyWriteOptions {
        colours: Some(&short),
        ..Default::default()
    };
    let e = write_ply(&mut Vec::new(), &c, &opts).unwrap_err();
    assert!(e.to_string().contains("colours has 1 entries for 2 points"));
}

#[test]
fn reads_foreign_files_mesh_doubles_and_label_names() {
    // A mesh with a face element BEFORE the vertices, double coordinates, a
    // uchar `class` label and an unrelated float `label_confidence`.
    let head = "ply\nformat binary_little_endian 1.0\nobj_info x\nelement face 2\n\
                property list uchar int vertex_indices\nproperty uchar flags\n\
                element vertex 3\nproperty double x\nproperty double y\nproperty double z\n\
                property uchar class\nproperty float confidence\nend_header\n";
    let mut b = head.as_bytes().to_vec();
    for face in [&[0i32, 1, 2][..], &[2, 1, 0, 1]] {
        b.push(face.len() as u8);
        for v in face {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(9);
    }
    for i in 0..3 {
        for v in [i as f64 + 0.25, -1.5, 1e-3] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(40 + i as u8);
        b.extend_from_slice(&0.5f32.to_le_bytes());
    }
    let c = read(&b).unwrap();
    assert_eq!(
        c.points,
        vec![[0.25, -1.5, 1e-3], [1.25, -1.5, 1e-3], [2.25, -1.5, 1e-3]]
    );
    assert_eq!(c.labels, Some(vec![40, 41, 42]));
    assert!(c.normals.is_none());
    assert_eq!(c.extra.len(), 1);
    assert_eq!(c.extra[0].name, "confidence");

    // ASCII mesh with faces after the vertices, `scalar_label` as int, and a
    // float `label` kept as an extra because it is not an integer type.
    let text = "ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\n\
                property float z\nproperty float nx\nproperty float ny\nproperty float nz\n\
                property float label\nproperty int scalar_label\nelement face 1\n\
                property list uchar int vertex_indices\nend_header\n\
                0 0 0 0 0 1 0.5 12\n1 1 1 0 1 0 0.25 13\n3 0 1 1\n";
    let c = read(text.as_bytes()).unwrap();
    assert_eq!(c.labels, Some(vec![12, 13]));
    assert_eq!(c.normals, Some(vec![[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]));
    assert_eq!(c.extra[0].name, "label");
    assert_eq!(c.extra[0].values, vec![0.5, 0.25]);
}

#[test]
fn every_bad_input_is_a_clear_error() {
    let c = rich_cloud(10, 2);
    let good = write(&c, PlyEncoding::BinaryLittleEndian);
    let header_len = good.windows(11).position(|w| w == b"end_header\n").unwrap() + 11;

    // Truncated binary body.
    let e = err(&good[..good.len() - 5]);
    assert_eq!(
        e,
        "t.ply: truncated PLY body: the header declares 10 'vertex' records, the data ends after 9"
    );
    // Header count larger than the data.
    let text =
        String::from_utf8_lossy(&good[..header_len]).replace("vertex 10", "vertex 1000000000");
    let mut big = text.into_bytes();
    big.extend_from_slice(&good[header_len..]);
    assert!(err(&big).contains("declares 1000000000 'vertex' records, the data ends after 10"));
    // Missing y.
    let e = err(b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float z\nend_header\n1 2\n");
    assert_eq!(e, "t.ply: vertex element has no 'y' property");
    // List property on vertex.
    let e = err(b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nproperty list uchar float w\nend_header\n1 2 3 1 4\n");
    assert!(e.contains("vertex property 'w' is a list (list uchar float); list properties on vertices are not supported"), "{e}");
    // NaN / inf coordinates, binary and ascii.
    let mut bad = c.clone();
    bad.points[4][1] = f32::NAN;
    assert_eq!(
        err(&write(&bad, PlyEncoding::BinaryLittleEndian)),
        "t.ply: vertex 4: non-finite coordinate or normal"
    );
    bad.points[4][1] = f32::INFINITY;
    assert_eq!(
        err(&write(&bad, PlyEncoding::Ascii)),
        "t.ply: vertex 4: non-finite coordinate or normal"
    );
    // Zero points.
    let e = err(b"ply\nformat binary_little_endian 1.0\nelement vertex 0\nproperty float x\nproperty float y\nproperty float z\nend_header\n");
    assert_eq!(e, "t.ply: no points");
    // No vertex element.
    let e = err(b"ply\nformat ascii 1.0\nelement face 0\nproperty list uchar int v\nend_header\n");
    assert_eq!(e, "t.ply: PLY file has no 'vertex' element");
    // ASCII: short line, bad number, bad integer, truncated.
    let head = "ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\nproperty uchar part\nend_header\n";
    assert_eq!(
        err(format!("{head}1 2 3 4\n1 2 3\n").as_bytes()),
        "t.ply: line 10: vertex 1: expected 4 values, got 3"
    );
    assert_eq!(
        err(format!("{head}1 2 3 4 5\n").as_bytes()),
        "t.ply: line 9: vertex 0: expected 4 values, got 5"
    );
    assert_eq!(
        err(format!("{head}1 2 x 4\n").as_bytes()),
        "t.ply: line 9: vertex 0: 'x' is not a number"
    );
    assert_eq!(
        err(format!("{head}1 2 3 256\n").as_bytes()),
        "t.ply: line 9: vertex 0: '256' is not a valid uchar"
    );
    assert_eq!(
        err(format!("{head}1 2 3 4\n").as_bytes()),
        "t.ply: truncated PLY body: the header declares 2 'vertex' records, the data ends after 1"
    );
    // Negative label.
    let e = err(b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nproperty int label\nend_header\n1 2 3 -4\n");
    assert_eq!(e, "t.ply: line 9: vertex 0: label -4 is out of range");
    // Not a PLY at all.
    assert_eq!(
        err(b"solid cube\n"),
        "t.ply: not a PLY file (the first line is not 'ply')"
    );
    // Truncated element before the vertices.
    let e = err(b"ply\nformat binary_little_endian 1.0\nelement face 3\nproperty list uchar int v\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n\x01\x00\x00\x00\x00");
    assert!(
        e.contains("declares 3 'face' records, the data ends after 1"),
        "{e}"
    );
}

#[test]
fn files_go_through_read_cloud_and_write_cloud() {
    let dir = tempfile::tempdir().unwrap();
    let c = rich_cloud(50, 3);
    for (name, opts) in [
        ("a.ply", PlyWriteOptions::default()),
        ("b.PLY", PlyWriteOptions::ascii()),
    ] {
        let p = dir.path().join(name);
        write_cloud(&p, &c, None, &opts).unwrap();
        assert_eq!(read_cloud(&p, None).unwrap(), c);
        assert_eq!(read_cloud(&p, Some(Format::Ply)).unwrap(), c);
    }
    // A failed write leaves neither the file nor a temporary behind.
    let mut broken = c.clone();
    broken.labels = Some(vec![1]);
    let p = dir.path().join("broken.ply");
    let e = write_cloud(&p, &broken, None, &PlyWriteOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("broken.ply: labels has 1 entries for 50 points"),
        "{e}"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // A missing file names itself.
    let e = read_cloud(&dir.path().join("nope.ply"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope.ply: "), "{e}");
}
