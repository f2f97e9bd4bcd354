//! XYZ-style text through `read_cloud` / `write_cloud`: every extension and
//! layout round trips exactly; v0 `.pts` files pick up their `.seg` labels.

use pcseg::io::xyz::{write_normal_txt, XyzLayout};
use pcseg::io::{read_cloud, read_cloud_with_info, write_cloud, Format, SourceInfo};
use pcseg::rng::Rng;
use pcseg::PointCloud;

fn cloud(n: usize, normals: bool, labels: bool, seed: u64) -> PointCloud {
    let mut rng = Rng::new(seed);
    let mut c = PointCloud::from_points(
        (0..n)
            .map(|_| [rng.normal(), rng.normal() * 1e3, rng.normal() * 1e-4])
            .collect(),
    );
    if normals {
        // Unit normals: unnamed columns 4-6 that are not (near) unit length
        // are refused unless they are 0-255 colours.
        c.normals = Some(
            (0..n)
                .map(|_| {
                    let v = [rng.normal(), rng.normal(), rng.normal()];
                    let len = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                    v.map(|x| x / len)
                })
                .collect(),
        );
    }
    if labels {
        c.labels = Some((0..n).map(|_| rng.below(50) as u32).collect());
    }
    c
}

#[test]
fn every_extension_and_layout_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["xyz", "txt", "pts", "csv", "XYZ"] {
        for (k, (normals, labels)) in [(false, false), (false, true), (true, false), (true, true)]
            .into_iter()
            .enumerate()
        {
            let c = cloud(300, normals, labels, k as u64);
            let p = dir.path().join(format!("c{k}.{ext}"));
            write_cloud(&p, &c, None, &Default::default()).unwrap();
            let (back, info) = read_cloud_with_info(&p, None).unwrap();
            assert_eq!(back, c, "{ext} {normals} {labels}");
            assert_eq!(info, SourceInfo::Xyz(XyzLayout::for_cloud(&c)));
        }
    }
    // The format can be forced whatever the extension.
    let c = cloud(10, false, true, 9);
    let p = dir.path().join("points.dat");
    write_cloud(&p, &c, Some(Format::Xyz), &Default::default()).unwrap();
    assert_eq!(read_cloud(&p, Some(Format::Xyz)).unwrap(), c);
}

#[test]
fn normal_txt_reads_back_to_six_decimals() {
    let dir = tempfile::tempdir().unwrap();
    let c = cloud(100, true, true, 4);
    let p = dir.path().join("shape.txt");
    let mut f = std::fs::File::create(&p).unwrap();
    write_normal_txt(&mut f, &c).unwrap();
    drop(f);
    let back = read_cloud(&p, None).unwrap();
    assert_eq!(back.labels, c.labels);
    for (a, b) in back.points.iter().zip(&c.points) {
        for k in 0..3 {
            assert!(
                (a[k] - b[k]).abs() <= 5e-7 + 1e-7 * b[k].abs(),
                "{a:?} {b:?}"
            );
        }
    }
    let text = std::fs::read_to_string(&p).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(first.split(' ').count(), 7);
    assert!(
        first
            .split(' ')
            .all(|f| f.split('.').nth(1).unwrap().len() == 6),
        "{first}"
    );
}

#[test]
fn v0_pts_in_a_points_folder_gets_its_labels() {
    let dir = tempfile::tempdir().unwrap();
    let syn = dir.path().join("02691156");
    std::fs::create_dir_all(syn.join("points")).unwrap();
    std::fs::create_dir_all(syn.join("points_label")).unwrap();
    let pts = syn.join("points/t1.pts");
    std::fs::write(&pts, "0.1 0.2 0.3\n0.4 0.5 0.6\n").unwrap();
    // Without the .seg file it is a plain 3-column cloud.
    let plain = read_cloud(&pts, None).unwrap();
    assert!(plain.labels.is_none());
    std::fs::write(syn.join("points_label/t1.seg"), "4\n2\n").unwrap();
    let (c, info) = read_cloud_with_info(&pts, None).unwrap();
    assert_eq!(info, SourceInfo::V0Pair);
    assert_eq!(c.labels, Some(vec![3, 1]));
    assert_eq!(c.points, plain.points);
}

#[test]
fn bad_text_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("scan.xyz");
    std::fs::write(&p, "1 2 3\n4 5 6\n7 8\n").unwrap();
    let e = read_cloud(&p, None).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}: line 3: expected 3 columns like line 1, got 2",
            p.display()
        )
    );
    std::fs::write(&p, "").unwrap();
    let e = read_cloud(&p, None).unwrap_err().to_string();
    assert_eq!(e, format!("{}: no points", p.display()));
    std::fs::write(&p, "1 2 inf\n").unwrap();
    let e = read_cloud(&p, None).unwrap_err().to_string();
    assert!(
        e.ends_with("line 1: column 3: non-finite value 'inf' (point 0)"),
        "{e}"
    );
}
