//! `pcseg synth --compare`: the Chamfer distance against a brute-force
//! reference and hand-computed cases, part shares and label agreement on
//! hand-made clouds, a perfect match, and the command end to end on a small
//! dataset the test writes (all splits read, report and pictures written,
//! deterministic for a seed, bad folders and a dataset output folder
//! refused on one line).

use crate::cli_util::{failure, pcseg, stdout};
use pcseg::categories::{find_category, CATEGORIES};
use pcseg::geometry::PointTree;
use pcseg::render::read_png;
use pcseg::rng::Rng;
use pcseg::synth::compare::{
    chamfer, chamfer_brute, compare, label_agreement, part_shares, share_gaps, synthetic_shape,
    CompareOptions, RefShape,
};
use pcseg::PointCloud;
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn random_cloud(rng: &mut Rng, n: usize) -> Vec<[f32; 3]> {
    (0..n)
        .map(|_| {
            [
                rng.uniform(-0.5, 0.5),
                rng.uniform(-0.5, 0.5),
                rng.uniform(-0.5, 0.5),
            ]
        })
        .collect()
}

fn tree_chamfer(a: &[[f32; 3]], b: &[[f32; 3]]) -> f32 {
    chamfer(a, &PointTree::new(a), b, &PointTree::new(b))
}

#[test]
fn synth_compare_chamfer_matches_brute_force_on_random_clouds() {
    let mut rng = Rng::new(11);
    for &(n, m) in &[(1, 1), (1, 40), (37, 5), (240, 240), (300, 1024)] {
        let a = random_cloud(&mut rng, n);
        let mut b = random_cloud(&mut rng, m);
        // Duplicates and shared points must not upset the tree.
        b.push(a[0]);
        b.push(a[0]);
        let fast = tree_chamfer(&a, &b);
        let slow = chamfer_brute(&a, &b);
        assert!(
            (fast - slow).abs() <= 1e-6 * slow.max(1.0),
            "{n} x {m}: tree {fast} vs brute force {slow}"
        );
        // Symmetric.
        assert!((tree_chamfer(&b, &a) - fast).abs() <= 1e-6);
    }
}

#[test]
fn synth_compare_chamfer_of_tiny_clouds_by_hand() {
    // One point each, 3-4-5 triangle: both directions are 5.
    let a = [[0.0, 0.0, 0.0]];
    let b = [[3.0, 4.0, 0.0]];
    assert_eq!(tree_chamfer(&a, &b), 5.0);
    assert_eq!(chamfer_brute(&a, &b), 5.0);
    // a = {0, e_x}, b = {0}: a->b mean (0 + 1) / 2, b->a 0; CD = 0.25.
    let a = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]];
    let b = [[0.0, 0.0, 0.0]];
    assert_eq!(tree_chamfer(&a, &b), 0.25);
    assert_eq!(chamfer_brute(&a, &b), 0.25);
    // Unsquared distances: a point at distance 2 contributes 2, not 4.
    let a = [[0.0, 0.0, 0.0], [0.0, 2.0, 0.0]];
    let b = [[0.0, 0.0, 0.0], [0.0, 0.0, 2.0]];
    // a->b: 0 and min(2, sqrt 8) = 2 -> 1; b->a: 0 and 2 -> 1; CD = 1.
    assert_eq!(tree_chamfer(&a, &b), 1.0);
    // Identical clouds are at distance 0.
    let c = random_cloud(&mut Rng::new(2), 50);
    assert_eq!(tree_chamfer(&c, &c), 0.0);
}

fn labelled(points: Vec<[f32; 3]>, labels: Vec<u32>) -> PointCloud {
    let mut c = PointCloud::from_points(points);
    c.labels = Some(labels);
    c
}

#[test]
fn synth_compare_part_shares_and_label_agreement_by_hand() {
    let mug = find_category("mug").unwrap(); // parts: handle 36, body 37
    let a = labelled(vec![[0.0; 3]; 4], vec![36, 37, 37, 37]);
    let b = labelled(vec![[0.0; 3]; 2], vec![37, 37]);
    let shares = part_shares(mug, [&a, &b]);
    assert_eq!(shares.len(), 2);
    assert!((shares[0] - 1.0 / 6.0).abs() < 1e-12);
    assert!((shares[1] - 5.0 / 6.0).abs() < 1e-12);
    assert_eq!(part_shares(mug, [&b]), vec![0.0, 1.0]);
    let gaps = share_gaps(&[0.25, 0.75], &[0.5, 0.5]);
    assert_eq!(gaps, vec![0.25, 0.25]);

    // Agreement: the reference points' nearest synthetic points are
    // 36, 37, 37 against reference labels 36, 36, 37: 2 of 3 agree.
    let reference = labelled(
        vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]],
        vec![36, 36, 37],
    );
    let synth = labelled(
        vec![[0.1, 0.0, 0.0], [1.1, 0.0, 0.0], [2.1, 0.0, 0.0]],
        vec![36, 37, 37],
    );
    let agree = label_agreement(&reference, &synth, &PointTree::new(&synth.points));
    assert!((agree - 2.0 / 3.0).abs() < 1e-6);
}

#[test]
fn synth_compare_finds_an_identical_synthetic_shape() {
    let opts = CompareOptions {
        per_category: 6,
        ..Default::default()
    };
    let knife = &CATEGORIES[7];
    let cloud = synthetic_shape(knife, 4, 180, &opts).unwrap();
    let refs = [RefShape {
        name: "03624134/self".into(),
        category: knife,
        cloud: cloud.clone(),
    }];
    let cmp = compare(&refs, &opts).unwrap();
    assert_eq!(cmp.categories.len(), 1);
    let c = &cmp.categories[0];
    assert_eq!(c.points, 180);
    let m = &c.matches[0];
    assert_eq!(m.nearest, 4);
    assert!(m.chamfer < 1e-5, "{}", m.chamfer);
    assert_eq!(m.label_agreement, 1.0);
    assert!(c.floor_chamfer > 0.0);
    // The reference share is the shape's own; the synthetic one pools 6.
    assert_eq!(c.ref_shares, part_shares(knife, [&cloud]));
}

/// A tiny ShapeNetPart dataset (`_normal` layout, shapes in all three
/// split lists, unequal point counts), written by `pcseg synth`: 4 knives
/// (161..197 points) and 2 mugs.
fn fixture(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("ref");
    stdout(&pcseg(
        &[
            "synth",
            s(&root),
            "--train",
            "2",
            "--val",
            "2",
            "--test",
            "2",
            "--seed",
            "5",
            "--categories",
            "mug,knife",
            "--points",
            "150..210",
            "--quiet",
        ],
        None,
    ));
    root
}

fn run_compare(root: &Path, out: &Path, seed: &str) -> String {
    stdout(&pcseg(
        &[
            "synth",
            "--compare",
            s(root),
            "--per-category",
            "8",
            "--seed",
            seed,
            "--tile",
            "96",
            "--report",
            s(&out.join("docs/REALISM.md")),
            "--images",
            s(&out.join("docs/realism")),
        ],
        None,
    ))
}

#[test]
fn synth_compare_end_to_end_on_a_small_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture(dir.path());
    let out = dir.path().join("a");
    let printed = run_compare(&root, &out, "3");
    let report = std::fs::read_to_string(out.join("docs/REALISM.md")).unwrap();

    // The command, the summary, both categories, every shape of every split.
    assert!(report.contains(&format!(
        "pcseg synth --compare {} --per-category 8 --seed 3 --tile 96",
        root.display()
    )));
    assert!(report.contains("## Summary"));
    assert!(report.contains("| [Knife](#knife) |"));
    assert!(report.contains("| [Mug](#mug) |"));
    assert!(report.contains("| **All** | 6 |"));
    // 4 knives (train, val, test) and 2 mugs (train, test); the smallest
    // knife has 161 points, so every knife is compared at 161.
    for (synset, n) in [("03624134/", 4), ("03797390/", 2)] {
        assert_eq!(
            report.matches(&format!("| {synset}")).count(),
            n,
            "{report}"
        );
    }
    assert!(printed.contains("Knife\t4\t161\t"), "{printed}");
    assert!(printed.contains("Mug\t2\t"), "{printed}");

    // Pictures: one per category, linked relative to the report, two tiles
    // (real, synthetic) per reference shape.
    for (name, rows) in [("knife", 4), ("mug", 2)] {
        assert!(report.contains(&format!("](realism/{name}.png)")));
        let img = read_png(&out.join(format!("docs/realism/{name}.png"))).unwrap();
        assert_eq!((img.width, img.height), (2 * 96, rows * 96));
    }
    let names: Vec<_> = std::fs::read_dir(out.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        !names.iter().any(|n| n.ends_with(".tmp")),
        "no temporary files left: {names:?}"
    );

    // Deterministic for a seed, different for another.
    let again = dir.path().join("b");
    run_compare(&root, &again, "3");
    let report_b = std::fs::read_to_string(again.join("docs/REALISM.md")).unwrap();
    assert_eq!(
        report.replace(s(&out), "OUT"),
        report_b.replace(s(&again), "OUT")
    );
    assert_eq!(
        std::fs::read(out.join("docs/realism/mug.png")).unwrap(),
        std::fs::read(again.join("docs/realism/mug.png")).unwrap()
    );
    let other = dir.path().join("c");
    run_compare(&root, &other, "4");
    let report_c = std::fs::read_to_string(other.join("docs/REALISM.md")).unwrap();
    assert_ne!(
        report.replace(s(&out), "OUT").replace("--seed 3", ""),
        report_c.replace(s(&other), "OUT").replace("--seed 4", "")
    );
}

#[test]
fn synth_compare_refuses_bad_folders_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.md");
    for bad in [dir.path().join("missing"), dir.path().to_path_buf()] {
        let o = pcseg(
            &[
                "synth",
                "--compare",
                s(&bad),
                "--report",
                s(&report),
                "--images",
                s(&dir.path().join("img")),
            ],
            None,
        );
        let lines = failure(&o);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains(s(&bad)), "{}", lines[0]);
        assert!(!report.exists());
    }
    let out = dir.path().join("out");
    let o = pcseg(&["synth", s(&out), "--compare", s(dir.path())], None);
    let lines = failure(&o);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("not both"), "{}", lines[0]);
    assert!(!out.exists());
}
