//! `pcseg run --up/--front/--orient auto`: the cloud is turned into the
//! model's frame (y up, front +x) for the network only, the output keeps the
//! input's coordinates, and the orientation search finds the frame of a
//! turned shape.

use crate::cli_util::{failure, pcseg, real_samples, stdout};
use pcseg::categories::find_category;
use pcseg::io::{read_cloud, write_cloud};
use pcseg::predict::orient::{Axis, Frame};
use pcseg::rng::Rng;
use pcseg::synth::{sample_shape, Realism};
use pcseg::PointCloud;
use std::path::Path;

fn shape(category: &str, seed: u64, points: usize) -> PointCloud {
    let cat = find_category(category).unwrap();
    let mut c = sample_shape(cat, &mut Rng::new(seed), points, &Realism::off()).unwrap();
    c.labels = None;
    c
}

/// `c` (in the model's frame) as seen by a user whose axes are `frame`.
fn turned(c: &PointCloud, frame: Frame) -> PointCloud {
    let mut out = c.clone();
    out.points
        .iter_mut()
        .for_each(|p| *p = frame.from_model(*p));
    if let Some(n) = &mut out.normals {
        n.iter_mut().for_each(|p| *p = frame.from_model(*p));
    }
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn labels(path: &Path) -> Vec<u32> {
    read_cloud(path, None).unwrap().labels.unwrap()
}

const Z_UP: Frame = Frame {
    up: Axis::PosZ,
    front: Axis::PosX,
};

#[test]
fn up_z_keeps_the_output_coordinates_of_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let chair = turned(&shape("chair", 3, 500), Z_UP);
    let input = dir.path().join("zup.ply");
    write_cloud(&input, &chair, None, &Default::default()).unwrap();
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
            "--up",
            "z",
        ],
        None,
    ));
    let back = read_cloud(&out, None).unwrap();
    let bits =
        |v: &[[f32; 3]]| -> Vec<[u32; 3]> { v.iter().map(|p| p.map(f32::to_bits)).collect() };
    assert_eq!(bits(&back.points), bits(&chair.points));
    assert_eq!(
        bits(back.normals.as_ref().unwrap()),
        bits(chair.normals.as_ref().unwrap())
    );
    // Text: the coordinate and normal columns are written exactly as a run
    // without --up writes them, digit for digit.
    let text = dir.path().join("zup.xyz");
    let mut t = String::new();
    for (p, n) in chair.points.iter().zip(chair.normals.as_ref().unwrap()) {
        t.push_str(&format!(
            "{:.9} {:.9} {:.9} {:.7} {:.7} {:.7}\n",
            p[0], p[1], p[2], n[0], n[1], n[2]
        ));
    }
    std::fs::write(&text, &t).unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec!["run", s(&text), "-o", s(&out), "-c", "chair", "-q"];
        args.extend_from_slice(extra);
        stdout(&pcseg(&args, None));
        std::fs::read_to_string(out).unwrap()
    };
    let columns = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.split_whitespace().take(6).collect::<Vec<_>>().join(" "))
            .collect()
    };
    let plain = run("plain.xyz", &[]);
    let up = run("up.xyz", &["--up", "z", "--front", "x"]);
    assert_eq!(columns(&up), columns(&plain));
    let inputs: Vec<String> = t.lines().map(str::to_string).collect();
    let parsed =
        |l: &String| -> Vec<f64> { l.split_whitespace().map(|v| v.parse().unwrap()).collect() };
    let out_rows: Vec<String> = columns(&up);
    for (a, b) in inputs.iter().zip(&out_rows) {
        assert_eq!(parsed(a), parsed(b));
    }
}

#[test]
fn up_z_on_a_z_up_shape_gives_the_labels_of_the_y_up_original() {
    let dir = tempfile::tempdir().unwrap();
    let chair = shape("chair", 5, 800);
    let (a, b) = (dir.path().join("yup.ply"), dir.path().join("zup.ply"));
    write_cloud(&a, &chair, None, &Default::default()).unwrap();
    write_cloud(&b, &turned(&chair, Z_UP), None, &Default::default()).unwrap();
    let run = |input: &Path, name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec!["run", s(input), "-o", s(&out), "-q"];
        args.extend_from_slice(extra);
        stdout(&pcseg(&args, None));
        labels(&out)
    };
    let original = run(&a, "a.ply", &["-c", "chair"]);
    assert_eq!(run(&b, "b.ply", &["-c", "chair", "--up", "z"]), original);
    assert_eq!(run(&b, "c.ply", &["--up", "z"]), original);
    // Without --up the turned chair is read in the wrong frame.
    assert_ne!(run(&b, "d.ply", &["-c", "chair"]), original);
}

/// `--orient auto` on `c` turned into `frame`: the orientation record of
/// `--json`, the labels, and stderr.
fn auto(c: &PointCloud, frame: Frame, extra: &[&str]) -> (serde_json::Value, Vec<u32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ply");
    write_cloud(&input, &turned(c, frame), None, &Default::default()).unwrap();
    let out = dir.path().join("out.ply");
    let mut args = vec![
        "run",
        s(&input),
        "-o",
        s(&out),
        "--orient",
        "auto",
        "--json",
        "-",
    ];
    args.extend_from_slice(extra);
    let o = pcseg(&args, None);
    let record: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    (record, labels(&out), err)
}

#[test]
fn orient_auto_recovers_a_turned_synthetic_shape() {
    let chair = shape("chair", 7, 1500);
    let want = Frame::new(Axis::PosZ, Axis::NegY).unwrap();
    for extra in [&["-c", "chair"][..], &[][..]] {
        let (r, _, err) = auto(&chair, want, extra);
        let o = &r["orientation"];
        assert_eq!(
            (o["up"].as_str(), o["front"].as_str()),
            (Some("z"), Some("-y")),
            "{r}"
        );
        assert_eq!(o["auto"], true);
        assert!(o["margin"].as_f64().unwrap() > 0.0, "{r}");
        assert!(o["score"].as_f64().unwrap() <= 1.0, "{r}");
        assert_eq!(r["category"], "Chair", "{r}");
        let note = err
            .lines()
            .find(|l| l.contains("orientation"))
            .unwrap_or_default();
        assert!(
            note.starts_with("pcseg: note: ")
                && note.contains("orientation up z front -y (auto: confidence"),
            "{err}"
        );
    }
    // A given frame is recorded too, without a score.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ply");
    write_cloud(&input, &chair, None, &Default::default()).unwrap();
    let o = pcseg(
        &[
            "run",
            s(&input),
            "-o",
            s(&dir.path().join("o.ply")),
            "--json",
            "-",
        ],
        None,
    );
    let r: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(
        r["orientation"],
        serde_json::json!({"up": "y", "front": "x", "auto": false})
    );
}

#[test]
fn orient_auto_labels_match_the_aligned_run() {
    let airplane = shape("airplane", 2, 1200);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("a.ply");
    write_cloud(&input, &airplane, None, &Default::default()).unwrap();
    let out = dir.path().join("o.ply");
    stdout(&pcseg(
        &["run", s(&input), "-o", s(&out), "-q", "-c", "airplane"],
        None,
    ));
    let aligned = labels(&out);
    let (r, got, _) = auto(
        &airplane,
        Frame::new(Axis::NegX, Axis::PosZ).unwrap(),
        &["-c", "airplane", "-q"],
    );
    assert_eq!(r["orientation"]["up"], "-x", "{r}");
    assert_eq!(got, aligned);
}

#[test]
fn up_along_front_and_orient_with_up_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ply");
    write_cloud(&input, &shape("mug", 1, 200), None, &Default::default()).unwrap();
    let out = dir.path().join("o.ply");
    for (args, want) in [
        (
            &["--up", "z", "--front", "-z"][..],
            "--up z and --front -z lie along the same axis",
        ),
        (
            &["--front", "y"][..],
            "--up y and --front y lie along the same axis",
        ),
        (&["--up", "w"][..], "expected x, y, z, -x, -y or -z"),
    ] {
        let mut a = vec!["run", s(&input), "-o", s(&out)];
        a.extend_from_slice(args);
        let o = pcseg(&a, None);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(!o.status.success() && err.contains(want), "{args:?}: {err}");
        assert!(!out.exists());
    }
    let lines = failure(&pcseg(
        &[
            "run",
            s(&input),
            "-o",
            s(&out),
            "--up",
            "x",
            "--front",
            "-x",
        ],
        None,
    ));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("pcseg: error: "), "{lines:?}");
    let o = pcseg(
        &[
            "run",
            s(&input),
            "-o",
            s(&out),
            "--orient",
            "auto",
            "--up",
            "z",
        ],
        None,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("cannot be used with"),
        "{err}"
    );
}

#[test]
fn orient_auto_finds_up_on_real_shapes() {
    let Some(root) = real_samples("orient_auto_finds_up_on_real_shapes") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = root.join("04225987/1ad8d7573dc57ebc247a956ed3779e34.txt");
    let board = read_cloud(&file, None).unwrap();
    let frame = Frame::new(Axis::PosZ, Axis::PosY).unwrap();
    let input = dir.path().join("board.ply");
    write_cloud(&input, &turned(&board, frame), None, &Default::default()).unwrap();
    let o = pcseg(
        &[
            "run",
            s(&input),
            "-o",
            s(&dir.path().join("o.ply")),
            "--orient",
            "auto",
            "--category",
            "Skateboard",
            "--json",
            "-",
            "-q",
        ],
        None,
    );
    // With the category given. With it chosen too, the board on its edge
    // is a knife to the classifier at a probability within float noise of 1
    // (the orientation search is weakest there: MODEL_CARD, Orientation).
    let r: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(r["orientation"]["up"], "z", "{r}");
    assert_eq!(r["category"], "Skateboard", "{r}");
}
