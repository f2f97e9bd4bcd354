//! A written mini dataset has the official `_normal` layout and parses back
//! (parsed here by hand, independently of the dataset reader), and the same
//! seed writes byte-identical files. Also runs the built `pcseg synth`.

use pcseg::categories::{find_category, CATEGORIES};
use pcseg::synth::dataset::{write_dataset, SynthConfig, SPLITS};
use pcseg::synth::Realism;
use std::collections::BTreeMap;
use std::path::Path;

const OURS: [&str; 8] = [
    "Airplane", "Car", "Chair", "Guitar", "Knife", "Lamp", "Laptop", "Table",
];

fn ours() -> Vec<usize> {
    OURS.iter()
        .map(|n| find_category(n).unwrap().index)
        .collect()
}

/// Parse one `_normal` file by hand: 7 numeric columns per line.
fn parse_shape(path: &Path) -> Vec<[f64; 7]> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let cols: Vec<&str> = line.split(' ').collect();
            assert_eq!(cols.len(), 7, "{}: line {}", path.display(), i + 1);
            for c in &cols {
                let frac = c.split('.').nth(1).unwrap();
                assert_eq!(frac.len(), 6, "6 decimals: {c}");
            }
            std::array::from_fn(|k| cols[k].parse::<f64>().unwrap())
        })
        .collect()
}

fn list(dir: &Path, split: &str) -> Vec<String> {
    let p = dir.join(format!("train_test_split/shuffled_{split}_file_list.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn all_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn mini_dataset_has_the_official_layout_and_parses_back() {
    let tmp = tempfile::tempdir().unwrap();
    let cats = ours();
    let splits = SynthConfig::shapenet_mix(&cats, Some(40)).unwrap();
    let cfg = SynthConfig {
        categories: cats.clone(),
        splits,
        points: (300, 400),
        seed: 7,
        realism: Realism::off(),
    };
    let summary = write_dataset(tmp.path(), &cfg, &|| {}).unwrap();
    assert_eq!(summary.splits.iter().sum::<usize>(), 40);
    let dir = tmp.path();
    // All 16 categories, official order, tab-separated.
    let cat_file = std::fs::read_to_string(dir.join("synsetoffset2category.txt")).unwrap();
    let lines: Vec<&str> = cat_file.lines().collect();
    assert_eq!(lines.len(), 16);
    for (line, c) in lines.iter().zip(&CATEGORIES) {
        assert_eq!(*line, format!("{}\t{}", c.name, c.synset));
    }
    let mut seen = 0;
    for (s, split) in SPLITS.iter().enumerate() {
        let entries = list(dir, split);
        assert_eq!(entries.len(), summary.splits[s]);
        for e in entries {
            let parts: Vec<&str> = e.split('/').collect();
            assert_eq!(parts.len(), 3, "{e}");
            assert_eq!(parts[0], "shape_data");
            let cat = find_category(parts[1]).unwrap();
            assert!(cats.contains(&cat.index));
            assert_eq!(parts[2].len(), 32);
            assert!(parts[2].bytes().all(|b| b.is_ascii_hexdigit()));
            let rows = parse_shape(&dir.join(parts[1]).join(format!("{}.txt", parts[2])));
            assert!((300..=400).contains(&rows.len()));
            let mut lo = [f64::MAX; 3];
            let mut hi = [f64::MIN; 3];
            for r in &rows {
                let n = (r[3] * r[3] + r[4] * r[4] + r[5] * r[5]).sqrt();
                assert!((n - 1.0).abs() < 2e-5, "normal length {n}");
                assert_eq!(r[6].fract(), 0.0);
                assert!(cat.owns_part(r[6] as usize));
                for k in 0..3 {
                    lo[k] = lo[k].min(r[k]);
                    hi[k] = hi[k].max(r[k]);
                }
            }
            let diag = (0..3).map(|k| (hi[k] - lo[k]).powi(2)).sum::<f64>().sqrt();
            assert!((diag - 1.0).abs() < 1e-3);
            seen += 1;
        }
    }
    assert_eq!(seen, 40);
    // No temporary files left behind.
    assert!(all_files(dir).keys().all(|k| !k.contains(".tmp")));
    // Category mix: Table and Chair dominate like in ShapeNetPart.
    let table = find_category("Table").unwrap().index;
    let knife = find_category("Knife").unwrap().index;
    assert!(summary.per_category[table] > summary.per_category[knife]);
}

#[test]
fn same_seed_writes_identical_files_whatever_the_threads() {
    let cfg = SynthConfig {
        categories: ours(),
        splits: [10, 3, 3],
        points: (200, 260),
        seed: 11,
        realism: Realism::off(),
    };
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    write_dataset(a.path(), &cfg, &|| {}).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| write_dataset(b.path(), &cfg, &|| {}).unwrap());
    let (fa, fb) = (all_files(a.path()), all_files(b.path()));
    assert_eq!(fa.len(), 16 + 4);
    assert_eq!(fa, fb);
    let c = tempfile::tempdir().unwrap();
    let other = SynthConfig { seed: 12, ..cfg };
    write_dataset(c.path(), &other, &|| {}).unwrap();
    assert_ne!(all_files(c.path()), fa);
}

#[test]
fn cli_writes_a_dataset_and_rejects_bad_flags() {
    let exe = env!("CARGO_BIN_EXE_pcseg");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    let status = std::process::Command::new(exe)
        .args(["synth", out.to_str().unwrap()])
        .args(["--train", "6", "--val", "2", "--test", "3"])
        .args([
            "--categories",
            "chair,table,04379243",
            "--points",
            "100..120",
        ])
        .args(["--seed", "5", "--realism", "low", "--quiet"])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(list(&out, "train").len(), 6);
    assert_eq!(list(&out, "val").len(), 2);
    assert_eq!(list(&out, "test").len(), 3);
    let files = all_files(&out);
    let shapes: Vec<_> = files
        .keys()
        .filter(|k| k.ends_with(".txt") && k.len() > 40)
        .collect();
    assert_eq!(shapes.len(), 11);
    for k in shapes {
        assert!(
            k.starts_with("03001627") || k.starts_with("04379243"),
            "{k}"
        );
    }
    for bad in [
        vec!["--categories", "sofa"],
        vec!["--points", "50..10"],
        vec!["--shapes", "4", "--train", "2"],
        vec!["--realism", "loud"],
    ] {
        let o = std::process::Command::new(exe)
            .args(["synth", tmp.path().join("bad").to_str().unwrap()])
            .args(&bad)
            .output()
            .unwrap();
        assert!(!o.status.success(), "{bad:?} accepted");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.trim().is_empty(), "{bad:?}: no message");
    }
}
