//! `pcseg eval` as a binary on datasets the test writes: the `_normal` and v0
//! layouts, a folder of labelled PLY files, both protocols, JSON and Markdown
//! reports that match the printed numbers, and scoring prediction files.

use crate::cli_util::{failure, pcseg, stdout};
use pcseg::io::dataset::{load_shape, Dataset, Split};
use pcseg::io::{write_cloud, PlyWriteOptions};
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small synthetic ShapeNetPart dataset (`_normal` layout).
fn dataset(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("data");
    stdout(&pcseg(
        &[
            "synth",
            s(&root),
            "--train",
            "4",
            "--val",
            "2",
            "--test",
            "8",
            "--seed",
            "21",
            "--categories",
            "chair,table,mug,knife",
            "--points",
            "600..800",
        ],
        None,
    ));
    root
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn model_eval_reports_match_and_cover_the_split() {
    let dir = tempfile::tempdir().unwrap();
    let root = dataset(dir.path());
    let report = dir.path().join("r.json");
    let md = dir.path().join("r.md");
    let o = pcseg(
        &[
            "eval",
            s(&root),
            "--json",
            s(&report),
            "--markdown",
            s(&md),
            "--quiet",
        ],
        None,
    );
    let text = stdout(&o);
    let v = json(&report);
    assert_eq!(v["shapes"], 8);
    assert_eq!(v["protocol"], "all-points");
    assert_eq!(v["points"], 2048);
    assert_eq!(v["model"], "ssg-mbv2-wide");
    let total: u64 = Dataset::open(&root)
        .unwrap()
        .shapes(Split::Test)
        .unwrap()
        .shapes
        .iter()
        .map(|sh| load_shape(sh).unwrap().len() as u64)
        .sum();
    assert_eq!(v["points_scored"].as_u64().unwrap(), total);
    for key in [
        "instance_miou",
        "class_miou",
        "accuracy",
        "shapes_per_second",
    ] {
        let x = v[key].as_f64().unwrap();
        assert!(
            (0.0..=100.0).contains(&x) || key == "shapes_per_second",
            "{key} {x}"
        );
    }
    let first = format!(
        "instance mIoU {:.2}  class mIoU {:.2}  accuracy {:.2}",
        v["instance_miou"].as_f64().unwrap(),
        v["class_miou"].as_f64().unwrap(),
        v["accuracy"].as_f64().unwrap()
    );
    assert!(text.starts_with(&first), "{text}\n{first}");
    let cats = v["categories"].as_object().unwrap();
    let shapes: u64 = cats.values().map(|c| c["shapes"].as_u64().unwrap()).sum();
    assert_eq!(shapes, 8);
    // Class mIoU is the mean of the category mIoUs.
    let mean = cats
        .values()
        .map(|c| c["miou"].as_f64().unwrap())
        .sum::<f64>()
        / cats.len() as f64;
    assert!((mean - v["class_miou"].as_f64().unwrap()).abs() < 1e-3);
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(markdown.contains("| instance mIoU |"), "{markdown}");

    // The reference protocol scores 2,048 resampled points per shape.
    let o = pcseg(
        &[
            "eval",
            s(&root),
            "--protocol",
            "resample-2048",
            "--json",
            s(&report),
            "--quiet",
            "--categories",
            "chair,table",
        ],
        None,
    );
    stdout(&o);
    let v = json(&report);
    let n = v["shapes"].as_u64().unwrap();
    assert!(n > 0);
    assert_eq!(v["points_scored"].as_u64().unwrap(), 2048 * n);
    assert!(v["categories"]
        .as_object()
        .unwrap()
        .keys()
        .all(|k| k == "Chair" || k == "Table"));
}

#[test]
fn perfect_prediction_files_score_100_in_both_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dataset(dir.path());
    let ds = Dataset::open(&root).unwrap();
    let preds = dir.path().join("preds");
    std::fs::create_dir(&preds).unwrap();
    let v0 = dir.path().join("v0");
    std::fs::create_dir(&v0).unwrap();
    std::fs::copy(
        root.join("synsetoffset2category.txt"),
        v0.join("synsetoffset2category.txt"),
    )
    .unwrap();
    let split_dir = v0.join("train_test_split");
    std::fs::create_dir(&split_dir).unwrap();
    for f in std::fs::read_dir(root.join("train_test_split")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, split_dir.join(f.file_name().unwrap())).unwrap();
    }
    for shape in ds.shapes(Split::All).unwrap().shapes {
        let cloud = load_shape(&shape).unwrap();
        write_cloud(
            &preds.join(format!("{}.ply", shape.token)),
            &cloud,
            None,
            &PlyWriteOptions::default(),
        )
        .unwrap();
        // The v0 layout: xyz lines and local part ids 1..k.
        let cat_dir = v0.join(&shape.synset);
        std::fs::create_dir_all(cat_dir.join("points")).unwrap();
        std::fs::create_dir_all(cat_dir.join("points_label")).unwrap();
        let pts: String = cloud
            .points
            .iter()
            .map(|p| format!("{} {} {}\n", p[0], p[1], p[2]))
            .collect();
        let seg: String = cloud
            .labels
            .as_ref()
            .unwrap()
            .iter()
            .map(|&l| format!("{}\n", l as usize - shape.category.first_part + 1))
            .collect();
        std::fs::write(
            cat_dir.join("points").join(format!("{}.pts", shape.token)),
            pts,
        )
        .unwrap();
        std::fs::write(
            cat_dir
                .join("points_label")
                .join(format!("{}.seg", shape.token)),
            seg,
        )
        .unwrap();
    }
    let report = dir.path().join("r.json");
    for data in [&root, &v0] {
        let o = pcseg(
            &[
                "eval",
                s(data),
                "--predictions",
                s(&preds),
                "--json",
                s(&report),
            ],
            None,
        );
        stdout(&o);
        let v = json(&report);
        assert_eq!(v["shapes"], 8);
        assert_eq!(v["protocol"], "predictions");
        for key in ["instance_miou", "class_miou", "accuracy"] {
            assert_eq!(v[key], 100.0, "{key}");
        }
    }
    // The model runs on the v0 layout too (no normals: they are estimated).
    let o = pcseg(
        &[
            "eval",
            s(&v0),
            "--limit",
            "3",
            "--json",
            s(&report),
            "--quiet",
        ],
        None,
    );
    stdout(&o);
    assert_eq!(json(&report)["shapes"], 3);

    // A prediction file with the wrong point count is an error naming it.
    let victim = std::fs::read_dir(&preds)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut cloud = pcseg::io::read_cloud(&victim, None).unwrap();
    cloud.points.pop();
    cloud.normals.as_mut().unwrap().pop();
    cloud.labels.as_mut().unwrap().pop();
    write_cloud(&victim, &cloud, None, &PlyWriteOptions::default()).unwrap();
    let o = pcseg(&["eval", s(&root), "--predictions", s(&preds)], None);
    let lines = failure(&o);
    assert!(
        lines.iter().any(
            |l| l.contains(victim.file_name().unwrap().to_str().unwrap())
                && l.contains("labelled points")
        ),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("1 of 8 inputs failed")),
        "{lines:?}"
    );
}

#[test]
fn folder_of_labelled_ply_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dataset(dir.path());
    let ds = Dataset::open(&root).unwrap();
    let folder = dir.path().join("mine");
    for shape in ds.shapes(Split::Test).unwrap().shapes {
        let sub = folder.join(shape.category.name.to_lowercase());
        std::fs::create_dir_all(&sub).unwrap();
        let cloud = load_shape(&shape).unwrap();
        write_cloud(
            &sub.join(format!("{}.ply", shape.token)),
            &cloud,
            None,
            &PlyWriteOptions::default(),
        )
        .unwrap();
    }
    let report = dir.path().join("r.json");
    stdout(&pcseg(
        &["eval", s(&folder), "--json", s(&report), "--quiet"],
        None,
    ));
    assert_eq!(json(&report)["shapes"], 8);
    // Unknown categories are refused by name.
    let o = pcseg(&["eval", s(&folder), "--categories", "sofa"], None);
    assert!(failure(&o)[0].contains("unknown category 'sofa'"));
}

#[test]
fn auto_category_reports_the_confusion() {
    let dir = tempfile::tempdir().unwrap();
    let root = dataset(dir.path());
    let model = dir.path().join("tiny.safetensors");
    pcseg::model::Model::init(pcseg::model::ModelConfig::tiny(), 3)
        .unwrap()
        .save(&model)
        .unwrap();
    let given = dir.path().join("given.json");
    let auto = dir.path().join("auto.json");
    let md = dir.path().join("auto.md");
    let run = |extra: &[&str], json_path: &Path| {
        let mut a = vec!["eval", s(&root), "--model", s(&model), "--quiet"];
        a.extend_from_slice(&["--json", s(json_path)]);
        a.extend_from_slice(extra);
        stdout(&pcseg(&a, None))
    };
    run(&[], &given);
    let text = run(&["--auto-category", "--markdown", s(&md)], &auto);
    let (g, v) = (json(&given), json(&auto));
    assert!(g.get("confusion").is_none() && g.get("category_accuracy").is_none());
    let counts: Vec<Vec<u64>> = v["confusion"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(counts.len(), 16);
    // Each row holds that category's shapes of the split.
    for (name, c) in v["categories"].as_object().unwrap() {
        let index = pcseg::categories::find_category(name).unwrap().index;
        assert_eq!(
            counts[index].iter().sum::<u64>(),
            c["shapes"].as_u64().unwrap()
        );
    }
    let right: u64 = (0..16).map(|i| counts[i][i]).sum();
    let acc = v["category_accuracy"].as_f64().unwrap();
    assert!((acc - 100.0 * right as f64 / 8.0).abs() < 1e-9, "{acc}");
    assert!(
        text.contains(&format!("category (auto): {right} of 8 right")),
        "{text}"
    );
    // Same seeds: a category whose shapes were all given their true category
    // scores exactly as with the category given.
    for (name, c) in v["categories"].as_object().unwrap() {
        let index = pcseg::categories::find_category(name).unwrap().index;
        if counts[index][index] == c["shapes"].as_u64().unwrap() {
            assert_eq!(c["miou"], g["categories"][name]["miou"], "{name}");
        }
    }
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(markdown.contains("| true \\ chosen |"), "{markdown}");
    // Every choice carries its confidence and margin; the weak ones are
    // counted in the summary.
    let choices = v["auto_choices"].as_array().unwrap();
    assert_eq!(choices.len(), 8);
    let mut low = 0;
    for c in choices {
        let (conf, margin) = (
            c["confidence"].as_f64().unwrap(),
            c["margin"].as_f64().unwrap(),
        );
        assert!(
            (0.0..=1.0).contains(&conf) && (0.0..=conf).contains(&margin),
            "{c}"
        );
        assert!(c["shape"].as_str().unwrap().contains('/'), "{c}");
        pcseg::categories::find_category(c["chosen"].as_str().unwrap()).unwrap();
        pcseg::categories::find_category(c["truth"].as_str().unwrap()).unwrap();
        if conf < 0.6 || margin < 0.2 {
            low += 1;
        }
    }
    assert_eq!(v["low_confidence_choices"], low);
    let line = format!("low-confidence choices (confidence < 0.6 or margin < 0.2): {low} of 8");
    assert!(markdown.contains(&line), "{markdown}");
    assert!(text.contains(&line), "{text}");
    assert!(g.get("auto_choices").is_none() && g.get("low_confidence_choices").is_none());
    // Prediction files carry no choice to score.
    let o = pcseg(
        &[
            "eval",
            s(&root),
            "--predictions",
            s(dir.path()),
            "--auto-category",
        ],
        None,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--auto-category"), "{err}");
}

/// A folder dataset `mine/chair/` holding the shipped chair sample and, with
/// `bad`, a file that cannot be read.
fn chair_folder(dir: &Path, good: bool, bad: bool) -> std::path::PathBuf {
    let root = dir.join("mine");
    std::fs::create_dir_all(root.join("chair")).unwrap();
    if good {
        std::fs::copy("assets/samples/chair.txt", root.join("chair/good.txt")).unwrap();
    }
    if bad {
        std::fs::write(root.join("chair/bad.xyz"), "nan 0 0 13\n").unwrap();
    }
    root
}

#[test]
fn a_failed_eval_keeps_the_previous_report() {
    let dir = tempfile::tempdir().unwrap();
    let root = chair_folder(dir.path(), false, true);
    let report = dir.path().join("r.json");
    let md = dir.path().join("r.md");
    std::fs::write(&report, "{\"old\": true}\n").unwrap();
    std::fs::write(&md, "old markdown\n").unwrap();
    let o = pcseg(
        &["eval", s(&root), "--json", s(&report), "--markdown", s(&md)],
        None,
    );
    // One shape, one failure: one line naming the file, no summary line.
    let lines = failure(&o);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("bad.xyz") && lines[0].contains("nan"),
        "{lines:?}"
    );
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "{\"old\": true}\n"
    );
    assert_eq!(std::fs::read_to_string(&md).unwrap(), "old markdown\n");
}

#[test]
fn a_partial_eval_says_so_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let root = chair_folder(dir.path(), true, true);
    let report = dir.path().join("r.json");
    let md = dir.path().join("r.md");
    let o = pcseg(
        &["eval", s(&root), "--json", s(&report), "--markdown", s(&md)],
        None,
    );
    let lines = failure(&o);
    assert!(lines.iter().any(|l| l.contains("bad.xyz")), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("1 of 2 inputs failed")),
        "{lines:?}"
    );
    let v = json(&report);
    assert_eq!(v["partial"], true);
    assert_eq!(v["shapes"], 1);
    assert_eq!(v["shapes_failed"], 1);
    let failed = v["failures"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["file"].as_str().unwrap().ends_with("bad.xyz"));
    assert!(failed[0]["reason"].as_str().unwrap().contains("nan"));
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(
        markdown.contains("PARTIAL: 1 of 2 shapes failed"),
        "{markdown}"
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("PARTIAL: 1 of 2 shapes failed"), "{text}");
    // A complete report says it is complete.
    std::fs::remove_file(root.join("chair/bad.xyz")).unwrap();
    stdout(&pcseg(&["eval", s(&root), "--json", s(&report)], None));
    let v = json(&report);
    assert_eq!(v["partial"], false);
    assert_eq!(v["shapes_failed"], 0);
}

#[test]
fn what_was_scored_is_named_without_split_lists() {
    let dir = tempfile::tempdir().unwrap();
    let root = dataset(dir.path());
    std::fs::remove_dir_all(root.join("train_test_split")).unwrap();
    let report = dir.path().join("r.json");
    // An explicit split that cannot be honoured is refused.
    let o = pcseg(&["eval", s(&root), "--split", "test", "--quiet"], None);
    let lines = failure(&o);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("train_test_split"), "{lines:?}");
    // Without --split every shape is scored, and the report says so.
    let text = stdout(&pcseg(
        &["eval", s(&root), "--json", s(&report), "--quiet"],
        None,
    ));
    let v = json(&report);
    assert_eq!(v["shapes"], 14);
    let label = v["dataset"].as_str().unwrap();
    assert!(
        label.ends_with("(all shapes, no split lists found)"),
        "{label}"
    );
    assert!(!text.contains("(test)"), "{text}");
    // A folder of labelled files has no splits either.
    let folder = chair_folder(dir.path(), true, false);
    let text = stdout(&pcseg(&["eval", s(&folder), "--quiet"], None));
    assert!(!text.contains("(test)"), "{text}");
    assert!(
        text.contains("(all shapes, no split lists found)"),
        "{text}"
    );
    let o = pcseg(&["eval", s(&folder), "--split", "val"], None);
    assert_eq!(failure(&o).len(), 1);
}

#[test]
fn reports_go_to_stdout_with_a_dash() {
    let dir = tempfile::tempdir().unwrap();
    let root = chair_folder(dir.path(), true, false);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pcseg"))
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["eval", s(&root), "--json", "-", "--quiet"]);
    let text = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&text).expect("stdout is the JSON report");
    assert_eq!(v["shapes"], 1);
    let o = run(&["eval", s(&root), "--markdown", "-", "--quiet"]);
    let text = stdout(&o);
    assert!(text.starts_with("| metric | value |"), "{text}");
    assert!(!dir.path().join("-").exists());
}

#[test]
fn scoring_prediction_files_says_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let root = chair_folder(dir.path(), true, false);
    let preds = dir.path().join("preds");
    std::fs::create_dir(&preds).unwrap();
    std::fs::copy("assets/samples/chair.txt", preds.join("good.txt")).unwrap();
    let text = stdout(&pcseg(
        &["eval", s(&root), "--predictions", s(&preds)],
        None,
    ));
    let second = text.lines().nth(1).unwrap();
    assert!(
        !second.contains("vote(s)") && !second.contains("parameters"),
        "{text}"
    );
    assert!(
        second.contains(&format!("labels read from {}", preds.display())),
        "{text}"
    );
}
