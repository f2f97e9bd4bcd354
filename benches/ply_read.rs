//! Reading speed of the point cloud formats.
//!
//! - `ply_read/pcseg/*`: binary little-endian PLY of 1,000,000 points through
//!   `read_cloud` (xyz only, and xyz + normals + label), file written untimed.
//! - `ply_read/ply_rs_bw_default_element`: the same xyz file read by
//!   ply-rs-bw's generic `read_ply` into `DefaultElement` maps, the reason
//!   pcseg decodes the body itself.
//! - `normal_txt/parse`: the ShapeNetPart `_normal` 7-column text of 100,000
//!   points parsed from memory.
//! - `normal_split/load` (only with `PCSEG_BENCH_SPLIT=1`, writes ~500 MB):
//!   2,874 shapes of 2,600 points in the `_normal` layout loaded by
//!   `Dataset::load_split`, the size of the official test split.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pcseg::io::dataset::{Dataset, Split};
use pcseg::io::xyz::{read_xyz, write_normal_txt};
use pcseg::io::{read_cloud, write_cloud, PlyWriteOptions};
use pcseg::rng::Rng;
use pcseg::PointCloud;
use std::hint::black_box;
use std::path::Path;

fn cloud(n: usize, full: bool, seed: u64) -> PointCloud {
    let mut rng = Rng::new(seed);
    let mut c = PointCloud::from_points(
        (0..n)
            .map(|_| {
                [
                    rng.uniform(-0.5, 0.5),
                    rng.uniform(-0.5, 0.5),
                    rng.uniform(-0.5, 0.5),
                ]
            })
            .collect(),
    );
    if full {
        c.normals = Some(
            (0..n)
                .map(|_| [rng.normal(), rng.normal(), rng.normal()])
                .collect(),
        );
        c.labels = Some((0..n).map(|_| 47 + rng.below(3) as u32).collect());
    }
    c
}

fn ply_read(c: &mut Criterion) {
    const N: usize = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("ply_read");
    group.sample_size(10);
    group.throughput(Throughput::Elements(N as u64));
    for (name, full) in [("xyz", false), ("xyz_normals_label", true)] {
        let path = dir.path().join(format!("{name}.ply"));
        write_cloud(&path, &cloud(N, full, 1), None, &PlyWriteOptions::default()).unwrap();
        group.bench_function(format!("pcseg/{name}"), |b| {
            b.iter(|| black_box(read_cloud(&path, None).unwrap()))
        });
    }
    let path = dir.path().join("xyz.ply");
    group.bench_function("ply_rs_bw_default_element", |b| {
        b.iter(|| {
            let mut f = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
            let parser = ply_rs_bw::parser::Parser::<ply_rs_bw::ply::DefaultElement>::new();
            black_box(parser.read_ply(&mut f).unwrap())
        })
    });
    group.finish();
}

fn normal_txt(c: &mut Criterion) {
    const N: usize = 100_000;
    let mut bytes = Vec::new();
    write_normal_txt(&mut bytes, &cloud(N, true, 2)).unwrap();
    let mut group = c.benchmark_group("normal_txt");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("parse", |b| {
        b.iter(|| black_box(read_xyz(&bytes[..], Path::new("bench.txt")).unwrap()))
    });
    group.finish();
}

fn normal_split(c: &mut Criterion) {
    if std::env::var_os("PCSEG_BENCH_SPLIT").is_none() {
        return;
    }
    const SHAPES: usize = 2874;
    const POINTS: usize = 2600;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("synsetoffset2category.txt"), "Table\t04379243\n").unwrap();
    std::fs::create_dir_all(root.join("04379243")).unwrap();
    std::fs::create_dir_all(root.join("train_test_split")).unwrap();
    let mut names = Vec::new();
    for i in 0..SHAPES {
        let token = format!("shape{i:05}");
        let mut f = std::fs::File::create(root.join(format!("04379243/{token}.txt"))).unwrap();
        write_normal_txt(&mut f, &cloud(POINTS, true, i as u64)).unwrap();
        names.push(format!("shape_data/04379243/{token}"));
    }
    let json = serde_json::to_string(&names).unwrap();
    for split in ["train", "val", "test"] {
        let list = if split == "test" { json.as_str() } else { "[]" };
        std::fs::write(
            root.join(format!("train_test_split/shuffled_{split}_file_list.json")),
            list,
        )
        .unwrap();
    }
    let ds = Dataset::open(root).unwrap();
    let mut group = c.benchmark_group("normal_split");
    group.sample_size(10);
    group.throughput(Throughput::Elements((SHAPES * POINTS) as u64));
    group.bench_function("load", |b| {
        b.iter(|| black_box(ds.load_split(Split::Test, &[], None).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, ply_read, normal_txt, normal_split);
criterion_main!(benches);
