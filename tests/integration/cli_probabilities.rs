//! `pcseg run --probabilities [all]` (per-point float properties) and
//! `--palette FILE` (custom part colours).

use crate::cli_util::{failure, pcseg, stdout};
use pcseg::categories::{find_category, part_colour};
use pcseg::cloud::{ExtraProperty, ScalarKind};
use pcseg::io::{read_cloud, write_cloud};
use pcseg::rng::Rng;
use pcseg::synth::{sample_shape, Realism};
use pcseg::PointCloud;
use std::path::Path;

fn chair(seed: u64, points: usize) -> PointCloud {
    let cat = find_category("chair").unwrap();
    let mut c = sample_shape(cat, &mut Rng::new(seed), points, &Realism::off()).unwrap();
    c.labels = None;
    c
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn extra<'a>(c: &'a PointCloud, name: &str) -> &'a [f64] {
    &c.extra
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", names(c)))
        .values
}

fn names(c: &PointCloud) -> Vec<String> {
    c.extra.iter().map(|e| e.name.clone()).collect()
}

/// The probabilities of an output: in [0, 1], per-part ones summing to 1,
/// confidence their max, the label their argmax.
fn check_probabilities(out: &PointCloud) {
    let parts = ["back", "seat", "leg", "arm"];
    let confidence = extra(out, "confidence");
    let per: Vec<&[f64]> = parts
        .iter()
        .map(|p| extra(out, &format!("prob_{p}")))
        .collect();
    let labels = out.labels.as_ref().unwrap();
    let first = find_category("chair").unwrap().first_part;
    for i in 0..out.len() {
        let row: Vec<f64> = per.iter().map(|v| v[i]).collect();
        assert!(row.iter().all(|&p| (0.0..=1.0).contains(&p)), "{row:?}");
        let sum: f64 = row.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5, "point {i}: sum {sum}");
        let max = row.iter().copied().fold(0.0, f64::max);
        assert_eq!(confidence[i], max, "point {i}");
        assert!((0.0..=1.0).contains(&confidence[i]));
        let label = labels[i] as usize - first;
        assert_eq!(
            row[label], max,
            "point {i}: label {label} is not the argmax of {row:?}"
        );
    }
}

#[test]
fn probabilities_all_in_ply_and_text_keep_input_properties() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = chair(2, 700);
    c.extra.push(ExtraProperty {
        name: "confidence".into(),
        kind: ScalarKind::U16,
        values: (0..700).map(|i| i as f64).collect(),
    });
    let input = dir.path().join("in.ply");
    write_cloud(&input, &c, None, &Default::default()).unwrap();
    let plain = dir.path().join("plain.ply");
    stdout(&pcseg(
        &["run", s(&input), "-o", s(&plain), "-c", "chair", "-q"],
        None,
    ));
    let plain = read_cloud(&plain, None).unwrap();
    for ext in ["ply", "xyz"] {
        let out = dir.path().join(format!("out.{ext}"));
        stdout(&pcseg(
            &[
                "run",
                s(&input),
                "-o",
                s(&out),
                "-c",
                "chair",
                "-q",
                "--probabilities",
                "all",
            ],
            None,
        ));
        let back = read_cloud(&out, None).unwrap();
        assert_eq!(
            back.labels, plain.labels,
            "{ext}: labels as without --probabilities"
        );
        assert_eq!(back.points, c.points);
        assert_eq!(extra(&back, "source_confidence"), extra(&c, "confidence"));
        for name in [
            "confidence",
            "prob_back",
            "prob_seat",
            "prob_leg",
            "prob_arm",
        ] {
            assert!(
                names(&back).iter().any(|n| n == name),
                "{ext}: {:?}",
                names(&back)
            );
        }
        check_probabilities(&back);
    }
}

#[test]
fn probabilities_alone_add_only_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ply");
    write_cloud(&input, &chair(3, 300), None, &Default::default()).unwrap();
    let out = dir.path().join("out.ply");
    stdout(&pcseg(
        &["run", s(&input), "--probabilities", "-o", s(&out), "-q"],
        None,
    ));
    let back = read_cloud(&out, None).unwrap();
    let mut got = names(&back);
    got.sort();
    assert_eq!(got, ["blue", "confidence", "green", "red"]);
    assert!(extra(&back, "confidence")
        .iter()
        .all(|&p| p > 0.0 && p <= 1.0));
    let header = std::fs::read(&out).unwrap();
    let header = String::from_utf8_lossy(&header[..400.min(header.len())]).to_string();
    assert!(header.contains("property float confidence"), "{header}");
}

#[test]
fn a_palette_file_colours_the_parts_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ply");
    write_cloud(&input, &chair(4, 500), None, &Default::default()).unwrap();
    let palette = dir.path().join("p.txt");
    std::fs::write(&palette, "# my colours\nChair/seat 1 2 3\n14 #0a0b0c\n").unwrap();
    let out = dir.path().join("out.ply");
    stdout(&pcseg(
        &[
            "run",
            s(&input),
            "-o",
            s(&out),
            "-c",
            "chair",
            "-q",
            "--palette",
            s(&palette),
        ],
        None,
    ));
    let back = read_cloud(&out, None).unwrap();
    let labels = back.labels.clone().unwrap();
    assert!(labels.contains(&13) && labels.contains(&14) && labels.contains(&12));
    for (i, &l) in labels.iter().enumerate() {
        let want = match l {
            13 => [1, 2, 3],
            14 => [10, 11, 12],
            _ => part_colour(l as usize),
        };
        let got = [
            extra(&back, "red")[i],
            extra(&back, "green")[i],
            extra(&back, "blue")[i],
        ];
        assert_eq!(got, want.map(f64::from), "point {i} label {l}");
    }
    // --colors keep writes the palette colours as part_red ...
    stdout(&pcseg(
        &[
            "run",
            s(&input),
            "-o",
            s(&out),
            "-c",
            "chair",
            "-q",
            "--palette",
            s(&palette),
            "--colors",
            "keep",
        ],
        None,
    ));
    let back = read_cloud(&out, None).unwrap();
    let i = labels.iter().position(|&l| l == 13).unwrap();
    assert_eq!(extra(&back, "part_red")[i], 1.0);
}

#[test]
fn categories_json_reads_back_as_a_palette() {
    let dir = tempfile::tempdir().unwrap();
    let json = stdout(&pcseg(&["categories", "--json"], None));
    // Recolour the seat (id 13) and keep the rest as printed.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v[4]["parts"][1]["colour"] = serde_json::json!([200, 100, 50]);
    let palette = dir.path().join("p.json");
    std::fs::write(&palette, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let input = dir.path().join("in.ply");
    write_cloud(&input, &chair(4, 500), None, &Default::default()).unwrap();
    let out = dir.path().join("out.ply");
    stdout(&pcseg(
        &[
            "run",
            s(&input),
            "-o",
            s(&out),
            "-c",
            "chair",
            "-q",
            "--palette",
            s(&palette),
        ],
        None,
    ));
    let back = read_cloud(&out, None).unwrap();
    for (i, &l) in back.labels.as_ref().unwrap().iter().enumerate() {
        let want = if l == 13 {
            [200, 100, 50]
        } else {
            part_colour(l as usize)
        };
        assert_eq!(extra(&back, "red")[i], want[0] as f64);
        assert_eq!(extra(&back, "blue")[i], want[2] as f64);
    }
}

#[test]
fn bad_palettes_are_one_line_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ply");
    write_cloud(&input, &chair(1, 200), None, &Default::default()).unwrap();
    let out = dir.path().join("out.ply");
    let missing = dir.path().join("missing.txt");
    for (name, text, want) in [
        (
            "a.txt",
            "Chair/seat 1 2 3\nChair/wheel 1 2 3\n",
            "a.txt: line 2: unknown part 'Chair/wheel'",
        ),
        ("b.txt", "13 1 2 256\n", "b.txt: line 1: colour value '256'"),
        (
            "c.json",
            "{\"Chair/seat\": [1, 2]}",
            "c.json: line 1: colour [1,2]",
        ),
        ("d.json", "{\"Chair/seat\": [1, 2, 3],\n", "d.json: line "),
        ("e.txt", "\n", "e.txt: the palette names no parts"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let lines = failure(&pcseg(
            &["run", s(&input), "-o", s(&out), "--palette", s(&p)],
            None,
        ));
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains(want), "{name}: {lines:?}");
        assert!(!out.exists(), "{name}: no output on a bad palette");
    }
    let lines = failure(&pcseg(
        &["run", s(&input), "-o", s(&out), "--palette", s(&missing)],
        None,
    ));
    assert!(
        lines.len() == 1 && lines[0].contains("missing.txt"),
        "{lines:?}"
    );
}
