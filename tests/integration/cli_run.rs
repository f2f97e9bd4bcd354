//! `pcseg run` as a binary: PLY (ascii and binary), XYZ, stdin/stdout,
//! folder mode, determinism, and every bad input giving one line naming the
//! file, exit code 1 and no output file.

use crate::cli_util::{failure, pcseg, stdout};
use pcseg::categories::{find_category, part_colour};
use pcseg::io::{read_cloud, write_cloud, PlyEncoding, PlyWriteOptions};
use pcseg::rng::Rng;
use pcseg::synth::{sample_shape, Realism};
use pcseg::PointCloud;
use std::path::Path;

fn chair(seed: u64, points: usize) -> PointCloud {
    let cat = find_category("chair").unwrap();
    sample_shape(cat, &mut Rng::new(seed), points, &Realism::off()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every input point is written back with its properties, a label of the
/// requested category and the part colour of that label.
fn check_labelled(input: &PointCloud, output: &PointCloud, category: &str) {
    let cat = find_category(category).unwrap();
    assert_eq!(output.points, input.points);
    assert_eq!(output.normals, input.normals);
    let labels = output.labels.as_ref().expect("labels written");
    assert_eq!(labels.len(), input.len());
    assert!(labels.iter().all(|&l| cat.owns_part(l as usize)));
    let colour = |name: &str| {
        &output
            .extra
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .values
    };
    let (r, g, b) = (colour("red"), colour("green"), colour("blue"));
    for (i, &l) in labels.iter().enumerate() {
        assert_eq!(
            [r[i] as u8, g[i] as u8, b[i] as u8],
            part_colour(l as usize)
        );
    }
}

#[test]
fn labels_binary_and_ascii_ply_keeping_properties() {
    let dir = tempfile::tempdir().unwrap();
    let mut cloud = chair(1, 600);
    cloud.labels = None;
    cloud.extra.push(pcseg::cloud::ExtraProperty {
        name: "intensity".into(),
        kind: pcseg::cloud::ScalarKind::U16,
        values: (0..600).map(|i| (i * 7 % 1000) as f64).collect(),
    });
    for (name, encoding) in [
        ("bin.ply", PlyEncoding::BinaryLittleEndian),
        ("be.ply", PlyEncoding::BinaryBigEndian),
        ("text.ply", PlyEncoding::Ascii),
    ] {
        let input = dir.path().join(name);
        let opts = PlyWriteOptions {
            encoding,
            colours: None,
        };
        write_cloud(&input, &cloud, None, &opts).unwrap();
        let out = dir.path().join(format!("out-{name}"));
        let o = pcseg(
            &["run", s(&input), "-o", s(&out), "--category", "Chair"],
            None,
        );
        stdout(&o);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("category Chair"), "{err}");
        assert!(err.contains("seat"), "{err}");
        let result = read_cloud(&out, None).unwrap();
        check_labelled(&cloud, &result, "chair");
        let intensity = result.extra.iter().find(|e| e.name == "intensity").unwrap();
        assert_eq!(intensity.kind, pcseg::cloud::ScalarKind::U16);
        assert_eq!(intensity.values, cloud.extra[0].values);
    }
}

#[test]
fn same_seed_same_bytes_and_default_output_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("scan.ply");
    write_cloud(&input, &chair(2, 900), None, &PlyWriteOptions::default()).unwrap();
    let a = dir.path().join("a.ply");
    let b = dir.path().join("b.ply");
    for out in [&a, &b] {
        stdout(&pcseg(
            &[
                "run",
                s(&input),
                "-o",
                s(out),
                "--seed",
                "7",
                "--votes",
                "2",
            ],
            None,
        ));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // Without -o the result goes beside the input.
    stdout(&pcseg(&["run", s(&input), "--quiet"], None));
    assert!(dir.path().join("scan.labelled.ply").is_file());
}

#[test]
fn xyz_in_and_out_and_through_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let cloud = chair(3, 500);
    let text: String = cloud
        .points
        .iter()
        .map(|p| format!("{} {} {}\n", p[0], p[1], p[2]))
        .collect();
    let input = dir.path().join("scan.xyz");
    std::fs::write(&input, &text).unwrap();
    let out = dir.path().join("scan.out.xyz");
    stdout(&pcseg(
        &["run", s(&input), "-o", s(&out), "--category", "03001627"],
        None,
    ));
    let written = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 500);
    for (line, p) in lines.iter().zip(&cloud.points) {
        let cols: Vec<f32> = line
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(cols.len(), 4, "x y z label: {line}");
        assert_eq!(&cols[..3], p);
        assert!((12.0..=15.0).contains(&cols[3]));
    }
    // stdin -> stdout gives the same lines.
    let o = pcseg(
        &[
            "run",
            "-",
            "--format",
            "xyz",
            "-o",
            "-",
            "--category",
            "chair",
        ],
        Some(text.as_bytes()),
    );
    assert_eq!(stdout(&o), written);
    // A PLY on stdin is recognised by its magic line.
    let ply = std::fs::read(dir.path().join("scan.xyz")).unwrap();
    assert!(!ply.starts_with(b"ply"));
    let bin = dir.path().join("c.ply");
    write_cloud(&bin, &cloud, None, &PlyWriteOptions::default()).unwrap();
    let o = pcseg(
        &[
            "run",
            "-",
            "-o",
            "-",
            "--out-format",
            "xyz",
            "--category",
            "chair",
        ],
        Some(&std::fs::read(&bin).unwrap()),
    );
    // Every column of the PLY is kept; not an unnamed layout, so a header
    // line names them.
    let text = stdout(&o);
    assert_eq!(
        text.lines().next(),
        Some("x y z nx ny nz source_label label")
    );
    assert_eq!(text.lines().count(), 501);
}

#[test]
fn folder_mode_reports_bad_files_and_writes_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    for i in 0..3 {
        let p = inputs.join(format!("c{i}.ply"));
        write_cloud(&p, &chair(10 + i, 400), None, &PlyWriteOptions::default()).unwrap();
    }
    std::fs::write(inputs.join("broken.xyz"), "0 0 0\n1 1\n").unwrap();
    let out = dir.path().join("out");
    let o = pcseg(
        &["run", s(&inputs), "-o", s(&out), "--category", "chair"],
        None,
    );
    let errors: Vec<String> = failure(&o)
        .into_iter()
        .filter(|l| l.starts_with("pcseg: error"))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains("broken.xyz") && errors[0].contains("line 2"),
        "{errors:?}"
    );
    assert!(errors[1].contains("1 of 4 inputs failed"), "{errors:?}");
    for i in 0..3 {
        assert!(out.join(format!("c{i}.ply")).is_file());
    }
    assert!(!out.join("broken.xyz").exists());
    // Several inputs need a folder.
    let a = inputs.join("c0.ply");
    let o = pcseg(&["run", s(&a), s(&a)], None);
    assert!(failure(&o)[0].contains("-o/--output FOLDER"));
}

#[test]
fn bad_inputs_fail_on_one_line_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.ply");
    let good = dir.path().join("good.ply");
    write_cloud(&good, &chair(4, 300), None, &PlyWriteOptions::default()).unwrap();
    let nan = dir.path().join("nan.xyz");
    std::fs::write(&nan, "0 0 0\nnan 1 2\n").unwrap();
    let empty = dir.path().join("empty.xyz");
    std::fs::write(&empty, "# nothing here\n").unwrap();
    let truncated = dir.path().join("truncated.ply");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() - 100]).unwrap();
    let missing = dir.path().join("missing.ply");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", s(&missing), "-o", s(&out)], "missing.ply"),
        (vec!["run", s(&nan), "-o", s(&out)], "nan.xyz"),
        (vec!["run", s(&empty), "-o", s(&out)], "empty.xyz"),
        (vec!["run", s(&truncated), "-o", s(&out)], "truncated.ply"),
        (
            vec!["run", s(&good), "-o", s(&out), "--category", "sofa"],
            "unknown category 'sofa'",
        ),
        (
            vec!["run", s(&good), "-o", s(&out), "--model", s(&nan)],
            "nan.xyz",
        ),
    ];
    for (args, needle) in cases {
        let o = pcseg(&args, None);
        let lines = failure(&o);
        assert_eq!(lines.len(), 1, "{args:?}: {lines:?}");
        assert!(lines[0].contains(needle), "{args:?}: {lines:?}");
        assert!(!out.exists(), "{args:?} left an output file");
    }
}

#[test]
fn folders_recurse_and_datasets_give_their_categories() {
    let dir = tempfile::tempdir().unwrap();
    // A tree of clouds: without --recursive only the top folder counts.
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("a/b")).unwrap();
    write_cloud(
        &tree.join("a/one.xyz"),
        &chair(21, 300),
        None,
        &Default::default(),
    )
    .unwrap();
    write_cloud(
        &tree.join("a/b/two.ply"),
        &chair(22, 300),
        None,
        &Default::default(),
    )
    .unwrap();
    let out = dir.path().join("out");
    let lines = failure(&pcseg(&["run", s(&tree), "-o", s(&out), "-q"], None));
    assert!(lines[0].contains("--recursive"), "{lines:?}");
    stdout(&pcseg(
        &["run", s(&tree), "-o", s(&out), "-q", "-r", "-c", "chair"],
        None,
    ));
    assert!(out.join("a/one.xyz").is_file() && out.join("a/b/two.ply").is_file());
    // A folder named by a synset id gives its category when --category is
    // not given: a chair-shaped cloud in the Table folder gets Table parts.
    let ds = dir.path().join("ds");
    stdout(&pcseg(
        &["synth", s(&ds), "--shapes", "4", "--seed", "3", "--quiet"],
        None,
    ));
    let table = find_category("table").unwrap();
    std::fs::create_dir_all(ds.join(table.synset)).unwrap();
    let mut c = chair(23, 400);
    c.labels = None;
    c.normals = None;
    write_cloud(
        &ds.join(table.synset).join("odd.txt"),
        &c,
        None,
        &Default::default(),
    )
    .unwrap();
    let labelled = dir.path().join("labelled");
    stdout(&pcseg(&["run", s(&ds), "-o", s(&labelled), "-q"], None));
    let odd = read_cloud(&labelled.join(table.synset).join("odd.txt"), None).unwrap();
    assert!(odd
        .labels
        .unwrap()
        .iter()
        .all(|&l| table.owns_part(l as usize)));
    // Every shape of the dataset is written under <synset>/<token>.
    let written: usize = std::fs::read_dir(&labelled)
        .unwrap()
        .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
        .sum();
    assert_eq!(written, 5);
}

#[test]
fn json_records_threads_and_categories() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.ply");
    let b = dir.path().join("b.xyz");
    write_cloud(&a, &chair(31, 300), None, &Default::default()).unwrap();
    std::fs::write(&b, "1 2 3\n1 2 nan\n").unwrap();
    let out = dir.path().join("out");
    let json = dir.path().join("r.ndjson");
    let o = pcseg(
        &[
            "run",
            s(&a),
            s(&b),
            "-o",
            s(&out),
            "--json",
            s(&json),
            "-q",
            "--threads",
            "1",
        ],
        None,
    );
    assert_eq!(failure(&o).len(), 2, "one line for b.xyz, one summary");
    let text = std::fs::read_to_string(&json).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    let first = &records[0];
    assert_eq!(first["points"], 300);
    assert_eq!(first["model"], "embedded");
    let counts: u64 = first["parts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counts, 300);
    assert!(first["category_confidence"].as_f64().unwrap() > 0.0);
    assert!(first["low_confidence"].is_boolean());
    assert!(records[1]["error"].as_str().unwrap().contains("b.xyz"));
    // To stdout, for one input with the category given: no auto fields.
    let o = pcseg(
        &[
            "run",
            s(&a),
            "-o",
            s(&dir.path().join("x.ply")),
            "--json",
            "-",
            "-q",
            "-c",
            "chair",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["category"], "Chair");
    assert!(v.get("category_confidence").is_none());
    // Both on stdout is refused.
    let o = pcseg(&["run", s(&a), "-o", "-", "--json", "-", "-q"], None);
    assert!(failure(&o)[0].contains("standard output"));
    // The category list, as JSON and as a table.
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&pcseg(&["categories", "--json"], None))).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 16);
    let table = stdout(&pcseg(&["categories"], None));
    assert_eq!(table.lines().count(), 16);
    assert!(table.contains("Chair       03001627  12 back"), "{table}");
    let o = pcseg(&["run", s(&a), "--threads", "0"], None);
    assert_eq!(failure(&o).len(), 1);
}

#[test]
fn file_lists_and_shards_split_a_collection() {
    let dir = tempfile::tempdir().unwrap();
    let clouds = dir.path().join("clouds");
    std::fs::create_dir(&clouds).unwrap();
    for i in 0..5 {
        let p = clouds.join(format!("c{i}.xyz"));
        write_cloud(&p, &chair(40 + i, 200), None, &Default::default()).unwrap();
    }
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .map(|r| {
                r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let mut all = Vec::new();
    for k in 0..2 {
        let out = dir.path().join(format!("s{k}"));
        let shard = format!("{k}/2");
        stdout(&pcseg(
            &[
                "run",
                s(&clouds),
                "-o",
                s(&out),
                "--shard",
                &shard,
                "-q",
                "-c",
                "chair",
            ],
            None,
        ));
        all.extend(names(&out));
    }
    assert_eq!(
        names(&dir.path().join("s0")),
        ["c0.xyz", "c2.xyz", "c4.xyz"]
    );
    all.sort();
    assert_eq!(all, names(&clouds));
    // A list of files (comments and blank lines skipped) always goes to a folder.
    let list = dir.path().join("list.txt");
    let text = format!(
        "# two of them\n{}\n\n{}\n",
        s(&clouds.join("c1.xyz")),
        s(&clouds.join("c3.xyz"))
    );
    std::fs::write(&list, text).unwrap();
    let out = dir.path().join("listed");
    stdout(&pcseg(
        &[
            "run",
            "--files-from",
            s(&list),
            "-o",
            s(&out),
            "-q",
            "-c",
            "chair",
        ],
        None,
    ));
    assert_eq!(names(&out), ["c1.xyz", "c3.xyz"]);
    for bad in ["2/2", "1", "x/3"] {
        let o = pcseg(&["run", s(&clouds), "-o", s(&out), "--shard", bad], None);
        assert!(failure(&o)[0].contains("K/N"), "{bad}");
    }
    let o = pcseg(
        &[
            "run",
            s(&list),
            "--files-from",
            s(&dir.path().join("missing.txt")),
        ],
        None,
    );
    assert!(failure(&o)[0].contains("missing.txt"));
}

#[test]
fn bf16_precision_runs_where_amx_is_and_is_refused_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("chair.ply");
    let cloud = chair(9, 2500);
    write_cloud(&input, &cloud, None, &PlyWriteOptions::default()).unwrap();
    let (f32_out, bf16_out) = (dir.path().join("f32.ply"), dir.path().join("bf16.ply"));
    let run = |out: &Path, precision: &str, no_amx: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pcseg"));
        cmd.args(["run", s(&input), "-o", s(out), "-q", "--category", "chair"])
            .args(["--precision", precision]);
        if no_amx {
            cmd.env("PCSEG_NO_AMX", "1");
        }
        cmd.output().expect("the pcseg binary runs")
    };
    // Without AMX (or with it turned off): one line, exit 1, no output.
    let refused = run(&bf16_out, "bf16", true);
    let lines = failure(&refused);
    assert!(lines.len() == 1 && lines[0].contains("AMX"), "{lines:?}");
    assert!(!bf16_out.exists());
    stdout(&run(&f32_out, "f32", false));
    if !pcseg::model::Precision::Bf16.available() {
        eprintln!("bf16 run skipped: this CPU or system has no AMX");
        return;
    }
    stdout(&run(&bf16_out, "bf16", false));
    let (a, b) = (
        read_cloud(&f32_out, None).unwrap(),
        read_cloud(&bf16_out, None).unwrap(),
    );
    check_labelled(&cloud, &b, "chair");
    let (la, lb) = (a.labels.unwrap(), b.labels.unwrap());
    let same = la.iter().zip(&lb).filter(|(x, y)| x == y).count();
    assert!(
        same * 100 >= la.len() * 98,
        "{same} of {} labels as in f32",
        la.len()
    );
}
