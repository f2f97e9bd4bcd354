//! Analytic size and cost of an architecture: parameter count and FLOPs of
//! one inference forward (BN folded), counted from the config.
//!
//! Counting rules (2 FLOPs per multiply-add): a linear layer on R rows costs
//! `2 R Cin Cout + R Cout` (gemm + bias); ReLU6 and BN-affine 1 per element
//! per operation; the aggregation costs `6 Rin C` for the position term of the
//! input points, `S (K - 1) C` comparisons for the max, `6 S C` for the centre
//! term and `2 S C` for its BN; 3-NN interpolation `6 Rf C`; the category
//! bias `R C`. Sampling and neighbour search are not counted (not FLOPs).

use super::config::ModelConfig;
use super::network::Arch;
use super::unit::Rows;

/// FLOPs per stage of one forward.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// `(stage, FLOPs)` in forward order: stem, SA1.., FP.., FP1+head.
    pub stages: Vec<(String, u64)>,
}

impl Cost {
    /// Total FLOPs.
    pub fn total(&self) -> u64 {
        self.stages.iter().map(|s| s.1).sum()
    }
}

/// Points per cloud at each level of a forward of a cloud of `n` points:
/// the input, each SA level (`min(centres, previous)`), the global level.
pub fn level_points(cfg: &ModelConfig, n: usize) -> Vec<usize> {
    let mut counts = vec![n];
    for lv in &cfg.levels {
        counts.push(lv.centres.min(counts[counts.len() - 1]));
    }
    counts.push(1);
    counts
}

/// FLOPs of one inference forward of a cloud of `n` points through `arch`,
/// per timing stage (the stages of [`Arch::stages`], FP1 and the head
/// together as `FP1+head`).
pub fn arch_flops(arch: &Arch, n: usize) -> Cost {
    let counts = level_points(&arch.cfg, n);
    let mut stages: Vec<(String, u64)> = Vec::new();
    for st in arch.stages() {
        let rows = Rows {
            inp: counts[st.levels.0],
            out: counts[st.levels.1],
        };
        let f = st.unit.flops(rows);
        match stages.last_mut() {
            Some((name, total)) if *name == st.timed_as => *total += f,
            _ => stages.push((st.timed_as, f)),
        }
    }
    Cost { stages }
}

/// FLOPs of one inference forward of a cloud of `n` points (no stages for
/// an invalid config).
pub fn flops(cfg: &ModelConfig, n: usize) -> Cost {
    match Arch::build(cfg) {
        Ok((arch, _)) => arch_flops(&arch, n),
        Err(_) => Cost { stages: Vec::new() },
    }
}

/// Learnable parameters of `cfg` (BN scale/shift included, running
/// statistics not), and the number of BN running-statistic values.
pub fn param_count(cfg: &ModelConfig) -> (usize, usize) {
    match Arch::build(cfg) {
        Ok((_, p)) => {
            let total: usize = p.ids().map(|i| p.get(i).len()).sum();
            let trainable = p.num_trainable();
            (trainable, total - trainable)
        }
        Err(_) => (0, 0),
    }
}
