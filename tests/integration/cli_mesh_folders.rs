//! Labelled meshes (as `run --mesh-out` writes them) read back as labelled
//! points, and taken by the folder inputs of `render`, `eval` (shapes and
//! `--predictions`) and `train`; `render --palette`.

use crate::cli_mesh::{ply_face_labels, s, TWO_BOXES_OBJ};
use crate::cli_util::{failure, pcseg, stdout};
use pcseg::io::mesh::face_match::match_triangles;
use pcseg::io::{read_input, ReadOptions};
use std::path::{Path, PathBuf};

/// `boxes.obj` segmented as a chair: `(seg.ply, seg.obj)` in `dir`.
fn segmented_boxes(dir: &Path) -> (PathBuf, PathBuf) {
    let obj = dir.join("boxes.obj");
    std::fs::write(&obj, TWO_BOXES_OBJ).unwrap();
    let (ply_out, obj_out) = (dir.join("seg.ply"), dir.join("seg.obj"));
    for mesh_out in [&ply_out, &obj_out] {
        let cloud = dir.join("cloud.ply");
        let args = ["run", s(&obj), "-o", s(&cloud), "--mesh-out", s(mesh_out)];
        stdout(&pcseg(&[&args[..], &["-c", "chair", "-q"]].concat(), None));
    }
    (ply_out, obj_out)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn mesh_out_reads_back_as_the_labels_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let (ply, obj) = segmented_boxes(dir.path());
    let written: Vec<u32> = ply_face_labels(&ply).iter().map(|f| f.0).collect();
    let (cloud, _, mesh) = read_input(&ply, &ReadOptions::default()).unwrap();
    let mesh = mesh.unwrap();
    assert_eq!(mesh.mesh.labels.as_ref(), Some(&written));
    assert_eq!(cloud.len(), 2500);
    let want: Vec<u32> = mesh
        .triangles
        .iter()
        .map(|&t| written[t as usize])
        .collect();
    assert_eq!(cloud.labels, Some(want));

    // The OBJ regroups the faces by part; face by face (matched by corner
    // positions) its labels are the PLY's, and its points take them.
    let (cloud, _, obj_mesh) = read_input(&obj, &ReadOptions::default()).unwrap();
    let obj_mesh = obj_mesh.unwrap();
    let obj_labels = obj_mesh.mesh.labels.clone().unwrap();
    let matched = match_triangles(&obj_mesh.mesh, &mesh.mesh);
    for (t, m) in matched.iter().enumerate() {
        assert_eq!(obj_labels[m.unwrap() as usize], written[t]);
    }
    let want: Vec<u32> = obj_mesh
        .triangles
        .iter()
        .map(|&t| obj_labels[t as usize])
        .collect();
    assert_eq!(cloud.labels, Some(want));
}

/// The two segmented meshes of [`segmented_boxes`] and a plain folder
/// dataset `mine/` whose `chair/` holds copies of them (`a.ply`, `b.obj`):
/// (PLY, OBJ, `mine`, `mine/chair`).
fn chair_folder(dir: &Path) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    let (ply, obj) = segmented_boxes(dir);
    let mine = dir.join("mine");
    let chair = mine.join("chair");
    std::fs::create_dir_all(&chair).unwrap();
    std::fs::copy(&ply, chair.join("a.ply")).unwrap();
    std::fs::copy(&obj, chair.join("b.obj")).unwrap();
    (ply, obj, mine, chair)
}

#[test]
fn eval_scores_folders_of_labelled_meshes() {
    let dir = tempfile::tempdir().unwrap();
    let (ply, obj, mine, chair) = chair_folder(dir.path());
    let report = dir.path().join("r.json");
    let q = ["--quiet", "--json", s(&report)];

    // The model on the meshes' sampled points.
    stdout(&pcseg(&[&["eval", s(&mine)][..], &q].concat(), None));
    assert_eq!(json(&report)["shapes"], 2);

    // Mesh predictions: each shape's own mesh, labelled as the shape is
    // (the OBJ for the PLY shape and the other way round): a perfect score.
    let preds = dir.path().join("preds");
    std::fs::create_dir(&preds).unwrap();
    std::fs::copy(&obj, preds.join("a.seg.obj")).unwrap();
    std::fs::copy(&ply, preds.join("b.seg.ply")).unwrap();
    let p = ["--predictions", s(&preds)];
    stdout(&pcseg(&[&["eval", s(&mine)][..], &p, &q].concat(), None));
    let v = json(&report);
    assert_eq!(v["shapes"], 2);
    assert_eq!(v["instance_miou"], 100.0);

    // A cloud prediction of a mesh shape holds its 2,500 sampled points
    // (run with the default --points and --seed); another seed is refused.
    let clouds = dir.path().join("clouds");
    std::fs::create_dir(&clouds).unwrap();
    let a = chair.join("a.ply");
    let cloud = clouds.join("a.ply");
    stdout(&pcseg(
        &["run", s(&a), "-o", s(&cloud), "-c", "chair", "-q"],
        None,
    ));
    let only_a = ["--predictions", s(&clouds), "--limit", "1"];
    stdout(&pcseg(
        &[&["eval", s(&mine)][..], &only_a, &q].concat(),
        None,
    ));
    assert_eq!(json(&report)["shapes"], 1);
    let args = [
        "run",
        s(&a),
        "-o",
        s(&cloud),
        "-c",
        "chair",
        "-q",
        "--seed",
        "3",
    ];
    stdout(&pcseg(&args, None));
    let o = pcseg(&[&["eval", s(&mine)][..], &only_a, &q].concat(), None);
    let e = failure(&o);
    assert!(e[0].contains("a.ply: its points are not those"), "{e:?}");
    assert!(
        e[0].contains("sampled into (2,500 points, seed 0)"),
        "{e:?}"
    );

    // A mesh prediction for a cloud shape cannot be paired point for point.
    let cloudy = dir.path().join("cloudy/chair");
    std::fs::create_dir_all(&cloudy).unwrap();
    std::fs::copy(&cloud, cloudy.join("a.ply")).unwrap();
    let o = pcseg(
        &[
            "eval",
            s(&cloudy),
            "--category",
            "chair",
            "--predictions",
            s(&preds),
            "-q",
        ],
        None,
    );
    let e = failure(&o);
    assert!(e[0].contains("a.seg.obj: a labelled mesh, but"), "{e:?}");
    assert!(e[0].contains("is a point cloud of 2500 points"), "{e:?}");
    assert_eq!(e.len(), 1, "{e:?}");

    // An unlabelled mesh is refused as an unlabelled cloud is.
    std::fs::copy(dir.path().join("boxes.obj"), chair.join("c.obj")).unwrap();
    let o = pcseg(&["eval", s(&mine), "-q", "--categories", "chair"], None);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        err.contains("c.obj: no labels (a mesh is labelled by"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn render_draws_folder_meshes_and_takes_a_palette() {
    let dir = tempfile::tempdir().unwrap();
    let (ply, _) = segmented_boxes(dir.path());
    let folder = dir.path().join("shapes");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(&ply, folder.join("labelled.ply")).unwrap();
    std::fs::copy(dir.path().join("boxes.obj"), folder.join("plain.obj")).unwrap();
    let usual = dir.path().join("usual.png");
    let o = stdout(&pcseg(
        &["render", s(&folder), "-o", s(&usual), "--size", "128"],
        None,
    ));
    assert!(o.contains("2 shapes"), "{o}");

    let palette = dir.path().join("p.txt");
    let lines: String = (12..16).map(|p| format!("{p} #ff0000\n")).collect();
    std::fs::write(&palette, lines).unwrap();
    let red = dir.path().join("red.png");
    let args = [
        "render",
        s(&folder),
        "-o",
        s(&red),
        "--size",
        "128",
        "--palette",
        s(&palette),
    ];
    stdout(&pcseg(&args, None));
    let (a, b) = (
        pcseg::render::read_png(&usual).unwrap(),
        pcseg::render::read_png(&red).unwrap(),
    );
    assert_eq!((a.width, a.height), (b.width, b.height));
    assert_ne!(a.rgb, b.rgb);

    std::fs::write(&palette, "Chair/wing 1 2 3\n").unwrap();
    let bad = dir.path().join("bad.png");
    let args = [
        "render",
        s(&folder),
        "-o",
        s(&bad),
        "--palette",
        s(&palette),
    ];
    let e = failure(&pcseg(&args, None));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("p.txt"), "{e:?}");
    assert!(!bad.exists());
}

#[test]
fn train_takes_a_folder_of_labelled_meshes() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, mine, chair) = chair_folder(dir.path());
    let out = dir.path().join("m.safetensors");
    let train = |extra: &[&str]| {
        let args = [
            "train",
            s(&mine),
            "--config",
            "tiny",
            "--epochs",
            "1",
            "--points",
            "96",
            "--batch",
            "2",
            "--quiet",
            "--out",
            s(&out),
            "--checkpoint-dir",
        ];
        let ck = dir.path().join("ck");
        pcseg(&[&args[..], &[s(&ck)], extra].concat(), None)
    };
    stdout(&train(&[]));
    assert!(out.is_file());

    std::fs::remove_file(&out).unwrap();
    std::fs::copy(dir.path().join("boxes.obj"), chair.join("c.obj")).unwrap();
    let o = train(&[]);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("c.obj: no labels"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists());
}

#[test]
fn info_says_a_labelled_meshs_labels_come_from_its_faces() {
    let dir = tempfile::tempdir().unwrap();
    let (ply, obj) = segmented_boxes(dir.path());
    for mesh in [&ply, &obj] {
        let text = stdout(&pcseg(&["info", s(mesh)], None));
        assert!(text.contains("label (per face)"), "{text}");
        assert!(text.contains("labels:     yes (each point takes"), "{text}");
        let v: serde_json::Value =
            serde_json::from_str(&stdout(&pcseg(&["info", "--json", s(mesh)], None))).unwrap();
        assert_eq!(v["labels_from"], "faces");
        // The histogram counts the sampled points by their faces' parts.
        let (cloud, _, _) = read_input(mesh, &ReadOptions::default()).unwrap();
        let labels = cloud.labels.unwrap();
        for entry in v["label_histogram"].as_array().unwrap() {
            let part = entry["part"].as_u64().unwrap() as u32;
            let n = labels.iter().filter(|&&l| l == part).count();
            assert_eq!(entry["count"].as_u64().unwrap() as usize, n);
        }
    }
    // The unlabelled mesh and a labelled cloud say otherwise.
    let boxes = dir.path().join("boxes.obj");
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&pcseg(&["info", "--json", s(&boxes)], None))).unwrap();
    assert_eq!(v["labels_from"], serde_json::Value::Null);
    let cloud = dir.path().join("cloud.ply");
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&pcseg(&["info", "--json", s(&cloud)], None))).unwrap();
    assert_eq!(v["labels_from"], "points");
}
