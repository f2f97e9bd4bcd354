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

fn linear(r: usize, cin: usize, cout: usize) -> u64 {
    (2 * r * cin * cout + r * cout) as u64
}

fn bottleneck(
    rin: usize,
    s: usize,
    k: usize,
    cin: usize,
    hidden: usize,
    cout: usize,
    residual: bool,
) -> u64 {
    let mut f = linear(rin, cin, hidden) + (rin * hidden) as u64; // expand + ReLU6
    f += (6 * rin * hidden + s * k.saturating_sub(1) * hidden + 6 * s * hidden) as u64; // aggregation
    f += (3 * s * hidden) as u64; // BN affine + ReLU6
    f += linear(s, hidden, cout);
    if residual {
        f += (s * cout) as u64;
    }
    f
}

/// FLOPs of one inference forward of a cloud of `n` points.
pub fn flops(cfg: &ModelConfig, n: usize) -> Cost {
    let mut stages = Vec::new();
    stages.push((
        "stem".to_string(),
        linear(n, cfg.in_channels, cfg.stem_width) + (n * cfg.stem_width) as u64,
    ));
    let mut counts = vec![n];
    let mut cin = cfg.stem_width;
    for (l, lv) in cfg.levels.iter().enumerate() {
        let prev = counts[l];
        let s = lv.centres.min(prev);
        let (h2, h1) = cfg.level_hidden(l);
        let mut f = bottleneck(prev, s, lv.neighbours, cin, h2, lv.width, false);
        for _ in 0..lv.blocks {
            f += bottleneck(s, s, lv.neighbours, lv.width, h1, lv.width, true);
        }
        stages.push((format!("SA{}", l + 1), f));
        counts.push(s);
        cin = lv.width;
    }
    let n_sa = cfg.levels.len();
    let last = counts[n_sa];
    stages.push((
        format!("SA{}", n_sa + 1),
        bottleneck(
            last,
            1,
            last,
            cin,
            cfg.global.expansion * cin,
            cfg.global.width,
            false,
        ),
    ));
    let mut coarse = cfg.global.width;
    for (i, &w) in cfg.fp_widths.iter().enumerate() {
        let l = n_sa - i;
        let r = counts[l];
        let skip = if l == 0 {
            cfg.stem_width + cfg.in_channels
        } else {
            cfg.levels[l - 1].width
        };
        let mut f = (6 * r * coarse) as u64 + linear(r, coarse + skip, w) + (r * w) as u64;
        let name = if l == 0 {
            f += (r * w) as u64; // category bias
            f += linear(r, w, cfg.head_width) + (r * cfg.head_width) as u64;
            f += linear(r, cfg.head_width, cfg.num_parts);
            "FP1+head".to_string()
        } else {
            format!("FP{}", l + 1)
        };
        stages.push((name, f));
        coarse = w;
    }
    if cfg.classifier_width > 0 {
        let w = cfg.classifier_width;
        stages.push((
            "classifier".to_string(),
            linear(1, cfg.global.width, w) + w as u64 + linear(1, w, cfg.num_categories),
        ));
    }
    Cost { stages }
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
