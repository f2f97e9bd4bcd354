//! Writes a synthetic dataset in the official ShapeNetPart `_normal` layout:
//! `synsetoffset2category.txt`, `<synset>/<token>.txt` (7 columns
//! `x y z nx ny nz label`, 6 decimals, label as a float) and
//! `train_test_split/shuffled_{train,val,test}_file_list.json`.
//!
//! The category mix and split sizes follow ShapeNetPart (scaled with
//! largest-remainder rounding so totals are exact). Shape `i` of the plan is
//! drawn from `Rng::for_item(seed, i)`, so the output does not depend on the
//! thread count. Every file is written under a temporary name and renamed,
//! so no partial file is ever visible.

use super::realism::Realism;
use crate::categories::{Category, CATEGORIES, SPLIT_SIZES};
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::PointCloud;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Split names in file-list order.
pub const SPLITS: [&str; 3] = ["train", "val", "test"];

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Category indices to include (official order is kept).
    pub categories: Vec<usize>,
    /// Shapes per split (train, val, test).
    pub splits: [usize; 3],
    /// Inclusive range of points per shape.
    pub points: (usize, usize),
    /// Master seed.
    pub seed: u64,
    /// Realism effects.
    pub realism: Realism,
}

impl SynthConfig {
    /// The ShapeNetPart mix for `categories`: with `shapes = None` each
    /// category gets its real count; otherwise `shapes` in total, spread in
    /// the same proportions. Split sizes follow the official train/val/test
    /// proportions.
    pub fn shapenet_mix(categories: &[usize], shapes: Option<usize>) -> Result<[usize; 3]> {
        check_categories(categories)?;
        let real: usize = categories.iter().map(|&c| CATEGORIES[c].shapes).sum();
        let total = shapes.unwrap_or(real);
        let w: Vec<f64> = SPLIT_SIZES.iter().map(|s| s.1 as f64).collect();
        let v = largest_remainder(total, &w);
        Ok([v[0], v[1], v[2]])
    }
}

fn check_categories(categories: &[usize]) -> Result<()> {
    if categories.is_empty() {
        return Err(Error::usage("no categories selected"));
    }
    if let Some(&bad) = categories.iter().find(|&&c| c >= CATEGORIES.len()) {
        return Err(Error::internal(format!(
            "category index {bad} out of range"
        )));
    }
    Ok(())
}

/// Split `total` into integer parts proportional to `weights` (Hamilton's
/// largest-remainder method; ties go to the earlier entry). Sums to `total`.
pub fn largest_remainder(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut left = total - out.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// One planned shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedShape {
    /// Global index (the RNG stream of this shape).
    pub index: u64,
    /// Category index.
    pub category: usize,
    /// Split index into [`SPLITS`].
    pub split: usize,
    /// 32 lower-case hex characters.
    pub token: String,
}

/// The shapes to generate: per-category counts proportional to the real
/// ShapeNetPart counts, and split membership spread evenly through every
/// category (each category gets its split share within one shape).
pub fn plan(config: &SynthConfig) -> Result<Vec<PlannedShape>> {
    check_categories(&config.categories)?;
    let total: usize = config.splits.iter().sum();
    let mut cats = config.categories.clone();
    cats.sort_unstable();
    cats.dedup();
    let w: Vec<f64> = cats.iter().map(|&c| CATEGORIES[c].shapes as f64).collect();
    let per_cat = largest_remainder(total, &w);
    // Multi-way Bresenham over the category-major list: each next shape goes
    // to the split furthest behind its quota, so totals are exact and every
    // contiguous category block is split proportionally.
    let mut assigned = [0usize; 3];
    let mut out = Vec::with_capacity(total);
    let mut index = 0u64;
    for (&c, &count) in cats.iter().zip(&per_cat) {
        for _ in 0..count {
            let g = (index + 1) as f64;
            let split = (0..3)
                .filter(|&s| assigned[s] < config.splits[s])
                .max_by(|&a, &b| {
                    let da = config.splits[a] as f64 * g / total as f64 - assigned[a] as f64;
                    let db = config.splits[b] as f64 * g / total as f64 - assigned[b] as f64;
                    da.total_cmp(&db).then(b.cmp(&a))
                })
                .unwrap_or(0);
            assigned[split] += 1;
            out.push(PlannedShape {
                index,
                category: c,
                split,
                token: token(config.seed, index),
            });
            index += 1;
        }
    }
    Ok(out)
}

/// The token of shape `index` under `seed`: 32 hex characters.
pub fn token(seed: u64, index: u64) -> String {
    let mut rng = Rng::for_item(seed ^ 0x7A6B_E11E_D5EE_D000, index);
    format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64())
}

/// Draw the cloud of a planned shape (number of points from its own stream).
pub fn draw(config: &SynthConfig, item: &PlannedShape) -> Result<PointCloud> {
    let mut rng = Rng::for_item(config.seed, item.index);
    let (lo, hi) = (
        config.points.0.min(config.points.1),
        config.points.0.max(config.points.1),
    );
    let n = lo + rng.below(hi - lo + 1);
    super::sample_shape(&CATEGORIES[item.category], &mut rng, n, &config.realism)
}

/// Append `v` with exactly 6 decimals (like C's `%.6f`, no allocation).
pub fn push_fixed6(buf: &mut Vec<u8>, v: f32) {
    let scaled = (v as f64 * 1e6).round();
    let scaled = if scaled.is_finite() {
        scaled.clamp(-9.0e17, 9.0e17) as i64
    } else {
        0
    };
    if scaled < 0 {
        buf.push(b'-');
    }
    let a = scaled.unsigned_abs();
    let (int, frac) = (a / 1_000_000, a % 1_000_000);
    let mut digits = [0u8; 20];
    let mut k = 0;
    let mut x = int;
    loop {
        digits[k] = b'0' + (x % 10) as u8;
        k += 1;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    buf.extend(digits[..k].iter().rev());
    buf.push(b'.');
    let mut f = [b'0'; 6];
    let mut x = frac;
    for d in f.iter_mut().rev() {
        *d = b'0' + (x % 10) as u8;
        x /= 10;
    }
    buf.extend_from_slice(&f);
}

/// Format a labelled cloud with normals as `_normal` text into `buf`.
pub fn format_cloud(cloud: &PointCloud, buf: &mut Vec<u8>) -> Result<()> {
    let normals = cloud
        .normals
        .as_ref()
        .ok_or_else(|| Error::usage("cannot write a _normal file without normals"))?;
    let labels = cloud
        .labels
        .as_ref()
        .ok_or_else(|| Error::usage("cannot write a _normal file without labels"))?;
    buf.reserve(cloud.len() * 64);
    for ((p, n), &l) in cloud.points.iter().zip(normals).zip(labels) {
        for &v in p.iter().chain(n.iter()) {
            push_fixed6(buf, v);
            buf.push(b' ');
        }
        push_fixed6(buf, l as f32);
        buf.push(b'\n');
    }
    Ok(())
}

/// Write `bytes` to `path` atomically ([`crate::io::atomic`]: a temporary
/// sibling, synced, then renamed over `path`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::io::atomic::write_atomic(path, |w| std::io::Write::write_all(w, bytes))
}

/// What [`write_dataset`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Shapes per split (train, val, test).
    pub splits: [usize; 3],
    /// Shapes per category (official order, 16 entries).
    pub per_category: Vec<usize>,
    /// Points written in total.
    pub points: usize,
}

/// Generate and write the dataset into `out` (created if missing). Calls
/// `progress` once per written shape (from worker threads).
pub fn write_dataset(
    out: &Path,
    config: &SynthConfig,
    progress: &(dyn Fn() + Sync),
) -> Result<Summary> {
    for &c in &config.categories {
        if c < CATEGORIES.len() && !super::has_generator(&CATEGORIES[c]) {
            return Err(Error::usage(format!(
                "no synthetic generator for {} yet",
                CATEGORIES[c].name
            )));
        }
    }
    let items = plan(config)?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut cats: Vec<usize> = items.iter().map(|i| i.category).collect();
    cats.dedup();
    for &c in &cats {
        let dir = out.join(CATEGORIES[c].synset);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    }
    // Shapes are independent (own RNG stream, own file), so the parallel map
    // is race-free and its output does not depend on the schedule.
    let points: Result<Vec<usize>> = items
        .par_iter()
        .map_init(Vec::new, |buf, item| {
            let cloud = draw(config, item)?;
            buf.clear();
            format_cloud(&cloud, buf)?;
            let path = shape_path(out, &CATEGORIES[item.category], &item.token);
            write_atomic(&path, buf)?;
            progress();
            Ok(cloud.len())
        })
        .collect();
    let points = points?.iter().sum();

    // Lists last: a folder with split lists is a complete dataset.
    let split_dir = out.join("train_test_split");
    std::fs::create_dir_all(&split_dir).map_err(|e| Error::io(&split_dir, e))?;
    let mut counts = [0usize; 3];
    for (s, name) in SPLITS.iter().enumerate() {
        let mut entries: Vec<String> = items
            .iter()
            .filter(|i| i.split == s)
            .map(|i| {
                format!(
                    "\"shape_data/{}/{}\"",
                    CATEGORIES[i.category].synset, i.token
                )
            })
            .collect();
        counts[s] = entries.len();
        let mut rng = Rng::for_item(config.seed ^ 0x5B11_7000, s as u64);
        rng.shuffle(&mut entries);
        let json = format!("[{}]", entries.join(", "));
        write_atomic(
            &split_dir.join(format!("shuffled_{name}_file_list.json")),
            json.as_bytes(),
        )?;
    }
    let mut cat_file = String::new();
    for c in &CATEGORIES {
        cat_file.push_str(&format!("{}\t{}\n", c.name, c.synset));
    }
    write_atomic(&out.join("synsetoffset2category.txt"), cat_file.as_bytes())?;
    let mut per_category = vec![0; CATEGORIES.len()];
    for i in &items {
        per_category[i.category] += 1;
    }
    Ok(Summary {
        splits: counts,
        per_category,
        points,
    })
}

/// `<out>/<synset>/<token>.txt`.
pub fn shape_path(out: &Path, category: &Category, token: &str) -> PathBuf {
    out.join(category.synset).join(format!("{token}.txt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_is_exact_and_proportional() {
        assert_eq!(largest_remainder(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(largest_remainder(7, &[0.5, 0.25, 0.25]), vec![3, 2, 2]);
        let w: Vec<f64> = CATEGORIES.iter().map(|c| c.shapes as f64).collect();
        let full = largest_remainder(16_881, &w);
        assert_eq!(
            full,
            CATEGORIES.iter().map(|c| c.shapes).collect::<Vec<_>>()
        );
        let small = largest_remainder(40, &w);
        assert_eq!(small.iter().sum::<usize>(), 40);
        for (i, &n) in small.iter().enumerate() {
            let exact = 40.0 * w[i] / 16_881.0;
            assert!((n as f64 - exact).abs() < 1.0);
        }
    }

    #[test]
    fn fixed6_matches_printf() {
        let cases: [(f32, &str); 7] = [
            (0.0, "0.000000"),
            (45.0, "45.000000"),
            (-0.5, "-0.500000"),
            (0.123_456_7, "0.123457"),
            (-0.000_000_1, "0.000000"),
            (1.0, "1.000000"),
            (-12.25, "-12.250000"),
        ];
        for (v, want) in cases {
            let mut b = Vec::new();
            push_fixed6(&mut b, v);
            assert_eq!(String::from_utf8(b).unwrap(), want);
        }
        let mut rng = Rng::new(3);
        for _ in 0..2000 {
            let v = rng.uniform(-1.0, 1.0);
            let mut b = Vec::new();
            push_fixed6(&mut b, v);
            let s = String::from_utf8(b).unwrap();
            let back: f64 = s.parse().unwrap();
            assert!((back - v as f64).abs() <= 5.01e-7, "{v} -> {s}");
            let reference = format!("{:.6}", v as f64);
            if reference != "-0.000000" {
                assert_eq!(s, reference);
            }
        }
    }

    #[test]
    fn plan_matches_shapenet_totals_and_splits_each_category() {
        let all: Vec<usize> = (0..16).collect();
        let splits = SynthConfig::shapenet_mix(&all, None).unwrap();
        assert_eq!(splits, [12_137, 1_870, 2_874]);
        let cfg = SynthConfig {
            categories: all,
            splits,
            points: (2400, 2800),
            seed: 1,
            realism: Realism::off(),
        };
        let p = plan(&cfg).unwrap();
        assert_eq!(p.len(), 16_881);
        for (c, cat) in CATEGORIES.iter().enumerate() {
            let items: Vec<_> = p.iter().filter(|i| i.category == c).collect();
            assert_eq!(items.len(), cat.shapes);
            let train = items.iter().filter(|i| i.split == 0).count() as f64;
            let want = cat.shapes as f64 * 12_137.0 / 16_881.0;
            assert!(
                (train - want).abs() <= 2.0,
                "{}: {train} vs {want}",
                cat.name
            );
        }
        let mut per_split = [0; 3];
        for i in &p {
            per_split[i.split] += 1;
        }
        assert_eq!(per_split, splits);
        let tokens: std::collections::HashSet<_> = p.iter().map(|i| &i.token).collect();
        assert_eq!(tokens.len(), p.len());
        assert!(p[0].token.len() == 32 && p[0].token.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
