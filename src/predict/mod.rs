//! From a raw point cloud to a part label per point: the inference pipeline
//! shared by `pcseg run` and `pcseg eval`.
//!
//! 1. normalise to the unit sphere and sample N points exactly as training
//!    does ([`crate::predict::sample::prepare_cloud`]);
//! 2. normals: the source's when it has them, otherwise PCA normals of the
//!    N sampled points from their 16 nearest sampled neighbours, oriented
//!    outward from the centroid (exactly as training estimates them, so the
//!    neighbourhood scale does not depend on the scanner's density);
//! 3. the network, once per vote (each vote samples with its own seed, as the
//!    PointNet++ reference votes do), logits averaged over votes;
//! 4. the category: given, or chosen by [`choose_category`];
//! 5. every input point gets the inverse-distance-weighted logits of its 3
//!    nearest sampled points; its label is the argmax over the category's parts.

pub mod orient;
pub mod probabilities;
pub mod sample;

use crate::categories::{Category, CATEGORIES, NUM_CATEGORIES};
use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use crate::geometry::Normalization;
use crate::geometry::{
    estimate_normals, transfer_labels_idw_sum, transfer_logits_idw, PointTree, DEFAULT_NORMAL_K,
};
use crate::model::{CloudInput, Network};
use crate::predict::sample::prepare_normalized;
use crate::rng::Rng;
use ndarray::{Array2, Axis};

/// How to run the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PredictOptions {
    /// Points the network sees (N) of a cloud it does not see whole.
    pub points: usize,
    /// Clouds with at most this many points are seen whole (every point,
    /// padded by repeats up to `points` when smaller); larger clouds are
    /// sampled to `points`. 0: always sample.
    pub whole_max: usize,
    /// Forward passes averaged, each with its own sample of the cloud; odd
    /// passes see the sample mirrored left-right (z -> -z).
    pub votes: usize,
    /// Seed of the sampling; the whole pipeline is deterministic for a seed.
    pub seed: u64,
}

impl Default for PredictOptions {
    fn default() -> Self {
        PredictOptions {
            points: 2048,
            whole_max: DEFAULT_WHOLE_MAX,
            votes: DEFAULT_VOTES,
            seed: 0,
        }
    }
}

/// Most points one forward pass may see (`--points`, `--whole-max`): 32
/// times the default, and about 1 GB of activations.
pub const MAX_POINTS: usize = 65_536;

/// Most test-time votes (`--votes`).
pub const MAX_VOTES: usize = 64;

/// Default [`PredictOptions::votes`]: the cloud and its mirror image
/// (left and right swapped; odd votes see the mirror image), logits
/// averaged. On the 52 real reference shapes two such votes score 70.31
/// instance mIoU against 69.61 for one vote and 69.88 for two resampled
/// votes of the same cloud (65.19 against 64.55 with the category chosen by
/// the network); on the 4 full real samples 87.10 against 86.07.
pub const DEFAULT_VOTES: usize = 2;

/// Default [`PredictOptions::whole_max`]: ShapeNetPart shapes (about 2,000
/// to 3,000 points) are seen whole, which scores about one point of mIoU
/// higher than sampling 2,048 of them and interpolating the rest.
pub const DEFAULT_WHOLE_MAX: usize = 4096;

/// How many points the network sees of a cloud of `len` points.
///
/// ```
/// use pcseg::predict::{points_seen, PredictOptions};
/// let o = PredictOptions::default(); // 2,048 points, whole up to 4,096
/// assert_eq!(points_seen(1_000, &o), 2_048); // all, padded by repeats
/// assert_eq!(points_seen(2_900, &o), 2_900); // all
/// assert_eq!(points_seen(50_000, &o), 2_048); // sampled
/// assert_eq!(points_seen(2_900, &PredictOptions { whole_max: 0, ..o }), 2_048);
/// ```
pub fn points_seen(len: usize, options: &PredictOptions) -> usize {
    if len <= options.whole_max {
        len.max(options.points)
    } else {
        options.points
    }
}

/// Which category to segment under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryChoice {
    /// The category is known.
    Given(&'static Category),
    /// Let [`choose_category`] pick it.
    Auto,
}

/// How `--category auto` decided.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoChoice {
    /// Score of every category, indexed by category: the classifier's
    /// probability averaged over votes, or (for a model without a classifier)
    /// the mean over points of the largest probability among the category's
    /// parts.
    pub scores: [f32; NUM_CATEGORIES],
    /// Best score minus the second best.
    pub margin: f32,
}

/// The result of segmenting one cloud.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The category segmented under.
    pub category: &'static Category,
    /// Global part id per input point.
    pub labels: Vec<u32>,
    /// Present when the category was chosen automatically.
    pub auto: Option<AutoChoice>,
}

/// One vote's network input: the sampled points in the unit-sphere frame and
/// their normals.
struct VoteInput {
    points: Vec<[f32; 3]>,
    normals: Vec<[f32; 3]>,
    /// For each point the network sees, its index in the source cloud.
    indices: Vec<usize>,
    seed: u64,
    /// Leading points in FPS order from the first (see
    /// [`CloudInput::fps_ordered`]).
    fps_ordered: usize,
    /// The points and normals mirrored left-right (z -> -z), which the
    /// network sees instead in the odd votes.
    mirrored: Option<Mirrored>,
}

/// A vote's points and normals reflected in the x-y plane.
struct Mirrored {
    points: Vec<[f32; 3]>,
    normals: Vec<[f32; 3]>,
}

fn vote_input(
    cloud: &PointCloud,
    normalized: &[[f32; 3]],
    normalization: Normalization,
    n: usize,
    seed: u64,
    mirror: bool,
) -> VoteInput {
    let mut rng = Rng::new(seed);
    let prepared = prepare_normalized(cloud, normalized, normalization, n, &mut rng);
    // Same rule as training (`train::data::prepare_item`): normals missing
    // from the source are estimated on the N sampled points.
    let normals = match prepared.cloud.normals {
        Some(normals) => normals,
        None => estimate_normals(&prepared.cloud.points, DEFAULT_NORMAL_K),
    };
    let mirrored = mirror.then(|| Mirrored {
        points: mirror_z(&prepared.cloud.points),
        normals: mirror_z(&normals),
    });
    VoteInput {
        points: prepared.cloud.points,
        normals,
        // `sample_indices` puts the first `min(len, n)` points in FPS order
        // (the rest, if any, repeat points); mirroring keeps every distance.
        fps_ordered: cloud.len().min(n),
        indices: prepared.indices,
        seed: rng.next_u64(),
        mirrored,
    }
}

/// The vectors reflected in the x-y plane (z -> -z): left and right swapped,
/// which leaves every ShapeNetPart part where it was (no category has
/// separate left and right parts).
fn mirror_z(v: &[[f32; 3]]) -> Vec<[f32; 3]> {
    v.iter().map(|&[x, y, z]| [x, y, -z]).collect()
}

impl VoteInput {
    fn input(&self, category: usize) -> CloudInput<'_> {
        let (points, normals) = match &self.mirrored {
            Some(m) => (&m.points, &m.normals),
            None => (&self.points, &self.normals),
        };
        CloudInput {
            points,
            normals: Some(normals),
            category,
            seed: self.seed,
            fps_ordered: self.fps_ordered,
        }
    }
}

/// Softmax over `category`'s parts of each row, then the mean over rows of the
/// largest probability: how confident the network is under that category.
fn confidence(logits: &Array2<f32>, category: &Category) -> f32 {
    let range = category.part_range();
    let mut total = 0f64;
    for row in logits.axis_iter(Axis(0)) {
        let part = &row.as_slice().expect("logits rows are contiguous")[range.clone()];
        let max = part.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum: f32 = part.iter().map(|&v| (v - max).exp()).sum();
        total += (1.0 / sum) as f64;
    }
    (total / logits.nrows().max(1) as f64) as f32
}

/// What [`choose_category`] decided, with the chosen category's logits.
#[derive(Debug, Clone)]
pub struct AutoDecision {
    /// The chosen category.
    pub category: &'static Category,
    /// The scores behind the choice.
    pub choice: AutoChoice,
    /// Logits `[N, P]` under the chosen category, one array per vote.
    pub logits: Vec<Array2<f32>>,
}

/// Pick the category of a cloud from its encoded votes: the category the
/// network's classifier finds most probable (probabilities averaged over
/// votes), or, for a model without a classifier, the category whose decoding
/// the network is most confident about (mean max-probability over points,
/// averaged over votes).
///
/// This is the one place that decides `--category auto`.
pub fn choose_category(net: &Network, encoded: &[crate::model::Encoded]) -> Result<AutoDecision> {
    if net.has_classifier() {
        return classify(net, encoded);
    }
    let mut scores = [0f32; NUM_CATEGORIES];
    let mut logits: Vec<Vec<Array2<f32>>> = Vec::with_capacity(encoded.len());
    for enc in encoded {
        let mut per_category = Vec::with_capacity(NUM_CATEGORIES);
        for c in &CATEGORIES {
            let l = net.decode(enc, c.index)?;
            scores[c.index] += confidence(&l, c) / encoded.len() as f32;
            per_category.push(l);
        }
        logits.push(per_category);
    }
    let mut order: Vec<usize> = (0..NUM_CATEGORIES).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let best = order[0];
    Ok(AutoDecision {
        category: &CATEGORIES[best],
        choice: AutoChoice {
            scores,
            margin: scores[best] - scores[order[1]],
        },
        logits: logits
            .into_iter()
            .map(|mut per| per.swap_remove(best))
            .collect(),
    })
}

fn classify(net: &Network, encoded: &[crate::model::Encoded]) -> Result<AutoDecision> {
    let mut scores = [0f32; NUM_CATEGORIES];
    for enc in encoded {
        let p = enc
            .category_probabilities()
            .ok_or_else(|| Error::model("the network has no category classifier"))?;
        for (s, v) in scores.iter_mut().zip(p) {
            *s += v / encoded.len() as f32;
        }
    }
    let best = crate::model::classifier::argmax(&scores);
    let second = (0..NUM_CATEGORIES)
        .filter(|&c| c != best)
        .map(|c| scores[c])
        .fold(0.0, f32::max);
    let logits = encoded
        .iter()
        .map(|e| net.decode(e, best))
        .collect::<Result<Vec<_>>>()?;
    Ok(AutoDecision {
        category: &CATEGORIES[best],
        choice: AutoChoice {
            scores,
            margin: scores[best] - second,
        },
        logits,
    })
}

/// Check that a cloud can be segmented: the same checks as every reader
/// makes ([`crate::io::validate_cloud`]: points, finite values, per-point
/// arrays of the right length).
pub fn check_cloud(cloud: &PointCloud, name: &str) -> Result<()> {
    crate::io::validate_cloud(cloud, std::path::Path::new(name), None)
}

/// Check `cloud` and the options, and sample its votes: the source points
/// in the unit-sphere frame (for the label transfer) and one network input
/// per vote, vote `v` seeded by `(options.seed, v)`.
fn prepare_votes(
    cloud: &PointCloud,
    options: &PredictOptions,
    name: &str,
) -> Result<(Vec<[f32; 3]>, Vec<VoteInput>)> {
    check_cloud(cloud, name)?;
    if options.points == 0 || options.votes == 0 {
        return Err(Error::usage("--points and --votes must be at least 1"));
    }
    let (normalized, normalization) = crate::geometry::normalize_cloud(cloud);
    let votes = (0..options.votes)
        .map(|v| {
            let seed = Rng::for_item(options.seed, v as u64).next_u64();
            let n = points_seen(cloud.len(), options);
            vote_input(cloud, &normalized, normalization, n, seed, v % 2 == 1)
        })
        .collect();
    Ok((normalized, votes))
}

/// Segment one cloud. `name` is used in error messages. Runs on the calling
/// thread except for the label transfer, which is parallel over points.
pub fn predict(
    net: &Network,
    cloud: &PointCloud,
    choice: CategoryChoice,
    options: &PredictOptions,
    name: &str,
) -> Result<Prediction> {
    Ok(predict_full(net, cloud, choice, options, name, false)?.0)
}

/// [`predict`] and the part probabilities of every input point under the
/// category segmented under: the softmax over the category's parts of the
/// logits averaged over votes, whose argmax the labels are.
/// `len * category.num_parts()` values, row-major (point, then part from
/// `category.first_part`); each row sums to 1.
pub fn predict_with_probabilities(
    net: &Network,
    cloud: &PointCloud,
    choice: CategoryChoice,
    options: &PredictOptions,
    name: &str,
) -> Result<(Prediction, Vec<f32>)> {
    let (p, probs) = predict_full(net, cloud, choice, options, name, true)?;
    Ok((p, probs.unwrap_or_default()))
}

/// [`predict`], with the probabilities of [`predict_with_probabilities`]
/// when `probabilities` is set.
pub(crate) fn predict_full(
    net: &Network,
    cloud: &PointCloud,
    choice: CategoryChoice,
    options: &PredictOptions,
    name: &str,
    probabilities: bool,
) -> Result<(Prediction, Option<Vec<f32>>)> {
    let (normalized, votes) = prepare_votes(cloud, options, name)?;
    let (category, auto, logits) = match choice {
        CategoryChoice::Given(c) => {
            let logits = votes
                .iter()
                .map(|v| net.forward_one(&v.input(c.index)))
                .collect::<Result<Vec<_>>>()?;
            (c, None, logits)
        }
        CategoryChoice::Auto => {
            let encoded = votes
                .iter()
                .map(|v| net.encode(&v.input(0)))
                .collect::<Result<Vec<_>>>()?;
            let d = choose_category(net, &encoded)?;
            (d.category, Some(d.choice), d.logits)
        }
    };
    let (labels, probs) = if probabilities {
        let mut sum = transfer_logits(category, &votes, &logits, &normalized)?;
        let labels = argmax_labels(category, &sum);
        softmax_rows(&mut sum, category.num_parts(), options.votes);
        (labels, Some(sum))
    } else {
        (
            transfer_labels(category, &votes, &logits, &normalized)?,
            None,
        )
    };
    Ok((
        Prediction {
            category,
            labels,
            auto,
        },
        probs,
    ))
}

/// Part probabilities of every input point under a given category: the
/// softmax over `category`'s parts of the logits averaged over votes, which
/// [`predict`] takes the argmax of. `len * category.num_parts()` values,
/// row-major (point, then part from `category.first_part`).
pub fn part_probabilities(
    net: &Network,
    cloud: &PointCloud,
    category: &'static Category,
    options: &PredictOptions,
    name: &str,
) -> Result<Vec<f32>> {
    let (normalized, votes) = prepare_votes(cloud, options, name)?;
    let logits = votes
        .iter()
        .map(|v| net.forward_one(&v.input(category.index)))
        .collect::<Result<Vec<_>>>()?;
    let mut sum = transfer_logits(category, &votes, &logits, &normalized)?;
    softmax_rows(&mut sum, category.num_parts(), options.votes);
    Ok(sum)
}

/// Turn rows of logits summed over `votes` into probabilities in place.
fn softmax_rows(sum: &mut [f32], k: usize, votes: usize) {
    let inv = 1.0 / votes as f32;
    for row in sum.chunks_exact_mut(k) {
        let max = row.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x * inv));
        let mut total = 0f32;
        for x in row.iter_mut() {
            *x = (*x * inv - max).exp();
            total += *x;
        }
        row.iter_mut().for_each(|x| *x /= total);
    }
}

/// For a vote that saw every one of the `len` source points, each point's
/// mean logits over its own rows (restricted to `range`), `len * range.len()`;
/// `None` when some point has no row: sampled votes, and whole views of
/// clouds with duplicates, where farthest point sampling repeats points once
/// the distinct ones are taken.
fn own_logits(
    indices: &[usize],
    logits: &Array2<f32>,
    range: std::ops::Range<usize>,
    len: usize,
) -> Option<Vec<f32>> {
    if indices.len() < len {
        return None;
    }
    let k = range.len();
    let mut count = vec![0u32; len];
    let mut own = vec![0f32; len * k];
    for (&i, row) in indices.iter().zip(logits.axis_iter(Axis(0))) {
        let row = &row.as_slice().expect("contiguous")[range.clone()];
        count[i] += 1;
        for (o, x) in own[i * k..(i + 1) * k].iter_mut().zip(row) {
            *o += x;
        }
    }
    if count.contains(&0) {
        return None;
    }
    for (o, &c) in own.chunks_exact_mut(k).zip(&count) {
        o.iter_mut().for_each(|x| *x /= c as f32);
    }
    Some(own)
}

/// The label of every row of summed logits: the category's part with the
/// largest logit (the first on ties).
fn argmax_labels(category: &'static Category, sum: &[f32]) -> Vec<u32> {
    sum.chunks_exact(category.num_parts())
        .map(|row| {
            let best = row
                .iter()
                .enumerate()
                .fold(0, |b, (i, &x)| if x > row[b] { i } else { b });
            (category.first_part + best) as u32
        })
        .collect()
}

/// Input points labelled per block by [`transfer_labels`]: large enough for
/// the batched neighbour search to pay, small enough that the block's summed
/// logits stay in cache-sized buffers (a few MB).
const TRANSFER_BLOCK: usize = 1 << 17;

/// The label of every input point: the argmax of [`transfer_logits`], found
/// block by block so that the `len * num_parts` sums of a large cloud are
/// never held at once, and for all votes in one neighbour pass per block
/// ([`transfer_labels_idw_sum`]: same values, same adds in the same order).
fn transfer_labels(
    category: &'static Category,
    votes: &[VoteInput],
    logits: &[Array2<f32>],
    normalized: &[[f32; 3]],
) -> Result<Vec<u32>> {
    let len = normalized.len();
    // Votes that saw every point use their own rows, not a neighbour search.
    if votes.iter().any(|v| v.indices.len() >= len) {
        return Ok(argmax_labels(
            category,
            &transfer_logits(category, votes, logits, normalized)?,
        ));
    }
    let k = category.num_parts();
    let range = category.part_range();
    let seen: Vec<(PointTree, Vec<f32>)> = votes
        .iter()
        .zip(logits)
        .map(|(v, l)| (PointTree::new(&v.points), part_columns(l, range.clone())))
        .collect();
    let subsets: Vec<(&PointTree, &[f32])> = seen.iter().map(|(t, l)| (t, &l[..])).collect();
    let mut labels = Vec::with_capacity(len);
    for block in normalized.chunks(TRANSFER_BLOCK) {
        let parts = transfer_labels_idw_sum(&subsets, k, block)?;
        labels.extend(parts.into_iter().map(|p| (category.first_part as u32) + p));
    }
    Ok(labels)
}

/// `sum += x`, element by element.
fn add_into(sum: &mut [f32], x: &[f32]) {
    for (s, v) in sum.iter_mut().zip(x) {
        *s += v;
    }
}

/// The columns `range` of every row of a vote's logits, row-major.
fn part_columns(logits: &Array2<f32>, range: std::ops::Range<usize>) -> Vec<f32> {
    logits
        .axis_iter(Axis(0))
        .flat_map(|row| row.as_slice().expect("contiguous")[range.clone()].to_vec())
        .collect()
}

/// The votes' logits restricted to the category's parts, summed over votes,
/// at every input point: `len * num_parts`, row-major.
fn transfer_logits(
    category: &'static Category,
    votes: &[VoteInput],
    logits: &[Array2<f32>],
    normalized: &[[f32; 3]],
) -> Result<Vec<f32>> {
    let k = category.num_parts();
    let range = category.part_range();
    let mut sum = vec![0f32; normalized.len() * k];
    for (v, l) in votes.iter().zip(logits) {
        if let Some(own) = own_logits(&v.indices, l, range.clone(), normalized.len()) {
            add_into(&mut sum, &own);
            continue;
        }
        let sub = part_columns(l, range.clone());
        let tree = PointTree::new(&v.points);
        add_into(&mut sum, &transfer_logits_idw(&tree, &sub, k, normalized)?);
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelConfig;

    #[test]
    fn blocked_label_transfer_matches_the_whole_sums() {
        // A cloud of more than two blocks, a random tiny network, two votes:
        // the block-by-block labels are the argmax of the whole sums.
        let net = Network::init(ModelConfig::tiny(), 3).unwrap();
        let mut rng = Rng::new(11);
        let n = 2 * TRANSFER_BLOCK + 1234;
        let points: Vec<[f32; 3]> = (0..n)
            .map(|_| {
                [
                    rng.uniform(-1.0, 1.0),
                    rng.uniform(-0.5, 0.5),
                    rng.uniform(-0.3, 0.3),
                ]
            })
            .collect();
        let cloud = PointCloud {
            points,
            ..PointCloud::default()
        };
        let options = PredictOptions {
            points: 64,
            whole_max: 0,
            votes: 2,
            seed: 5,
        };
        let (normalized, votes) = prepare_votes(&cloud, &options, "t").unwrap();
        let category = &CATEGORIES[4];
        let logits: Vec<_> = votes
            .iter()
            .map(|v| net.forward_one(&v.input(category.index)).unwrap())
            .collect();
        let whole = argmax_labels(
            category,
            &transfer_logits(category, &votes, &logits, &normalized).unwrap(),
        );
        let blocked = transfer_labels(category, &votes, &logits, &normalized).unwrap();
        assert_eq!(blocked, whole);
        // Not a constant answer: the random network gives several parts.
        let distinct: std::collections::BTreeSet<u32> = blocked.iter().copied().collect();
        assert!(distinct.len() > 1, "{distinct:?}");
    }
}
