//! `pcseg info` run as a binary on files the test writes: text and JSON
//! output, stdin, and each bad input giving a non-zero exit and one stderr
//! line naming the file.

use pcseg::io::{write_cloud, PlyWriteOptions};
use pcseg::PointCloud;

use crate::cli_util::{failure, pcseg, stdout};

fn labelled() -> PointCloud {
    let mut c = PointCloud::from_points(vec![
        [-1.0, 0.0, 2.0],
        [3.0, -4.0, 0.5],
        [0.0, 1.0, 1.0],
        [0.5, 0.5, 0.5],
    ]);
    c.normals = Some(vec![[0.0, 1.0, 0.0]; 4]);
    c.labels = Some(vec![12, 14, 14, 14]);
    c
}

#[test]
fn describes_a_ply_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("chair.ply");
    write_cloud(&p, &labelled(), None, &PlyWriteOptions::default()).unwrap();
    let text = stdout(&pcseg(&["info", p.to_str().unwrap()], None));
    assert!(
        text.contains("format:     PLY binary_little_endian"),
        "{text}"
    );
    assert!(text.contains("points:     4"), "{text}");
    assert!(
        text.contains(
            "x (float), y (float), z (float), nx (float), ny (float), nz (float), label (int)"
        ),
        "{text}"
    );
    assert!(text.contains("normals:    yes"), "{text}");
    assert!(text.contains("bbox min:   -1 -4 0.5"), "{text}");
    assert!(text.contains("bbox max:   3 1 2"), "{text}");
    assert!(text.contains(" 12 Chair/back"), "{text}");
    let leg = text.lines().find(|l| l.contains("Chair/leg")).unwrap();
    assert_eq!(
        leg.split_whitespace().collect::<Vec<_>>(),
        ["14", "Chair/leg", "3", "75.0%"]
    );

    let json = stdout(&pcseg(&["info", "--json", p.to_str().unwrap()], None));
    assert_eq!(json.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["format"], "ply");
    assert_eq!(v["points"], 4);
    assert_eq!(v["has_normals"], true);
    assert_eq!(v["has_labels"], true);
    assert_eq!(v["bbox_min"], serde_json::json!([-1.0, -4.0, 0.5]));
    assert_eq!(v["bbox_max"], serde_json::json!([3.0, 1.0, 2.0]));
    assert_eq!(v["label_histogram"][1]["name"], "Chair/leg");
    assert_eq!(v["label_histogram"][1]["count"], 3);
    assert_eq!(v["properties"][6]["type"], "int");
}

#[test]
fn reads_text_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bare.xyz");
    std::fs::write(&p, "0 0 0\n1 2 3\n").unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&pcseg(
        &["info", "--json", p.to_str().unwrap()],
        None,
    )))
    .unwrap();
    assert_eq!(v["format"], "xyz");
    assert_eq!(v["has_labels"], false);
    assert_eq!(v["has_normals"], false);
    assert_eq!(v["label_histogram"], serde_json::json!([]));

    // PLY on stdin is recognised by its magic line; text needs --format.
    let mut ply = Vec::new();
    pcseg::io::ply::write_ply(&mut ply, &labelled(), &PlyWriteOptions::ascii()).unwrap();
    let text = stdout(&pcseg(&["info", "-"], Some(&ply)));
    assert!(
        text.contains("file:       <stdin>") && text.contains("PLY ascii"),
        "{text}"
    );
    let text = stdout(&pcseg(
        &["info", "-", "--format", "xyz"],
        Some(b"1 2 3 47\n"),
    ));
    assert!(text.contains("Table/desktop"), "{text}");
    let o = pcseg(&["info", "-"], Some(b"1 2 3\n"));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("<stdin>: not PLY; use --format"));
}

#[test]
fn bad_inputs_fail_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good_head = "ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nend_header\n";
    let nan: Vec<u8> = [
        good_head.as_bytes(),
        &[0u8; 12],
        &f32::NAN.to_le_bytes(),
        &[0u8; 20],
    ]
    .concat();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated.ply", [good_head.as_bytes(), &[0u8; 30]].concat(), "truncated PLY body"),
        ("nan.ply", nan, "vertex 1: non-finite coordinate"),
        ("noy.ply", b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float z\nend_header\n1 2\n".to_vec(), "no 'y' property"),
        ("empty.ply", b"ply\nformat ascii 1.0\nelement vertex 0\nproperty float x\nproperty float y\nproperty float z\nend_header\n".to_vec(), "no points"),
        ("garbage.ply", vec![0xde, 0xad, 0xbe, 0xef, 0, 1, 2], "not a PLY file"),
        ("short.xyz", b"1 2 3\n4 5\n".to_vec(), "line 2: expected 3 columns like line 1, got 2"),
        ("empty.xyz", Vec::new(), "no points"),
        ("weird.obj", b"v 1 2 3\n".to_vec(), "mesh has no triangles"),
    ];
    for (name, bytes, want) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = pcseg(&["info", p.to_str().unwrap()], None);
        assert!(!o.status.success(), "{name} succeeded");
        assert!(o.stdout.is_empty(), "{name}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(&format!("{}: ", p.display())), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
    }
    let missing = dir.path().join("missing.ply");
    let o = pcseg(&["info", missing.to_str().unwrap()], None);
    assert!(!o.status.success());
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1);
    assert!(err.contains("missing.ply: "), "{err}");
}

#[test]
fn model_files_are_described_and_a_missing_one_is_named() {
    let o = pcseg(&["info", "assets/ssg-mbv2-wide.safetensors"], None);
    let text = stdout(&o);
    assert!(text.contains("pcseg model `ssg-mbv2-wide`"), "{text}");
    assert!(text.contains("parameters: 1258226"), "{text}");
    assert!(text.contains("trained: yes"), "{text}");
    let o = pcseg(&["info", "weights.safetensors"], None);
    let err = failure(&o);
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(err[0].contains("weights.safetensors"), "{err:?}");
}
