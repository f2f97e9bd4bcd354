//! Self-training: `pcseg pseudo-label` samples meshes listed in an index,
//! labels them under augmented passes and writes files that
//! `pcseg train --synthetic --pseudo` mixes into its epochs.

use crate::cli_util::{failure, pcseg, stdout};
use pcseg::categories::find_category;
use pcseg::model::Network;
use pcseg::predict::{part_probabilities, predict, CategoryChoice, PredictOptions};
use pcseg::rng::Rng;
use pcseg::train::pseudo_label::{pseudo_label, PseudoLabelOptions};
use std::path::Path;

fn shipped() -> Network {
    Network::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/ssg-mbv2-wide.safetensors"))
        .unwrap()
}

/// An axis-aligned box `[0, sx] x [0, sy] x [0, sz]` as OBJ text.
fn box_obj(s: [f64; 3]) -> String {
    let mut t = String::new();
    for i in 0..8 {
        let c = [(i & 1) as f64, ((i >> 1) & 1) as f64, ((i >> 2) & 1) as f64];
        t += &format!("v {} {} {}\n", c[0] * s[0], c[1] * s[1], c[2] * s[2]);
    }
    for f in [
        [1, 3, 4, 2],
        [5, 6, 8, 7],
        [1, 2, 6, 5],
        [3, 7, 8, 4],
        [1, 5, 7, 3],
        [2, 4, 8, 6],
    ] {
        t += &format!("f {} {} {} {}\n", f[0], f[1], f[2], f[3]);
    }
    t
}

#[test]
fn part_probabilities_are_the_distribution_predict_takes_the_argmax_of() {
    let net = shipped();
    let chair = find_category("Chair").unwrap();
    let cloud = pcseg::synth::generate(chair, &mut Rng::new(3), 900).unwrap();
    let o = PredictOptions {
        points: 512,
        whole_max: 0,
        votes: 2,
        seed: 4,
    };
    let p = predict(&net, &cloud, CategoryChoice::Given(chair), &o, "c").unwrap();
    let probs = part_probabilities(&net, &cloud, chair, &o, "c").unwrap();
    let k = chair.num_parts();
    assert_eq!(probs.len(), cloud.len() * k);
    for (row, &label) in probs.chunks_exact(k).zip(&p.labels) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        let best = (0..k).fold(0, |b, i| if row[i] > row[b] { i } else { b });
        assert_eq!((chair.first_part + best) as u32, label);
    }
}

#[test]
fn pseudo_labels_agree_with_themselves_and_report_disagreement() {
    let net = shipped();
    let table = find_category("Table").unwrap();
    let cloud = pcseg::synth::generate(table, &mut Rng::new(8), 1200).unwrap();
    let one = PseudoLabelOptions {
        passes: 1,
        points: 512,
        scale_jitter: 0.0,
        seed: 1,
    };
    let l = pseudo_label(&net, &cloud, table, &one, "t").unwrap();
    assert!(l.agreement.iter().all(|&a| a == 1.0));
    assert!(l
        .confidence
        .iter()
        .all(|&c| c > 1.0 / 3.0 - 1e-6 && c <= 1.0));
    assert!(l.labels.iter().all(|&x| table.owns_part(x as usize)));
    let many = PseudoLabelOptions {
        passes: 5,
        scale_jitter: 0.3,
        ..one
    };
    let m = pseudo_label(&net, &cloud, table, &many, "t").unwrap();
    // Agreement comes in fifths, and a label whose passes all agree is the
    // argmax of every pass, so it is at least as confident as a third.
    for (&a, &c) in m.agreement.iter().zip(&m.confidence) {
        assert_eq!((a * 5.0).round() / 5.0, a);
        assert!(a > 0.0 && c > 0.0);
    }
    // A synthetic table is labelled mostly right, by most passes.
    let truth = cloud.labels.as_ref().unwrap();
    let right = m.labels.iter().zip(truth).filter(|(a, b)| a == b).count();
    assert!(right * 10 > truth.len() * 7, "{right} of {}", truth.len());
    assert!(m.kept_share(0.0, 1.0) > 0.5);
    assert_eq!(m.kept_share(1.1, 0.0), 0.0);
}

#[test]
fn meshes_are_pseudo_labelled_rotated_and_feed_training() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A long flat box along z, which the index rotates to lie along x.
    std::fs::write(d.join("board.obj"), box_obj([0.3, 0.1, 2.0])).unwrap();
    std::fs::write(d.join("cup.obj"), box_obj([1.0, 1.2, 1.0])).unwrap();
    std::fs::write(
        d.join("index.tsv"),
        "# category\tpath\tsource\tframe\tto_shapenetpart\n\
         Skateboard\tboard.obj\ttest\tz long\t0 0 1 0 1 0 -1 0 0\n\
         Mug\tcup.obj\ttest\tas is\t1 0 0 0 1 0 0 0 1\n",
    )
    .unwrap();
    let out = d.join("pseudo");
    let index = d.join("index.tsv");
    let args = [
        "pseudo-label",
        index.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--samples",
        "400",
        "--points",
        "256",
        "--passes",
        "3",
        "--quiet",
    ];
    stdout(&pcseg(&args, None));
    let board = pcseg::io::read_cloud(&out.join("Skateboard/0000-board.ply"), None).unwrap();
    let cup = pcseg::io::read_cloud(&out.join("Mug/0001-cup.ply"), None).unwrap();
    for (cloud, cat) in [(&board, "Skateboard"), (&cup, "Mug")] {
        let cat = find_category(cat).unwrap();
        assert_eq!(cloud.len(), 400);
        assert!(cloud.normals.is_some());
        let labels = cloud.labels.as_ref().unwrap();
        assert!(labels.iter().all(|&l| cat.owns_part(l as usize)));
        let names: Vec<&str> = cloud.extra.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["confidence", "agreement"]);
        assert!(cloud.extra[1]
            .values
            .iter()
            .all(|&a| [1.0 / 3.0, 2.0 / 3.0, 1.0]
                .iter()
                .any(|v| (a - v).abs() < 1e-6)));
    }
    let (lo, hi) = board.bbox().unwrap();
    assert!(
        (hi[0] - lo[0] - 2.0).abs() < 0.05,
        "x extent {}",
        hi[0] - lo[0]
    );
    assert!(
        (hi[2] - lo[2] - 0.3).abs() < 0.05,
        "z extent {}",
        hi[2] - lo[2]
    );
    let summary = std::fs::read_to_string(out.join("summary.tsv")).unwrap();
    assert_eq!(summary.lines().count(), 3, "{summary}");

    // Training mixes them in.
    let model = d.join("m.safetensors");
    let ck = d.join("ck");
    let train = [
        "train",
        "--synthetic",
        "--pseudo",
        out.to_str().unwrap(),
        "--pseudo-share",
        "0.5",
        "--config",
        "tiny",
        "--epochs",
        "1",
        "--shapes-per-epoch",
        "6",
        "--val-shapes",
        "4",
        "--points",
        "96",
        "--batch",
        "4",
        "--quiet",
        "--out",
        model.to_str().unwrap(),
        "--checkpoint-dir",
        ck.to_str().unwrap(),
    ];
    stdout(&pcseg(&train, None));
    assert!(model.is_file());

    // A folder of ordinary labelled files is not pseudo-labelled data.
    let plain = d.join("plain/Mug");
    std::fs::create_dir_all(&plain).unwrap();
    let mut c = cup.clone();
    c.extra.clear();
    pcseg::io::write_cloud(&plain.join("a.ply"), &c, None, &Default::default()).unwrap();
    let plain_root = d.join("plain");
    let mut bad = train.to_vec();
    bad[3] = plain_root.to_str().unwrap();
    let err = failure(&pcseg(&bad, None));
    assert!(
        err.iter()
            .any(|l| l.contains("a.ply") && l.contains("not a pseudo-labelled file")),
        "{err:?}"
    );
}

#[test]
fn a_broken_index_or_mesh_is_a_one_line_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let index = d.join("index.tsv");
    let out = d.join("out");
    let run = || {
        pcseg(
            &[
                "pseudo-label",
                index.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--samples",
                "200",
                "--points",
                "128",
                "--passes",
                "1",
                "--quiet",
            ],
            None,
        )
    };
    std::fs::write(&index, "Chair\tx.obj\tsrc\tframe\n").unwrap();
    let err = failure(&run());
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(err[0].contains("index.tsv") && err[0].contains("5 tab-separated"));

    std::fs::write(d.join("ok.obj"), box_obj([1.0, 1.0, 1.0])).unwrap();
    std::fs::write(
        &index,
        "Chair\tmissing.obj\tsrc\tframe\t1 0 0 0 1 0 0 0 1\n\
         Chair\tok.obj\tsrc\tframe\t1 0 0 0 1 0 0 0 1\n",
    )
    .unwrap();
    let err = failure(&run());
    assert!(err.iter().any(|l| l.contains("missing.obj")), "{err:?}");
    assert!(err.iter().any(|l| l.contains("1 of 2")), "{err:?}");
    // The mesh that could be read was still labelled.
    assert!(out.join("Chair/0001-ok.ply").is_file());
    assert!(!out.join("Chair/0000-missing.ply").exists());
}
