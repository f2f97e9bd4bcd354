//! `pcseg run` loses nothing (issue #14): re-labelling round trips, input
//! colours and every other column kept, `double` coordinates kept and
//! normalised in f64, text columns and separators kept, outputs that would
//! replace their input refused, `x y z r g b` text recognised, trailing PLY
//! data refused, unknown output extensions refused.

use crate::cli_util::{failure, pcseg, stdout};
use pcseg::categories::{find_category, part_colour};
use pcseg::cloud::{ExtraProperty, ScalarKind};
use pcseg::io::{read_cloud, write_cloud, PlyWriteOptions};
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

fn extra<'a>(c: &'a PointCloud, name: &str) -> &'a [f64] {
    &c.extra
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| {
            let names: Vec<_> = c.extra.iter().map(|e| &e.name).collect();
            panic!("no property {name} among {names:?}")
        })
        .values
}

fn names(c: &PointCloud) -> Vec<String> {
    c.extra.iter().map(|e| e.name.clone()).collect()
}

#[test]
fn relabelling_a_labelled_output_round_trips_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("chair.txt");
    let c = chair(3, 500);
    write_cloud(&input, &c, None, &Default::default()).unwrap();
    for ascii in [false, true] {
        let r1 = dir.path().join(format!("r1-{ascii}.ply"));
        let r2 = dir.path().join(format!("r2-{ascii}.ply"));
        let r3 = dir.path().join(format!("r3-{ascii}.ply"));
        let mut args = vec!["run", s(&input), "-o", s(&r1), "-c", "chair", "-q"];
        if ascii {
            args.push("--ascii");
        }
        stdout(&pcseg(&args, None));
        args[1] = s(&r1);
        args[3] = s(&r2);
        stdout(&pcseg(&args, None));
        args[1] = s(&r2);
        args[3] = s(&r3);
        stdout(&pcseg(&args, None));
        // `info` reads the whole body: the header matches the data.
        stdout(&pcseg(&["info", s(&r3)], None));
        let back = read_cloud(&r3, None).unwrap();
        assert_eq!(back.points, c.points);
        assert_eq!(back.normals, c.normals);
        // The original labels, then each run's labels and colours, all kept.
        assert_eq!(
            names(&back),
            [
                "source_label",
                "source_label_2",
                "source_red",
                "source_green",
                "source_blue",
                "source_label_3",
                "source_red_2",
                "source_green_2",
                "source_blue_2",
                "red",
                "green",
                "blue"
            ]
        );
        let original: Vec<f64> = c
            .labels
            .as_ref()
            .unwrap()
            .iter()
            .map(|&l| l as f64)
            .collect();
        assert_eq!(extra(&back, "source_label"), original);
        let r1_back = read_cloud(&r1, None).unwrap();
        let r1_labels: Vec<f64> = r1_back
            .labels
            .as_ref()
            .unwrap()
            .iter()
            .map(|&l| l as f64)
            .collect();
        assert_eq!(extra(&back, "source_label_2"), r1_labels);
        assert_eq!(extra(&back, "source_red"), extra(&r1_back, "red"));
    }
}

#[test]
fn input_colours_are_kept_whichever_way_part_colours_travel() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = chair(4, 400);
    c.labels = None;
    let rgb: Vec<Vec<f64>> = (0..3)
        .map(|k| (0..400).map(|i| ((i * 7 + k * 50) % 256) as f64).collect())
        .collect();
    for (k, name) in ["red", "green", "blue"].into_iter().enumerate() {
        c.extra.push(ExtraProperty {
            name: name.into(),
            kind: ScalarKind::U8,
            values: rgb[k].clone(),
        });
    }
    let input = dir.path().join("in.ply");
    write_cloud(&input, &c, None, &Default::default()).unwrap();
    let run = |mode: &str| {
        let out = dir.path().join(format!("{mode}.ply"));
        stdout(&pcseg(
            &[
                "run",
                s(&input),
                "-o",
                s(&out),
                "-c",
                "chair",
                "-q",
                "--colors",
                mode,
            ],
            None,
        ));
        read_cloud(&out, None).unwrap()
    };
    let parts = run("parts");
    assert_eq!(extra(&parts, "source_red"), rgb[0]);
    assert_eq!(extra(&parts, "source_blue"), rgb[2]);
    let labels = parts.labels.clone().unwrap();
    for (i, &l) in labels.iter().enumerate() {
        let want = part_colour(l as usize);
        assert_eq!(extra(&parts, "red")[i], want[0] as f64);
        assert_eq!(extra(&parts, "green")[i], want[1] as f64);
    }
    let keep = run("keep");
    assert_eq!(extra(&keep, "red"), rgb[0]);
    assert_eq!(extra(&keep, "green"), rgb[1]);
    for (i, &l) in labels.iter().enumerate() {
        assert_eq!(
            extra(&keep, "part_blue")[i],
            part_colour(l as usize)[2] as f64
        );
    }
    let none = run("none");
    assert_eq!(names(&none), ["red", "green", "blue"]);
    assert_eq!(extra(&none, "blue"), rgb[2]);
}

/// A chair's points as `double` PLY, shifted by `offset` and scaled by `scale`.
fn write_double_ply(path: &Path, c: &PointCloud, offset: f64, scale: f64) -> Vec<[f64; 3]> {
    let exact: Vec<[f64; 3]> = c
        .points
        .iter()
        .map(|p| p.map(|v| v as f64 * scale + offset))
        .collect();
    let mut text = format!(
        "ply\nformat ascii 1.0\nelement vertex {}\nproperty double x\nproperty double y\nproperty double z\nend_header\n",
        exact.len()
    );
    for p in &exact {
        text.push_str(&format!("{:?} {:?} {:?}\n", p[0], p[1], p[2]));
    }
    std::fs::write(path, text).unwrap();
    exact
}

#[test]
fn double_coordinates_far_from_the_origin_keep_precision_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let c = chair(5, 1500);
    let near = dir.path().join("near.ply");
    let far = dir.path().join("far.ply");
    write_double_ply(&near, &c, 0.0, 1.0);
    let exact = write_double_ply(&far, &c, 500_000.0, 1.0);
    let label = |input: &Path, out: &str| {
        let out = dir.path().join(out);
        let o = pcseg(&["run", s(input), "-o", s(&out), "--seed", "2"], None);
        let text = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "{text}");
        (read_cloud(&out, None).unwrap(), text)
    };
    let (a, a_text) = label(&near, "near.out.ply");
    let (b, b_text) = label(&far, "far.out.ply");
    assert!(a_text.contains("category Chair"), "{a_text}");
    assert!(b_text.contains("category Chair"), "{b_text}");
    // Written back as double, bit for bit.
    assert_eq!(b.exact_points.as_ref().unwrap(), &exact);
    let (la, lb) = (a.labels.unwrap(), b.labels.unwrap());
    let same = la.iter().zip(&lb).filter(|(x, y)| x == y).count();
    assert!(
        same * 1000 >= la.len() * 995,
        "{same} of {} labels agree",
        la.len()
    );
}

#[test]
fn huge_finite_coordinates_are_normalised_without_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let c = chair(6, 1500);
    let unit = dir.path().join("unit.ply");
    let huge = dir.path().join("huge.ply");
    let mut big = c.clone();
    for p in &mut big.points {
        *p = p.map(|v| v * 1e20);
    }
    write_cloud(&unit, &c, None, &Default::default()).unwrap();
    write_cloud(&huge, &big, None, &Default::default()).unwrap();
    let run = |input: &Path| {
        let out = dir.path().join("out.ply");
        let o = pcseg(&["run", s(input), "-o", s(&out), "--seed", "1"], None);
        let text = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "{text}");
        (read_cloud(&out, None).unwrap().labels.unwrap(), text)
    };
    let (la, ta) = run(&unit);
    let (lb, tb) = run(&huge);
    assert!(!tb.contains("NaN"), "{tb}");
    let category = |t: &str| {
        t.split("category ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(category(&ta), category(&tb), "{ta}\n{tb}");
    let same = la.iter().zip(&lb).filter(|(x, y)| x == y).count();
    assert!(
        same * 1000 >= la.len() * 995,
        "{same} of {} labels agree",
        la.len()
    );
}

#[test]
fn text_output_keeps_every_column_and_csv_stays_csv() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("scan.csv");
    let mut text = String::from("x,y,z,nx,ny,nz,intensity\n");
    let c = chair(7, 300);
    let normals = c.normals.as_ref().unwrap();
    for (i, p) in c.points.iter().enumerate() {
        let n = normals[i];
        text.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            p[0],
            p[1],
            p[2],
            n[0],
            n[1],
            n[2],
            i % 17
        ));
    }
    std::fs::write(&input, &text).unwrap();
    let out = dir.path().join("scan.labelled.csv");
    stdout(&pcseg(
        &["run", s(&input), "-o", s(&out), "-c", "chair", "-q"],
        None,
    ));
    let written = std::fs::read_to_string(&out).unwrap();
    let mut lines = written.lines();
    assert_eq!(lines.next(), Some("x,y,z,nx,ny,nz,intensity,label"));
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(first.len(), 8);
    let back = read_cloud(&out, None).unwrap();
    assert_eq!(back.points, c.points);
    assert_eq!(back.normals, c.normals);
    let want: Vec<f64> = (0..300).map(|i| (i % 17) as f64).collect();
    assert_eq!(extra(&back, "intensity"), want);
    // To a .txt: the same columns, space-separated, normals kept.
    let txt = dir.path().join("scan.txt");
    stdout(&pcseg(
        &["run", s(&input), "-o", s(&txt), "-c", "chair", "-q"],
        None,
    ));
    let t = std::fs::read_to_string(&txt).unwrap();
    assert!(
        t.starts_with("x y z nx ny nz intensity label\n"),
        "{}",
        &t[..60]
    );
}

#[test]
fn long_text_decimals_come_back_digit_for_digit() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("far.xyz");
    let c = chair(8, 800);
    let mut text = String::new();
    let mut want = Vec::new();
    for p in &c.points {
        let q = [
            p[0] as f64 + 637_512.25,
            p[1] as f64 - 4_200_000.5,
            p[2] as f64 + 12.0,
        ];
        let line = format!("{:.6} {:.6} {:.6}", q[0], q[1], q[2]);
        text.push_str(&line);
        text.push('\n');
        want.push(line);
    }
    std::fs::write(&input, text).unwrap();
    let out = dir.path().join("out.xyz");
    stdout(&pcseg(
        &["run", s(&input), "-o", s(&out), "-q", "-c", "chair"],
        None,
    ));
    let back = std::fs::read_to_string(&out).unwrap();
    for (line, want) in back.lines().zip(&want) {
        let fields: Vec<&str> = line.split(' ').collect();
        assert_eq!(fields.len(), 4, "{line}");
        for (got, exp) in fields[..3].iter().zip(want.split(' ')) {
            assert_eq!(
                got.parse::<f64>().unwrap(),
                exp.parse::<f64>().unwrap(),
                "{line}"
            );
        }
    }
}

#[test]
fn an_output_that_would_replace_its_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.txt");
    write_cloud(&input, &chair(9, 200), None, &Default::default()).unwrap();
    let before = std::fs::read(&input).unwrap();
    for output in [s(&input).to_string(), format!("{}/./x.txt", s(dir.path()))] {
        let o = pcseg(&["run", s(&input), "-o", &output, "-q"], None);
        let lines = failure(&o);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].contains("x.txt") && lines[0].contains("replace the input"),
            "{lines:?}"
        );
        assert_eq!(std::fs::read(&input).unwrap(), before);
    }
    let o = pcseg(&["run", s(dir.path()), "-o", s(dir.path()), "-q"], None);
    assert!(failure(&o)[0].contains("replace the input"));
    assert_eq!(std::fs::read(&input).unwrap(), before);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // Asked for explicitly, it is done (atomically), keeping every column.
    stdout(&pcseg(
        &["run", s(&input), "-o", s(&input), "-q", "--in-place"],
        None,
    ));
    let back = read_cloud(&input, None).unwrap();
    assert!(back.normals.is_some() && back.labels.is_some());
    assert!(names(&back).contains(&"source_label".to_string()));
}

#[test]
fn six_text_columns_are_normals_or_colours_never_misread() {
    let dir = tempfile::tempdir().unwrap();
    let c = chair(10, 300);
    let write = |name: &str, row: &dyn Fn(usize, [f32; 3]) -> String| {
        let p = dir.path().join(name);
        let text: String = c
            .points
            .iter()
            .enumerate()
            .map(|(i, &q)| row(i, q) + "\n")
            .collect();
        std::fs::write(&p, text).unwrap();
        p
    };
    // CloudCompare's `x y z r g b`.
    let rgb = write("rgb.txt", &|i, q| {
        format!(
            "{} {} {} {} {} {}",
            q[0],
            q[1],
            q[2],
            i % 256,
            (i * 3) % 256,
            7
        )
    });
    let out = dir.path().join("rgb.ply");
    stdout(&pcseg(
        &["run", s(&rgb), "-o", s(&out), "-c", "chair", "-q"],
        None,
    ));
    let back = read_cloud(&out, None).unwrap();
    assert!(back.normals.is_none());
    let want: Vec<f64> = (0..300).map(|i| (i % 256) as f64).collect();
    assert_eq!(extra(&back, "source_red"), want);
    // Neither unit normals nor 0-255 integers: refused, naming the file.
    let odd = write("odd.txt", &|_, q| {
        format!("{} {} {} 0.5 3.25 7", q[0], q[1], q[2])
    });
    let o = pcseg(
        &["run", s(&odd), "-o", s(&dir.path().join("o.ply")), "-q"],
        None,
    );
    let lines = failure(&o);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].contains("odd.txt") && lines[0].contains("--columns"),
        "{lines:?}"
    );
    assert!(!dir.path().join("o.ply").exists());
    // Named, they are read as said.
    let named = dir.path().join("named.ply");
    stdout(&pcseg(
        &[
            "run",
            s(&odd),
            "-o",
            s(&named),
            "-c",
            "chair",
            "-q",
            "--columns",
            "x,y,z,u,v,w",
        ],
        None,
    ));
    let back = read_cloud(&named, None).unwrap();
    assert_eq!(extra(&back, "v")[0], 3.25);
    assert_eq!(back.points, c.points);
}

#[test]
fn ply_data_beyond_the_declared_vertices_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("lying.ply");
    std::fs::write(
        &p,
        "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n1 1 1\n2 2 2\n",
    )
    .unwrap();
    let e = read_cloud(&p, None).unwrap_err().to_string();
    assert!(e.contains("lying.ply") && e.contains("data after"), "{e}");
    // Binary: one record too many.
    let c = PointCloud::from_points(vec![[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]);
    let mut bytes = Vec::new();
    pcseg::io::ply::write_ply(&mut bytes, &c, &PlyWriteOptions::default()).unwrap();
    let good = dir.path().join("good.ply");
    std::fs::write(&good, &bytes).unwrap();
    assert_eq!(read_cloud(&good, None).unwrap(), c);
    bytes.extend_from_slice(&[0u8; 12]);
    std::fs::write(&p, &bytes).unwrap();
    let e = read_cloud(&p, None).unwrap_err().to_string();
    assert!(e.contains("data after"), "{e}");
    // A trailing newline some writers add is fine; so are faces after the
    // vertices, which are skipped.
    bytes.truncate(bytes.len() - 12);
    bytes.push(b'\n');
    std::fs::write(&p, &bytes).unwrap();
    assert_eq!(read_cloud(&p, None).unwrap(), c);
    let mesh = "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n";
    std::fs::write(&p, mesh).unwrap();
    // A PLY with faces (and unlabelled vertices) is a mesh: sampled.
    assert_eq!(
        read_cloud(&p, None).unwrap().len(),
        pcseg::io::DEFAULT_MESH_POINTS
    );
    std::fs::write(&p, format!("{mesh}3 0 1 2\n")).unwrap();
    assert!(read_cloud(&p, None).is_err());
}

#[test]
fn unknown_or_contradicting_output_extensions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("c.ply");
    write_cloud(&input, &chair(11, 200), None, &Default::default()).unwrap();
    let pcd = dir.path().join("c.las");
    let lines = failure(&pcseg(&["run", s(&input), "-o", s(&pcd), "-q"], None));
    assert!(
        lines[0].contains("c.las") && lines[0].contains("unknown output extension"),
        "{lines:?}"
    );
    let xyz = dir.path().join("c.xyz");
    let lines = failure(&pcseg(
        &["run", s(&input), "-o", s(&xyz), "--out-format", "ply", "-q"],
        None,
    ));
    assert!(lines[0].contains("--out-format"), "{lines:?}");
    assert!(!pcd.exists() && !xyz.exists());
    // PLY comments of the input survive.
    let commented = dir.path().join("commented.ply");
    let text = std::fs::read(&input).unwrap();
    let mut with = b"ply\nformat binary_little_endian 1.0\ncomment scanner: Faro X130\n".to_vec();
    let body_start = text.windows(7).position(|w| w == b"element").unwrap();
    with.extend_from_slice(&text[body_start..]);
    std::fs::write(&commented, with).unwrap();
    let out = dir.path().join("out.ply");
    stdout(&pcseg(
        &["run", s(&commented), "-o", s(&out), "-q", "--ascii"],
        None,
    ));
    let head = String::from_utf8_lossy(&std::fs::read(&out).unwrap()[..200]).to_string();
    assert!(head.contains("comment scanner: Faro X130"), "{head}");
}

/// The fuzzing campaign's findings F1-F3 (docs/RELIABILITY.md): a `uint`
/// label above `i32::MAX`, a float `label` beside an integer `class`, and an
/// input that already has `source_label` all come back whole.
#[test]
fn fuzz_findings_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let head = "ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\n";
    let cases = [
        ("f1.ply", "property uint label\nend_header\n0 0 0 3000000000\n1 1 1 7\n", "source_label", [3e9, 7.0]),
        ("f2.ply", "property float label\nproperty uchar class\nend_header\n0 0 0 0.25 3\n1 1 1 0.75 4\n", "source_label_2", [0.25, 0.75]),
        ("f3.ply", "property float source_label\nproperty int label\nend_header\n0 0 0 0.25 3\n1 1 1 0.75 4\n", "source_label", [0.25, 0.75]),
    ];
    for (name, rest, kept, want) in cases {
        let input = dir.path().join(name);
        std::fs::write(&input, format!("{head}{rest}")).unwrap();
        for ascii in [false, true] {
            let out = dir.path().join(format!("out-{ascii}-{name}"));
            let mut args = vec!["run", s(&input), "-o", s(&out), "-c", "airplane", "-q"];
            if ascii {
                args.push("--ascii");
            }
            stdout(&pcseg(&args, None));
            stdout(&pcseg(&["info", s(&out)], None));
            let back = read_cloud(&out, None).unwrap();
            assert_eq!(extra(&back, kept), want, "{name}: {:?}", names(&back));
            assert!(back.labels.unwrap().iter().all(|&l| l < 4), "{name}");
        }
    }
    // A text label beyond i32 (fuzz target text_read, follow-up campaign).
    let text = dir.path().join("f4.xyz");
    std::fs::write(&text, "0 0 0 0\n3 4 0 4000041000\n").unwrap();
    let out = dir.path().join("f4.ply");
    stdout(&pcseg(
        &["run", s(&text), "-o", s(&out), "-c", "airplane", "-q"],
        None,
    ));
    let back = read_cloud(&out, None).unwrap();
    assert_eq!(extra(&back, "source_label"), [0.0, 4_000_041_000.0]);
}
