//! The realism gap: how far the synthetic generators are from a set of real
//! labelled shapes (`pcseg synth --compare REF_DIR`).
//!
//! For every category present in the reference set this draws N synthetic
//! shapes and measures, against the reference shapes of that category:
//!
//! - **part point shares**: the fraction of points carrying each part,
//!   pooled over the N synthetic shapes and over the reference shapes;
//! - **coverage**: for each reference shape, the [`chamfer`] distance to its
//!   nearest synthetic shape, and the **label agreement** of that match (the
//!   fraction of reference points whose nearest point in the matched
//!   synthetic shape carries the same part label);
//! - a **sampling floor**: the Chamfer distance and label agreement between
//!   two independent samplings of the same synthetic shape, i.e. what a
//!   generator that reproduced the real shapes exactly would score at this
//!   point density.
//!
//! Both sides are compared at the same point count (the smallest reference
//! shape of the category, at most [`CompareOptions::max_points`]; larger
//! reference shapes are randomly subsampled, synthetic shapes are generated
//! at that count) and in the same frame: each cloud is centred on its
//! bounding-box centre and scaled to bounding-box diagonal 1
//! ([`normalize_frame`], the ShapeNetPart frame). There is no rotation
//! search: the generators promise the ShapeNetPart orientation, so a frame
//! mismatch counts as a gap.
//!
//! Everything is deterministic for a seed; the work is split over reference
//! shapes with rayon and collected in input order.

use super::{build_shape, normalize_frame, sample_shape, Realism};
use crate::categories::Category;
use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use crate::geometry::PointTree;
use crate::render::{render_gallery, Image, RenderItem, RenderOptions, View};
use crate::rng::Rng;
use rayon::prelude::*;
use std::fmt::Write as _;

/// Salt of the synthetic shape streams (one stream per category).
const SYNTH_SALT: u64 = 0xC0A1_FA11_5EED_0001;
/// Salt of the reference subsampling streams.
const SUBSAMPLE_SALT: u64 = 0xC0A1_FA11_5EED_0002;
/// Salt of the second sampling used for the sampling floor.
const FLOOR_SALT: u64 = 0xC0A1_FA11_5EED_0003;
/// Synthetic shapes per category used to estimate the sampling floor.
pub const FLOOR_SHAPES: usize = 32;

/// Settings of a comparison.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Synthetic shapes drawn per category.
    pub per_category: usize,
    /// Seed of the synthetic shapes and of the reference subsampling.
    pub seed: u64,
    /// Cap on the points compared per shape.
    pub max_points: usize,
    /// Realism effects applied to the synthetic shapes.
    pub realism: Realism,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            per_category: 200,
            seed: 1,
            max_points: 1024,
            realism: Realism::off(),
        }
    }
}

/// A real labelled shape to compare against.
#[derive(Debug, Clone)]
pub struct RefShape {
    /// Its name (`synset/token`).
    pub name: String,
    /// Its category.
    pub category: &'static Category,
    /// Its points, labelled with global part ids.
    pub cloud: PointCloud,
}

/// One reference shape and its nearest synthetic shape.
#[derive(Debug, Clone)]
pub struct Match {
    /// Name of the reference shape.
    pub name: String,
    /// Points of the reference shape as read.
    pub original_points: usize,
    /// Index of the nearest synthetic shape (`0..per_category`).
    pub nearest: usize,
    /// Chamfer distance to it ([`chamfer`]).
    pub chamfer: f32,
    /// Fraction of reference points whose nearest point in the matched
    /// synthetic shape has the same label.
    pub label_agreement: f32,
    /// The compared reference cloud (subsampled, normalised).
    pub reference: PointCloud,
    /// The matched synthetic cloud (normalised).
    pub synthetic: PointCloud,
}

/// The comparison of one category.
#[derive(Debug, Clone)]
pub struct CategoryReport {
    /// The category.
    pub category: &'static Category,
    /// Points compared per shape.
    pub points: usize,
    /// Synthetic shapes drawn.
    pub synthetic_shapes: usize,
    /// Part point shares of the synthetic shapes (local part order).
    pub synth_shares: Vec<f64>,
    /// Part point shares of the reference shapes (local part order).
    pub ref_shares: Vec<f64>,
    /// One match per reference shape, in input order.
    pub matches: Vec<Match>,
    /// Median Chamfer distance between two samplings of one synthetic shape.
    pub floor_chamfer: f32,
    /// Mean label agreement between two samplings of one synthetic shape.
    pub floor_agreement: f32,
}

impl CategoryReport {
    /// Median Chamfer distance of the reference shapes to their nearest
    /// synthetic shape.
    pub fn median_chamfer(&self) -> f32 {
        median(self.matches.iter().map(|m| m.chamfer).collect())
    }

    /// Mean label agreement over the reference shapes.
    pub fn mean_agreement(&self) -> f32 {
        mean(self.matches.iter().map(|m| m.label_agreement))
    }

    /// The part with the largest absolute share difference: (local part,
    /// |synthetic - reference|).
    pub fn largest_share_gap(&self) -> (usize, f64) {
        share_gaps(&self.synth_shares, &self.ref_shares)
            .into_iter()
            .enumerate()
            .fold(
                (0, -1.0),
                |best, (i, g)| if g > best.1 { (i, g) } else { best },
            )
    }
}

/// The whole comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The settings used.
    pub options: CompareOptions,
    /// One report per category with reference shapes, in category order.
    pub categories: Vec<CategoryReport>,
}

impl Comparison {
    /// Number of reference shapes compared.
    pub fn reference_shapes(&self) -> usize {
        self.categories.iter().map(|c| c.matches.len()).sum()
    }

    /// Median Chamfer distance over all reference shapes.
    pub fn overall_median_chamfer(&self) -> f32 {
        median(self.all_matches().map(|m| m.chamfer).collect())
    }

    /// Mean label agreement over all reference shapes.
    pub fn overall_agreement(&self) -> f32 {
        mean(self.all_matches().map(|m| m.label_agreement))
    }

    /// Median of the per-category sampling floors.
    pub fn overall_floor(&self) -> f32 {
        median(self.categories.iter().map(|c| c.floor_chamfer).collect())
    }

    fn all_matches(&self) -> impl Iterator<Item = &Match> {
        self.categories.iter().flat_map(|c| c.matches.iter())
    }
}

/// Median of `v` (mean of the two middle values for an even count; NaN when
/// empty).
pub fn median(mut v: Vec<f32>) -> f32 {
    if v.is_empty() {
        return f32::NAN;
    }
    v.sort_by(f32::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn mean(v: impl Iterator<Item = f32>) -> f32 {
    let (s, n) = v.fold((0.0f64, 0usize), |(s, n), x| (s + x as f64, n + 1));
    if n == 0 {
        f32::NAN
    } else {
        (s / n as f64) as f32
    }
}

/// For every query, the distance (not squared) to its nearest point in
/// `tree` and that point's index (ties: lower index). `tree` must not be
/// empty.
pub fn nearest_distances(queries: &[[f32; 3]], tree: &PointTree) -> Vec<(f32, u32)> {
    let mut buf = Vec::with_capacity(2);
    queries
        .iter()
        .map(|q| {
            tree.nearest_k(q, 1, &mut buf);
            let (d2, i) = buf[0];
            (d2.sqrt(), i)
        })
        .collect()
}

fn mean_nearest(queries: &[[f32; 3]], tree: &PointTree) -> f64 {
    let mut buf = Vec::with_capacity(2);
    let mut sum = 0.0f64;
    for q in queries {
        tree.nearest_k(q, 1, &mut buf);
        sum += (buf[0].0 as f64).sqrt();
    }
    sum / queries.len() as f64
}

/// Symmetric Chamfer distance with **unsquared** nearest-neighbour
/// distances: `(mean_a min_b |a-b| + mean_b min_a |b-a|) / 2`, in the units
/// of the points (bounding-box diagonals after [`normalize_frame`]).
/// `tree_a` and `tree_b` are trees over `a` and `b`. Both clouds must be
/// non-empty.
pub fn chamfer(a: &[[f32; 3]], tree_a: &PointTree, b: &[[f32; 3]], tree_b: &PointTree) -> f32 {
    assert!(!a.is_empty() && !b.is_empty(), "chamfer of an empty cloud");
    (0.5 * (mean_nearest(a, tree_b) + mean_nearest(b, tree_a))) as f32
}

/// [`chamfer`] by brute force, O(|a| |b|), for tests and tiny clouds.
pub fn chamfer_brute(a: &[[f32; 3]], b: &[[f32; 3]]) -> f32 {
    assert!(!a.is_empty() && !b.is_empty(), "chamfer of an empty cloud");
    let one_way = |from: &[[f32; 3]], to: &[[f32; 3]]| {
        from.iter()
            .map(|p| {
                to.iter()
                    .map(|q| crate::geometry::dist2(p, q))
                    .fold(f32::INFINITY, f32::min)
                    .sqrt() as f64
            })
            .sum::<f64>()
            / from.len() as f64
    };
    (0.5 * (one_way(a, b) + one_way(b, a))) as f32
}

/// Fraction of the points of `a` whose nearest point in `b` (tree
/// `tree_b`) carries the same label. Unlabelled clouds agree nowhere.
pub fn label_agreement(a: &PointCloud, b: &PointCloud, tree_b: &PointTree) -> f32 {
    let (Some(la), Some(lb)) = (&a.labels, &b.labels) else {
        return 0.0;
    };
    if a.is_empty() {
        return 0.0;
    }
    let same = nearest_distances(&a.points, tree_b)
        .iter()
        .zip(la)
        .filter(|((_, j), &l)| lb[*j as usize] == l)
        .count();
    same as f32 / a.len() as f32
}

/// Part point shares of `clouds` pooled, in the local part order of
/// `category`: the number of points labelled with each part over all points
/// (labels of other categories count in the total only).
pub fn part_shares<'a>(
    category: &Category,
    clouds: impl IntoIterator<Item = &'a PointCloud>,
) -> Vec<f64> {
    let mut counts = vec![0usize; category.num_parts()];
    let mut total = 0usize;
    for c in clouds {
        total += c.len();
        for &l in c.labels.iter().flatten() {
            if category.owns_part(l as usize) {
                counts[l as usize - category.first_part] += 1;
            }
        }
    }
    counts
        .iter()
        .map(|&n| {
            if total == 0 {
                0.0
            } else {
                n as f64 / total as f64
            }
        })
        .collect()
}

/// `|synth - ref|` per part.
pub fn share_gaps(synth: &[f64], reference: &[f64]) -> Vec<f64> {
    synth
        .iter()
        .zip(reference)
        .map(|(a, b)| (a - b).abs())
        .collect()
}

/// A random subset of `n` points of `cloud` (all of it when it has at most
/// `n`), in the cloud's order.
pub fn subsample(cloud: &PointCloud, n: usize, rng: &mut Rng) -> PointCloud {
    if cloud.len() <= n {
        return cloud.clone();
    }
    let mut idx: Vec<usize> = (0..cloud.len()).collect();
    for i in 0..n {
        let j = i + rng.below(cloud.len() - i);
        idx.swap(i, j);
    }
    idx.truncate(n);
    idx.sort_unstable();
    cloud.select(&idx)
}

/// The `i`-th synthetic shape of `category` for `options`, with `points`
/// points, in the ShapeNetPart frame.
pub fn synthetic_shape(
    category: &Category,
    i: usize,
    points: usize,
    options: &CompareOptions,
) -> Result<PointCloud> {
    let mut rng = synth_rng(category, i, options.seed);
    let mut cloud = sample_shape(category, &mut rng, points, &options.realism)?;
    normalize_frame(&mut cloud);
    Ok(cloud)
}

fn synth_rng(category: &Category, i: usize, seed: u64) -> Rng {
    let stream =
        seed ^ SYNTH_SALT ^ (category.index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Rng::for_item(stream, i as u64)
}

/// Chamfer distance and label agreement between two independent samplings
/// of the same synthetic shape `i`.
fn floor_pair(category: &Category, i: usize, points: usize, seed: u64) -> Result<(f32, f32)> {
    let mut rng = synth_rng(category, i, seed ^ FLOOR_SALT);
    let shape = build_shape(category, &mut rng)?;
    let mut a = shape.sample(category, points, &mut rng)?;
    let mut b = shape.sample(category, points, &mut rng)?;
    normalize_frame(&mut a);
    normalize_frame(&mut b);
    let (ta, tb) = (PointTree::new(&a.points), PointTree::new(&b.points));
    Ok((
        chamfer(&a.points, &ta, &b.points, &tb),
        label_agreement(&a, &b, &tb),
    ))
}

/// Compare the generators with `references` (any order, any categories).
/// Categories without reference shapes are left out.
pub fn compare(references: &[RefShape], options: &CompareOptions) -> Result<Comparison> {
    if options.per_category == 0 {
        return Err(Error::usage("--per-category must be at least 1"));
    }
    if options.max_points == 0 {
        return Err(Error::usage("the point cap must be at least 1"));
    }
    if references.is_empty() {
        return Err(Error::usage("no reference shapes to compare with"));
    }
    if let Some(r) = references.iter().find(|r| r.cloud.is_empty()) {
        return Err(Error::usage(format!("{}: no points", r.name)));
    }
    let mut categories: Vec<&'static Category> = references.iter().map(|r| r.category).collect();
    categories.sort_by_key(|c| c.index);
    categories.dedup_by_key(|c| c.index);
    let mut out = Vec::with_capacity(categories.len());
    for category in categories {
        // Reference shapes of the category, with their index in the input
        // (the subsampling stream).
        let refs: Vec<(usize, &RefShape)> = references
            .iter()
            .enumerate()
            .filter(|(_, r)| r.category.index == category.index)
            .collect();
        let points = refs
            .iter()
            .map(|(_, r)| r.cloud.len())
            .min()
            .unwrap_or(1)
            .min(options.max_points);
        let synth: Vec<PointCloud> = (0..options.per_category)
            .into_par_iter()
            .map(|i| synthetic_shape(category, i, points, options))
            .collect::<Result<_>>()?;
        let synth_trees: Vec<PointTree> = synth
            .par_iter()
            .map(|c| PointTree::new(&c.points))
            .collect();
        let matches: Vec<Match> = refs
            .par_iter()
            .map(|&(k, r)| {
                let mut rng = Rng::for_item(options.seed ^ SUBSAMPLE_SALT, k as u64);
                let mut reference = subsample(&r.cloud, points, &mut rng);
                normalize_frame(&mut reference);
                let tree = PointTree::new(&reference.points);
                let (mut best, mut best_d) = (0usize, f32::INFINITY);
                for (i, (s, st)) in synth.iter().zip(&synth_trees).enumerate() {
                    let d = chamfer(&reference.points, &tree, &s.points, st);
                    if d < best_d {
                        (best, best_d) = (i, d);
                    }
                }
                let agreement = label_agreement(&reference, &synth[best], &synth_trees[best]);
                Match {
                    name: r.name.clone(),
                    original_points: r.cloud.len(),
                    nearest: best,
                    chamfer: best_d,
                    label_agreement: agreement,
                    reference,
                    synthetic: synth[best].clone(),
                }
            })
            .collect();
        let floors: Vec<(f32, f32)> = (0..FLOOR_SHAPES)
            .into_par_iter()
            .map(|i| floor_pair(category, i, points, options.seed))
            .collect::<Result<_>>()?;
        out.push(CategoryReport {
            category,
            points,
            synthetic_shapes: synth.len(),
            synth_shares: part_shares(category, &synth),
            ref_shares: part_shares(category, refs.iter().map(|(_, r)| &r.cloud)),
            matches,
            floor_chamfer: median(floors.iter().map(|f| f.0).collect()),
            floor_agreement: mean(floors.iter().map(|f| f.1)),
        });
    }
    Ok(Comparison {
        options: options.clone(),
        categories: out,
    })
}

/// The token of a `synset/token` name, shortened to 8 characters.
fn short_name(name: &str) -> &str {
    let token = name.rsplit('/').next().unwrap_or(name);
    token.get(..8).unwrap_or(token)
}

/// A picture of a category: one row per reference shape, the real shape on
/// the left and its nearest synthetic shape on the right, coloured by part,
/// in `size` px tiles.
pub fn render_category(report: &CategoryReport, size: u32) -> Result<Image> {
    let mut items = Vec::with_capacity(2 * report.matches.len());
    for m in &report.matches {
        items.push(RenderItem {
            cloud: m.reference.clone(),
            name: format!("real {}", short_name(&m.name)),
            category: Some(report.category),
        });
        items.push(RenderItem {
            cloud: m.synthetic.clone(),
            name: format!(
                "synth #{} cd {:.3} {:.0}%",
                m.nearest,
                m.chamfer,
                100.0 * m.label_agreement
            ),
            category: Some(report.category),
        });
    }
    let opts = RenderOptions {
        view: View::Iso,
        size,
        category: Some(report.category),
        ..RenderOptions::default()
    };
    render_gallery(&items, 2, &opts)
}

/// File name of a category's picture (`airplane.png`).
pub fn image_file_name(category: &Category) -> String {
    format!("{}.png", category.name.to_ascii_lowercase())
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The Markdown report. `command` is shown as the command that produced it;
/// `image_dir` is the link prefix of the pictures (`realism/`), or `None`
/// for a report without pictures.
pub fn markdown(cmp: &Comparison, command: &str, image_dir: Option<&str>) -> String {
    let o = &cmp.options;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Realism gap: synthetic generators against real shapes\n\n\
         This report measures how far the procedural generators of `src/synth/` are from a set \
         of real labelled ShapeNetPart shapes. For each category it draws {} synthetic shapes \
         (realism {}) and compares them with the reference shapes of that category:\n\n\
         - **Part shares**: the fraction of points carrying each part, pooled over the synthetic \
         shapes and over the reference shapes, and their absolute difference (in percentage points).\n\
         - **Chamfer**: for every reference shape, the symmetric Chamfer distance to its nearest \
         synthetic shape, `(mean over a of min_b |a-b| + mean over b of min_a |a-b|) / 2` with \
         **unsquared** Euclidean distances, in units of the bounding-box diagonal. Both clouds \
         have the same number of points (the smallest reference shape of the category, at most \
         {}; larger reference shapes are randomly subsampled) and the same frame: each is centred \
         on its bounding-box centre and scaled to bounding-box diagonal 1. There is no rotation \
         search, so a wrong orientation counts as a gap.\n\
         - **Label agreement**: the fraction of reference points whose nearest point in the \
         matched synthetic shape has the same part label. Low agreement with a small Chamfer \
         distance points at a label-convention mismatch (the right geometry, labelled as another part).\n\
         - **Floor**: the same two measures between two independent samplings of one synthetic \
         shape (median Chamfer, mean agreement over {} shapes). A generator that reproduced the real \
         shapes exactly would score about this at this point density.\n\n\
         The reference shapes are a small sample of ShapeNet; a large distance says no synthetic \
         shape resembles that real one, not that the whole category is wrong.\n",
        o.per_category,
        o.realism,
        o.max_points,
        FLOOR_SHAPES
    );
    let _ = writeln!(s, "Produced by (seed {}):\n\n```\n{command}\n```\n", o.seed);
    let _ = writeln!(s, "## Summary\n");
    let _ = writeln!(
        s,
        "| Category | Ref shapes | Points | Median Chamfer | Floor | Label agreement | Floor agreement | Largest part share gap |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---|");
    for c in &cmp.categories {
        let (part, gap) = c.largest_share_gap();
        let _ = writeln!(
            s,
            "| [{name}](#{anchor}) | {} | {} | {:.4} | {:.4} | {} | {} | {} {:.1} pp (synth {}, real {}) |",
            c.matches.len(),
            c.points,
            c.median_chamfer(),
            c.floor_chamfer,
            pct(c.mean_agreement() as f64),
            pct(c.floor_agreement as f64),
            c.category.parts[part],
            100.0 * gap,
            pct(c.synth_shares[part]),
            pct(c.ref_shares[part]),
            name = c.category.name,
            anchor = c.category.name.to_ascii_lowercase(),
        );
    }
    let _ = writeln!(
        s,
        "| **All** | {} | | **{:.4}** | {:.4} | **{}** | | |\n",
        cmp.reference_shapes(),
        cmp.overall_median_chamfer(),
        cmp.overall_floor(),
        pct(cmp.overall_agreement() as f64)
    );
    let _ = writeln!(
        s,
        "Median Chamfer of **All** is over all reference shapes, its floor the median of the \
         category floors; label agreement is the mean over reference shapes.\n"
    );
    for c in &cmp.categories {
        let _ = writeln!(s, "## {}\n", c.category.name);
        let _ = writeln!(
            s,
            "{} reference shapes, {} synthetic shapes, {} points a shape. Median Chamfer {:.4} \
             (floor {:.4}), label agreement {} (floor {}).\n",
            c.matches.len(),
            c.synthetic_shapes,
            c.points,
            c.median_chamfer(),
            c.floor_chamfer,
            pct(c.mean_agreement() as f64),
            pct(c.floor_agreement as f64)
        );
        if let Some(dir) = image_dir {
            let _ = writeln!(
                s,
                "![{name}: real shapes (left) and their nearest synthetic shapes (right)]({dir}{file})\n",
                name = c.category.name,
                file = image_file_name(c.category)
            );
        }
        let _ = writeln!(s, "| Part | Synthetic | Reference | Difference |");
        let _ = writeln!(s, "|---|---:|---:|---:|");
        let gaps = share_gaps(&c.synth_shares, &c.ref_shares);
        for (p, name) in c.category.parts.iter().enumerate() {
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {:.1} pp |",
                pct(c.synth_shares[p]),
                pct(c.ref_shares[p]),
                100.0 * gaps[p]
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "| Reference shape | Points | Nearest synthetic | Chamfer | Label agreement |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|");
        for m in &c.matches {
            let _ = writeln!(
                s,
                "| {} | {} | #{} | {:.4} | {} |",
                m.name,
                m.original_points,
                m.nearest,
                m.chamfer,
                pct(m.label_agreement as f64)
            );
        }
        let _ = writeln!(s);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::CATEGORIES;

    #[test]
    fn median_handles_odd_even_and_empty() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(vec![]).is_nan());
    }

    #[test]
    fn subsample_keeps_order_and_count() {
        let c = PointCloud::from_points((0..50).map(|i| [i as f32, 0.0, 0.0]).collect());
        let s = subsample(&c, 10, &mut Rng::new(4));
        assert_eq!(s.len(), 10);
        assert!(s.points.windows(2).all(|w| w[0][0] < w[1][0]));
        assert_eq!(subsample(&c, 80, &mut Rng::new(4)), c);
    }

    #[test]
    fn synthetic_shapes_are_reproducible_and_normalised() {
        let opts = CompareOptions::default();
        let mug = &CATEGORIES[11];
        let a = synthetic_shape(mug, 3, 200, &opts).unwrap();
        assert_eq!(a, synthetic_shape(mug, 3, 200, &opts).unwrap());
        assert_ne!(a, synthetic_shape(mug, 4, 200, &opts).unwrap());
        let (lo, hi) = a.bbox().unwrap();
        let diag: f32 = (0..3).map(|k| (hi[k] - lo[k]).powi(2)).sum::<f32>().sqrt();
        assert!((diag - 1.0).abs() < 1e-4);
    }
}
