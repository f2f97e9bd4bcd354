//! PCD in and out: round trips through `read_cloud`/`write_cloud` (every
//! field kept with its type), `pcseg run -o out.pcd` (binary, uint32 label,
//! packed rgb), files written by pypcd4 (when installed) in all three
//! encodings, and a table of bad files, each one line naming the file with
//! exit code 1 and the existing output untouched.

use crate::cli_util::{failure, pcseg, stdout};
use pcseg::categories::part_colour;
use pcseg::cloud::{ExtraProperty, ScalarKind};
use pcseg::io::pcd::{read_pcd, PcdData};
use pcseg::io::{read_cloud, read_cloud_with_info, write_cloud, SourceInfo};
use pcseg::PointCloud;
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn header(fields: &str, size: &str, ty: &str, count: &str, n: usize, data: &str) -> String {
    format!(
        "# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\nFIELDS {fields}\nSIZE {size}\n\
         TYPE {ty}\nCOUNT {count}\nWIDTH {n}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {n}\nDATA {data}\n"
    )
}

/// A cloud with normals, labels, colours and extras of several types.
fn rich(n: usize) -> PointCloud {
    let mut c = PointCloud::from_points(
        (0..n)
            .map(|i| [i as f32 * 0.5, -(i as f32), 1.0 / (i as f32 + 1.0)])
            .collect(),
    );
    c.normals = Some(
        (0..n)
            .map(|i| {
                if i % 2 == 0 {
                    [0.0, 0.0, 1.0]
                } else {
                    [1.0, 0.0, 0.0]
                }
            })
            .collect(),
    );
    c.labels = Some((0..n).map(|i| 12 + (i % 4) as u32).collect());
    for (name, kind, f) in [
        ("red", ScalarKind::U8, 3.0),
        ("green", ScalarKind::U8, 5.0),
        ("blue", ScalarKind::U8, 7.0),
        ("intensity", ScalarKind::U16, 1000.0),
        ("ring", ScalarKind::I8, -1.0),
        ("time", ScalarKind::F64, 1e-9),
    ] {
        c.extra.push(ExtraProperty {
            name: name.into(),
            kind,
            values: (0..n).map(|i| f * (i % 30) as f64).collect(),
        });
    }
    c
}

#[test]
fn write_then_read_keeps_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.pcd");
    let c = rich(40);
    write_cloud(&p, &c, None, &Default::default()).unwrap();
    let (back, info) = read_cloud_with_info(&p, None).unwrap();
    assert_eq!(back, c);
    let SourceInfo::Pcd(h) = info else {
        panic!("not read as PCD")
    };
    assert_eq!(h.data, PcdData::Binary);
    let names: Vec<_> = h.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "x",
            "y",
            "z",
            "normal_x",
            "normal_y",
            "normal_z",
            "rgb",
            "intensity",
            "ring",
            "time",
            "label"
        ]
    );
    let types: Vec<_> = h.fields.iter().map(|f| f.type_name()).collect();
    assert_eq!(
        types,
        ["F4", "F4", "F4", "F4", "F4", "F4", "F4", "U2", "I1", "F8", "U4"]
    );
    // And on to PLY and back: the same cloud.
    let ply = dir.path().join("c.ply");
    write_cloud(&ply, &back, None, &Default::default()).unwrap();
    assert_eq!(read_cloud(&ply, None).unwrap(), c);
}

#[test]
fn double_coordinates_and_wide_fields_keep_their_precision() {
    let text = header(
        "x y z stamp v",
        "8 8 8 8 4",
        "F F F U F",
        "1 1 1 1 3",
        2,
        "ascii",
    ) + "0.1 0.2 0.30000000000000004 9007199254740992 1 2 3\n1e-300 2 3 7 4 5 6\n";
    let (c, _) = read_pcd(text.as_bytes(), Path::new("w.pcd")).unwrap();
    let exact = c.exact_points.as_ref().unwrap();
    assert_eq!(exact[0], [0.1, 0.2, 0.30000000000000004]);
    assert_eq!(exact[1][0], 1e-300);
    let names: Vec<_> = c.extra.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["stamp", "v_0", "v_1", "v_2"]);
    assert_eq!(c.extra[0].values[0], 9007199254740992.0);
    // Written and read again: still exact.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w2.pcd");
    write_cloud(&p, &c, None, &Default::default()).unwrap();
    assert_eq!(read_cloud(&p, None).unwrap(), c);
}

#[test]
fn run_writes_binary_pcd_with_uint_label_and_rgb() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pcd");
    let mut c = rich(300);
    c.labels = None;
    write_cloud(&input, &c, None, &Default::default()).unwrap();
    let out = dir.path().join("out.pcd");
    stdout(&pcseg(
        &["run", s(&input), "-o", s(&out), "-c", "chair", "-q"],
        None,
    ));
    let bytes = std::fs::read(&out).unwrap();
    let (back, h) = read_pcd(&bytes, &out).unwrap();
    assert_eq!(h.data, PcdData::Binary);
    let label = h.fields.iter().find(|f| f.name == "label").unwrap();
    assert_eq!(label.type_name(), "U4");
    let labels = back.labels.clone().unwrap();
    assert_eq!(labels.len(), 300);
    // rgb holds the part colours; the input's colours moved aside, and
    // every other input field is still there.
    let get = |n: &str| &back.extra.iter().find(|e| e.name == n).unwrap().values;
    for (i, &label) in labels.iter().enumerate() {
        let want = part_colour(label as usize);
        assert_eq!(
            [get("red")[i], get("green")[i], get("blue")[i]],
            want.map(f64::from)
        );
    }
    assert_eq!(get("source_red"), &c.extra[0].values);
    assert_eq!(get("time"), &c.extra[5].values);
    assert_eq!(back.points, c.points);
}

/// Files written by pypcd4 (ascii, binary, binary_compressed: its LZF is a
/// second, independent compressor) read with every field.
#[test]
fn files_written_by_pypcd4_when_available() {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import sys
import numpy as np
from pypcd4 import PointCloud, Encoding
d = sys.argv[1]
n = 1000
rng = np.random.default_rng(3)
xyz = rng.normal(size=(n, 3)).astype(np.float32)
rgb = PointCloud.encode_rgb(rng.integers(0, 256, size=(n, 3), dtype=np.uint8))
inten = np.arange(n, dtype=np.float32) % 7
pts = np.column_stack([xyz, rgb, inten])
pc = PointCloud.from_points(pts, ("x", "y", "z", "rgb", "intensity"), (np.float32,) * 5)
for enc in [Encoding.ASCII, Encoding.BINARY, Encoding.BINARY_COMPRESSED]:
    pc.save(f"{d}/{enc.value}.pcd", encoding=enc)
np.save(f"{d}/xyz.npy", xyz)
"#;
    let ok = std::process::Command::new("python3")
        .args(["-c", script, s(dir.path())])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "files_written_by_pypcd4_when_available: skipped, python3 with pypcd4 is not available"
        );
        return;
    }
    let mut clouds = Vec::new();
    for enc in ["ascii", "binary", "binary_compressed"] {
        let p = dir.path().join(format!("{enc}.pcd"));
        let (c, info) = read_cloud_with_info(&p, None).unwrap_or_else(|e| panic!("{enc}: {e}"));
        let SourceInfo::Pcd(h) = info else { panic!() };
        assert_eq!(h.data.name(), enc);
        assert_eq!(c.len(), 1000);
        let names: Vec<_> = c.extra.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["red", "green", "blue", "intensity"], "{enc}");
        clouds.push(c);
    }
    assert_eq!(clouds[1], clouds[2]);
    // pypcd4's ascii prints ten decimals: positions agree to float
    // precision, but its packed rgb floats (tiny denormals) print as 0.
    for (a, b) in clouds[0].points.iter().zip(&clouds[1].points) {
        for k in 0..3 {
            assert!(
                (a[k] - b[k]).abs() <= 1e-5 * b[k].abs().max(1.0),
                "{a:?} {b:?}"
            );
        }
    }
    assert_eq!(clouds[0].extra[3], clouds[1].extra[3]);
    assert!(clouds[1].extra[0].values.iter().any(|&r| r > 0.0));
}

/// One row: a bad PCD file and what its error line must say.
struct Bad {
    name: &'static str,
    bytes: Vec<u8>,
    says: &'static str,
}

fn bad_files() -> Vec<Bad> {
    let xyz = |n, data| header("x y z", "4 4 4", "F F F", "1 1 1", n, data);
    let mut binary = xyz(2, "binary").into_bytes();
    binary.extend_from_slice(&[0u8; 20]);
    let mut compressed = xyz(2, "binary_compressed").into_bytes();
    compressed.extend_from_slice(&100u32.to_le_bytes());
    compressed.extend_from_slice(&24u32.to_le_bytes());
    compressed.extend_from_slice(&[0u8; 10]);
    let mut bad_lzf = xyz(2, "binary_compressed").into_bytes();
    bad_lzf.extend_from_slice(&2u32.to_le_bytes());
    bad_lzf.extend_from_slice(&24u32.to_le_bytes());
    bad_lzf.extend_from_slice(&[0x20, 0x05]);
    let mut wrong_size = xyz(2, "binary_compressed").into_bytes();
    wrong_size.extend_from_slice(&2u32.to_le_bytes());
    wrong_size.extend_from_slice(&20u32.to_le_bytes());
    vec![
        Bad {
            name: "empty.pcd",
            bytes: Vec::new(),
            says: "header ends before its DATA line",
        },
        Bad {
            name: "headless.pcd",
            bytes: xyz(2, "ascii").replace("DATA ascii\n", "").into_bytes(),
            says: "header ends before its DATA line",
        },
        Bad {
            name: "short_ascii.pcd",
            bytes: (xyz(3, "ascii") + "1 2 3\n4 5 6\n").into_bytes(),
            says: "truncated: 2 of the 3 points",
        },
        Bad {
            name: "long_line.pcd",
            bytes: (xyz(1, "ascii") + "1 2 3 4\n").into_bytes(),
            says: "more than the 3 values",
        },
        Bad {
            name: "short_line.pcd",
            bytes: (xyz(1, "ascii") + "1 2\n").into_bytes(),
            says: "point 0 has 2 values",
        },
        Bad {
            name: "word.pcd",
            bytes: (xyz(1, "ascii") + "1 two 3\n").into_bytes(),
            says: "bad number 'two'",
        },
        Bad {
            name: "nan.pcd",
            bytes: (xyz(1, "ascii") + "1 nan 3\n").into_bytes(),
            says: "non-finite",
        },
        Bad {
            name: "no_z.pcd",
            bytes: (header("x y", "4 4", "F F", "1 1", 1, "ascii") + "1 2\n").into_bytes(),
            says: "no 'z' field",
        },
        Bad {
            name: "mismatch.pcd",
            bytes: (header("x y z", "4 4", "F F F", "1 1 1", 1, "ascii") + "1 2 3\n").into_bytes(),
            says: "3 FIELDS but 2 SIZE",
        },
        Bad {
            name: "type.pcd",
            bytes: (header("x y z", "4 4 3", "F F F", "1 1 1", 1, "ascii") + "1 2 3\n")
                .into_bytes(),
            says: "unsupported type F3",
        },
        Bad {
            name: "points.pcd",
            bytes: xyz(2, "ascii").replace("POINTS 2", "POINTS 5").into_bytes(),
            says: "POINTS 5 is not WIDTH x HEIGHT = 2",
        },
        Bad {
            name: "data.pcd",
            bytes: xyz(1, "lzma").into_bytes(),
            says: "expected ascii, binary or binary_compressed",
        },
        Bad {
            name: "short_binary.pcd",
            bytes: binary,
            says: "truncated: 20 bytes of binary data for 2 points of 12 bytes",
        },
        Bad {
            name: "short_compressed.pcd",
            bytes: compressed,
            says: "truncated: 10 bytes of compressed data",
        },
        Bad {
            name: "bad_lzf.pcd",
            bytes: bad_lzf,
            says: "LZF back reference before the start",
        },
        Bad {
            name: "wrong_size.pcd",
            bytes: wrong_size,
            says: "unpacks to 20 bytes, but 2 points of 12 bytes need 24",
        },
        Bad {
            name: "negative_label.pcd",
            bytes: (header("x y z label", "4 4 4 4", "F F F I", "1 1 1 1", 1, "ascii")
                + "1 2 3 -4\n")
                .into_bytes(),
            says: "label -4 is not a part id",
        },
    ]
}

#[test]
fn bad_pcd_files_are_one_line_naming_the_file() {
    let existing = b"an existing output that must survive\n";
    for bad in bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join(bad.name);
        std::fs::write(&input, &bad.bytes).unwrap();
        let out = dir.path().join("out.pcd");
        std::fs::write(&out, existing).unwrap();
        let lines = failure(&pcseg(&["run", s(&input), "-o", s(&out), "-q"], None));
        assert_eq!(lines.len(), 1, "{}: {lines:?}", bad.name);
        assert!(
            lines[0].starts_with("pcseg: error: ") && lines[0].contains(bad.name),
            "{}: {lines:?}",
            bad.name
        );
        assert!(lines[0].contains(bad.says), "{}: {lines:?}", bad.name);
        assert_eq!(std::fs::read(&out).unwrap(), existing, "{}", bad.name);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "{}",
            bad.name
        );
    }
}
