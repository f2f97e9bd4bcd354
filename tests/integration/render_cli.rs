//! `pcseg render` end to end with the built binary.

use crate::cli_util::{failure, pcseg, stdout};
use std::path::Path;

fn write_cloud(path: &Path, label: u32, n: usize) {
    let mut s = String::new();
    for i in 0..n {
        let t = i as f32 / n as f32 * std::f32::consts::TAU;
        let y = (i % 7) as f32 * 0.05;
        s.push_str(&format!(
            "{:.6} {:.6} {:.6} {:.6} 0.000000 {:.6} {label}.000000\n",
            0.3 * t.cos(),
            y,
            0.3 * t.sin(),
            t.cos(),
            t.sin()
        ));
    }
    std::fs::write(path, s).unwrap();
}

fn png_size(path: &Path) -> (u32, u32) {
    let img = pcseg::render::read_png(path).unwrap();
    (img.width, img.height)
}

#[test]
fn renders_a_dataset_folder_and_single_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (synset, label) in [("03797390", 37), ("04225987", 45)] {
        std::fs::create_dir_all(data.join(synset)).unwrap();
        for k in 0..2 {
            write_cloud(&data.join(synset).join(format!("s{k}.txt")), label, 300);
        }
    }
    std::fs::create_dir_all(data.join("train_test_split")).unwrap();
    std::fs::write(data.join("synsetoffset2category.txt"), "Mug\t03797390\n").unwrap();
    let out = dir.path().join("gallery.png");
    let (data_s, out_s) = (data.to_str().unwrap(), out.to_str().unwrap());
    let render = |extra: &[&str]| {
        let mut args = vec!["render", data_s, "-o", out_s];
        args.extend_from_slice(extra);
        stdout(&pcseg(&args, None));
    };
    render(&["--size", "100", "--grid", "3", "--view", "side"]);
    // 4 shapes in 3 columns: 2 rows.
    assert_eq!(png_size(&out), (300, 200));
    render(&["--size", "100", "--per-folder", "1"]);
    assert_eq!(png_size(&out), (200, 100));

    let one = data.join("03797390").join("s0.txt");
    stdout(&pcseg(
        &[
            "render",
            one.to_str().unwrap(),
            "-o",
            out_s,
            "--size",
            "150",
        ],
        None,
    ));
    assert_eq!(png_size(&out), (150, 150));
}

#[test]
fn bad_inputs_fail_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.txt");
    let bad = dir.path().join("bad.txt");
    write_cloud(&good, 4, 100);
    std::fs::write(&bad, "0 0 0\n1 2\n").unwrap();
    let out = dir.path().join("o.png");
    let (good_s, out_s) = (good.to_str().unwrap(), out.to_str().unwrap());
    let lines = failure(&pcseg(
        &[
            "render",
            good_s,
            bad.to_str().unwrap(),
            "-o",
            out_s,
            "--size",
            "80",
        ],
        None,
    ));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("bad.txt: line 2: "), "{}", lines[0]);
    assert!(lines[1].contains("1 of 2 inputs failed"));
    // The good shape is still rendered.
    assert_eq!(png_size(&out), (80, 80));

    let lines = failure(&pcseg(
        &["render", good_s, "-o", out_s, "--category", "sofa"],
        None,
    ));
    assert!(lines[0].contains("unknown category 'sofa'"), "{lines:?}");
    let missing = dir.path().join("nope.txt");
    let lines = failure(&pcseg(
        &["render", missing.to_str().unwrap(), "-o", out_s],
        None,
    ));
    assert!(lines[0].contains("nope.txt"), "{lines:?}");
}

#[test]
fn a_single_bad_input_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.png");
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "0 0 0\n1 2\n").unwrap();
    let missing = dir.path().join("nope.txt");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for (input, want) in [
        (
            &bad,
            "bad.txt: line 2: expected 3 columns like line 1, got 2",
        ),
        (&missing, "nope.txt: "),
        (&empty, "empty: no clouds"),
    ] {
        let lines = failure(&pcseg(
            &[
                "render",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ],
            None,
        ));
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains(want), "{lines:?}");
    }
    assert!(!out.exists());
}

#[test]
fn dash_writes_the_png_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let cloud = dir.path().join("c.txt");
    write_cloud(&cloud, 4, 200);
    let o = pcseg(
        &["render", cloud.to_str().unwrap(), "-o", "-", "--size", "64"],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.stdout.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG on stdout"
    );
    let png = dir.path().join("from_stdout.png");
    std::fs::write(&png, &o.stdout).unwrap();
    assert_eq!(png_size(&png), (64, 64));
    // The summary goes to stderr, away from the image.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("<stdout>: 64 x 64 px, 1 shape"), "{err}");
    assert!(!Path::new("-").exists());
    // --quiet: the same image and no summary on either stream.
    let q = pcseg(
        &[
            "render",
            cloud.to_str().unwrap(),
            "-o",
            "-",
            "--size",
            "64",
            "-q",
        ],
        None,
    );
    assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stderr));
    assert_eq!(q.stdout, o.stdout);
    assert!(
        q.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&q.stderr)
    );
    let file = dir.path().join("quiet.png");
    let q = pcseg(
        &[
            "render",
            cloud.to_str().unwrap(),
            "-o",
            file.to_str().unwrap(),
            "-q",
        ],
        None,
    );
    assert!(q.status.success() && q.stdout.is_empty() && q.stderr.is_empty());
    assert!(file.exists());
}

#[test]
fn outputs_other_than_png_or_an_input_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cloud = dir.path().join("c.ply");
    let c = pcseg::PointCloud::from_points(vec![[0.0, 0.0, 0.0], [0.1, 0.2, 0.3]]);
    pcseg::io::write_cloud(&cloud, &c, None, &pcseg::io::PlyWriteOptions::default()).unwrap();
    let before = std::fs::read(&cloud).unwrap();
    let cloud_s = cloud.to_str().unwrap();

    let jpg = dir.path().join("x.jpg");
    let lines = failure(&pcseg(
        &["render", cloud_s, "-o", jpg.to_str().unwrap()],
        None,
    ));
    assert_eq!(
        lines,
        [format!(
            "pcseg: error: {}: render writes PNG only; name the output *.png, or - for stdout",
            jpg.display()
        )]
    );
    assert!(!jpg.exists());
    // Any case of .png is a PNG name.
    let upper = dir.path().join("X.PNG");
    stdout(&pcseg(
        &[
            "render",
            cloud_s,
            "-o",
            upper.to_str().unwrap(),
            "--size",
            "64",
        ],
        None,
    ));
    assert_eq!(png_size(&upper), (64, 64));

    // The output is one of the inputs: by name, through a symlink, through
    // a hard link (same file, other name), or inside an input folder.
    let sym = dir.path().join("sym.ply");
    std::os::unix::fs::symlink(&cloud, &sym).unwrap();
    let hard = dir.path().join("hard.ply");
    std::fs::hard_link(&cloud, &hard).unwrap();
    let dotted = format!("{}/./c.ply", dir.path().display());
    for out in [
        cloud_s,
        sym.to_str().unwrap(),
        hard.to_str().unwrap(),
        &dotted,
    ] {
        let lines = failure(&pcseg(&["render", cloud_s, "-o", out], None));
        assert_eq!(
            lines,
            [format!(
                "pcseg: error: {out}: the output is an input ({cloud_s}); render will not overwrite it"
            )],
        );
    }
    let in_folder = dir.path().to_str().unwrap();
    let lines = failure(&pcseg(&["render", in_folder, "-o", &dotted], None));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("the output is an input"), "{lines:?}");
    assert_eq!(std::fs::read(&cloud).unwrap(), before);
}
