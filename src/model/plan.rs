//! The sampling and neighbour plan of a batch: FPS centres, ball-query groups
//! and 3-NN interpolation weights of every level, computed once per forward
//! (without gradients) and reused by the backward.
//!
//! Levels: 0 = the input points (N per cloud), 1..=L = the SA levels
//! (S_l = min(centres_l, points of level l-1) per cloud), L+1 = the global
//! level (one point per cloud, at the origin). Clouds are stacked: level l of
//! cloud b occupies rows `offsets[b]..offsets[b+1]`, and every index below is
//! a row of the stacked level.

use super::config::ModelConfig;
use super::layers::neighbour_max::Groups;
use super::timing::StageTimer;
use crate::geometry::three_nn::three_nn_weights_scan;
use crate::geometry::{ball_query, farthest_point_sample, three_nn_weights};
use crate::rng::Rng;
use rayon::prelude::*;

/// Largest coarse level whose 3-NN weights are found by a linear scan rather
/// than a KD-tree (same result; the scan costs `N M / 8` vector steps, the
/// tree about 0.5 us per fine point).
const SCAN_MAX_COARSE: usize = 2048;

/// Points of one level for the whole batch.
#[derive(Debug, Clone, Default)]
pub struct Level {
    /// Positions, stacked over clouds.
    pub pos: Vec<[f32; 3]>,
    /// B + 1 row offsets.
    pub offsets: Vec<usize>,
}

/// Neighbour rows, `S * K` row-major.
#[derive(Debug, Clone, Default)]
pub struct Nbrs {
    /// Row indices into the input level.
    pub idx: Vec<u32>,
    /// K.
    pub k: usize,
}

/// 3-NN interpolation from a coarse level to a fine level.
#[derive(Debug, Clone, Default)]
pub struct Interp {
    /// Coarse rows, 3 per fine row.
    pub idx: Vec<u32>,
    /// Weights, 3 per fine row, summing to 1.
    pub w: Vec<f32>,
}

/// The plan of a batch.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Levels 0..=L+1.
    pub levels: Vec<Level>,
    /// `down[l]`: groups of SA level l+1's centres among level l's points.
    pub down: Vec<Nbrs>,
    /// `same[l]`: groups of SA level l+1's points among themselves (for the
    /// stride-1 blocks; empty when the level has none).
    pub same: Vec<Nbrs>,
    /// Every point of level L for each cloud's global centre (padded with the
    /// cloud's first point to a common K).
    pub global: Nbrs,
    /// `up[l]`: interpolation from level l+1 to level l, l = 0..=L.
    pub up: Vec<Interp>,
}

/// How one cloud's farthest point sampling starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sampling {
    /// Seed of the random FPS start of every level that runs FPS.
    pub seed: u64,
    /// How many leading input points are already in farthest-point order
    /// from the first one (as `pcseg::predict::sample::sample_indices`
    /// orders them; 0: none). A level whose centres all lie in that prefix
    /// takes them as they are: they are the FPS from point 0, and its cost
    /// is skipped. The next levels then take their prefixes too.
    pub ordered: usize,
}

impl Sampling {
    /// FPS from a random start drawn from `seed` at every level.
    pub fn seeded(seed: u64) -> Sampling {
        Sampling { seed, ordered: 0 }
    }
}

/// The plan of one cloud (local indices).
struct CloudPlan {
    pos: Vec<Vec<[f32; 3]>>,
    down: Vec<Vec<u32>>,
    same: Vec<Vec<u32>>,
    up: Vec<Interp>,
}

fn plan_cloud(
    cfg: &ModelConfig,
    points: &[[f32; 3]],
    sampling: Sampling,
    timer: &mut StageTimer,
) -> CloudPlan {
    let mut rng = Rng::new(sampling.seed);
    let mut ordered = sampling.ordered.min(points.len());
    let mut pos = vec![points.to_vec()];
    let mut down = Vec::new();
    let mut same = Vec::new();
    timer.lap("input");
    for (l, lv) in cfg.levels.iter().enumerate() {
        let prev = &pos[l];
        let s = lv.centres.min(prev.len());
        let centres: Vec<[f32; 3]> = if s <= ordered {
            // The first `s` points are the FPS from point 0; a prefix of an
            // FPS order is the FPS order of its own points.
            ordered = s;
            prev[..s].to_vec()
        } else {
            ordered = 0;
            let start = rng.below(prev.len());
            let picked = farthest_point_sample(prev, s, start);
            picked.iter().map(|&i| prev[i]).collect()
        };
        down.push(ball_query(prev, &centres, lv.radius, lv.neighbours));
        same.push(if lv.blocks > 0 {
            ball_query(&centres, &centres, lv.radius, lv.neighbours)
        } else {
            Vec::new()
        });
        pos.push(centres);
        timer.lap(&format!("SA{} geometry", l + 1));
    }
    let n_levels = cfg.levels.len();
    let mut up: Vec<Interp> = (0..=n_levels).map(|_| Interp::default()).collect();
    // Coarsest first, so the timer attributes each to its FP stage in order.
    for l in (0..=n_levels).rev() {
        let coarse: &[[f32; 3]] = if l == n_levels {
            &[[0.0; 3]]
        } else {
            &pos[l + 1]
        };
        let (idx, w) = if coarse.len() <= SCAN_MAX_COARSE {
            three_nn_weights_scan(coarse, &pos[l])
        } else {
            three_nn_weights(coarse, &pos[l])
        };
        up[l] = Interp { idx, w };
        timer.lap(&format!("{} geometry", fp_stage_name(cfg, l)));
    }
    CloudPlan {
        pos,
        down,
        same,
        up,
    }
}

/// Name of the FP stage that produces level `l` (FP1 produces level 0), as
/// used in timing breakdowns (`FP1+head` for level 0).
pub fn fp_stage_name(_cfg: &ModelConfig, l: usize) -> String {
    if l == 0 {
        "FP1+head".to_string()
    } else {
        format!("FP{}", l + 1)
    }
}

impl Plan {
    /// Plan a batch: `clouds[b]` are the points of cloud b, `sampling[b]` how
    /// its FPS starts. Clouds are planned in parallel when `parallel` (each
    /// cloud's plan depends only on its own points and sampling).
    pub fn new(
        cfg: &ModelConfig,
        clouds: &[&[[f32; 3]]],
        sampling: &[Sampling],
        parallel: bool,
        timer: &mut StageTimer,
    ) -> Plan {
        let per: Vec<CloudPlan> = if parallel {
            clouds
                .par_iter()
                .zip(sampling)
                .map(|(c, &s)| plan_cloud(cfg, c, s, &mut StageTimer::off()))
                .collect()
        } else {
            clouds
                .iter()
                .zip(sampling)
                .map(|(c, &s)| plan_cloud(cfg, c, s, timer))
                .collect()
        };
        Plan::stack(cfg, per)
    }

    fn stack(cfg: &ModelConfig, per: Vec<CloudPlan>) -> Plan {
        let n_levels = cfg.levels.len();
        let b = per.len();
        let mut levels: Vec<Level> = Vec::with_capacity(n_levels + 2);
        for l in 0..=n_levels {
            let mut lv = Level {
                pos: Vec::new(),
                offsets: vec![0],
            };
            for cp in &per {
                lv.pos.extend_from_slice(&cp.pos[l]);
                lv.offsets.push(lv.pos.len());
            }
            levels.push(lv);
        }
        levels.push(Level {
            pos: vec![[0.0; 3]; b],
            offsets: (0..=b).collect(),
        });
        let shift = |local: &[u32], base: usize, out: &mut Vec<u32>| {
            out.extend(local.iter().map(|&i| i + base as u32));
        };
        let mut down = Vec::new();
        let mut same = Vec::new();
        for l in 0..n_levels {
            let k = cfg.levels[l].neighbours;
            let mut d = Nbrs { idx: Vec::new(), k };
            let mut s = Nbrs { idx: Vec::new(), k };
            for (bi, cp) in per.iter().enumerate() {
                shift(&cp.down[l], levels[l].offsets[bi], &mut d.idx);
                shift(&cp.same[l], levels[l + 1].offsets[bi], &mut s.idx);
            }
            down.push(d);
            same.push(s);
        }
        let last = &levels[n_levels];
        let k = (0..b)
            .map(|bi| last.offsets[bi + 1] - last.offsets[bi])
            .max()
            .unwrap_or(1);
        let mut global = Nbrs {
            idx: Vec::with_capacity(b * k),
            k,
        };
        for bi in 0..b {
            let (lo, hi) = (last.offsets[bi], last.offsets[bi + 1]);
            global.idx.extend((lo..hi).map(|r| r as u32));
            global
                .idx
                .extend(std::iter::repeat_n(lo as u32, k - (hi - lo)));
        }
        let mut up = Vec::new();
        for l in 0..=n_levels {
            let mut it = Interp::default();
            for (bi, cp) in per.iter().enumerate() {
                shift(&cp.up[l].idx, levels[l + 1].offsets[bi], &mut it.idx);
                it.w.extend_from_slice(&cp.up[l].w);
            }
            up.push(it);
        }
        Plan {
            levels,
            down,
            same,
            global,
            up,
        }
    }

    /// Number of SA levels L.
    pub fn num_sa(&self) -> usize {
        self.down.len()
    }

    /// Groups of the stride-2 block of SA level `l + 1`.
    pub fn down_groups(&self, l: usize) -> Groups<'_> {
        Groups {
            pos: &self.levels[l].pos,
            centres: &self.levels[l + 1].pos,
            nbr: &self.down[l].idx,
            k: self.down[l].k,
        }
    }

    /// Groups of the stride-1 blocks of SA level `l + 1`.
    pub fn same_groups(&self, l: usize) -> Groups<'_> {
        Groups {
            pos: &self.levels[l + 1].pos,
            centres: &self.levels[l + 1].pos,
            nbr: &self.same[l].idx,
            k: self.same[l].k,
        }
    }

    /// Groups of the global block.
    pub fn global_groups(&self) -> Groups<'_> {
        let l = self.num_sa();
        Groups {
            pos: &self.levels[l].pos,
            centres: &self.levels[l + 1].pos,
            nbr: &self.global.idx,
            k: self.global.k,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::ball_query;

    fn random_cloud(n: usize, seed: u64) -> Vec<[f32; 3]> {
        let mut rng = Rng::new(seed);
        (0..n)
            .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
            .collect()
    }

    /// A cloud in FPS order from a random start, as `sample_indices` hands
    /// it over: each level's centres are its prefix, which is what FPS from
    /// point 0 picks, and the groups are the ball query around them.
    #[test]
    fn an_fps_ordered_cloud_gives_its_prefixes_as_centres() {
        let cfg = ModelConfig::wide();
        let raw = random_cloud(900, 1);
        let order = farthest_point_sample(&raw, raw.len(), 417);
        let cloud: Vec<[f32; 3]> = order.iter().map(|&i| raw[i]).collect();
        let ordered = Sampling {
            seed: 5,
            ordered: cloud.len(),
        };
        let plan = Plan::new(&cfg, &[&cloud], &[ordered], false, &mut StageTimer::off());
        let (s1, s2) = (cfg.levels[0].centres, cfg.levels[1].centres);
        let fps1 = farthest_point_sample(&cloud, s1, 0);
        assert_eq!(fps1, (0..s1).collect::<Vec<_>>(), "prefix = FPS from 0");
        assert_eq!(plan.levels[1].pos, cloud[..s1]);
        assert_eq!(plan.levels[2].pos, cloud[..s2]);
        let (r, k) = (cfg.levels[0].radius, cfg.levels[0].neighbours);
        assert_eq!(plan.down[0].idx, ball_query(&cloud, &cloud[..s1], r, k));
        let (r, k) = (cfg.levels[1].radius, cfg.levels[1].neighbours);
        assert_eq!(
            plan.down[1].idx,
            ball_query(&cloud[..s1], &cloud[..s2], r, k)
        );
    }

    /// A prefix too short for the first level's centres changes nothing:
    /// the plan is the seeded one, bit for bit.
    #[test]
    fn a_short_prefix_falls_back_to_seeded_fps() {
        let cfg = ModelConfig::wide();
        let cloud = random_cloud(700, 2);
        let plan =
            |sampling| Plan::new(&cfg, &[&cloud], &[sampling], false, &mut StageTimer::off());
        let seeded = plan(Sampling::seeded(9));
        let short = plan(Sampling {
            seed: 9,
            ordered: cfg.levels[0].centres - 1,
        });
        assert_eq!(short.levels[1].pos, seeded.levels[1].pos);
        assert_eq!(short.levels[2].pos, seeded.levels[2].pos);
        assert_eq!(short.down[1].idx, seeded.down[1].idx);
        assert_eq!(short.up[0].w, seeded.up[0].w);
        // And the seeded plan does not start at point 0 here.
        assert_ne!(seeded.levels[1].pos[0], cloud[0]);
    }
}
