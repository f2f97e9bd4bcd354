//! Adam and AdamW over named parameter tensors.
//!
//! For a parameter `p` with gradient `g` at step `t` (1-based), learning rate
//! `lr` and weight decay `wd`:
//!
//! ```text
//! Adam  (L2):        g <- g + wd * p                      (only decayed tensors)
//! m <- b1 * m + (1 - b1) * g
//! v <- b2 * v + (1 - b2) * g^2
//! m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t)
//! AdamW (decoupled): p <- p - lr * wd * p                 (only decayed tensors)
//! p <- p - lr * m_hat / (sqrt(v_hat) + eps)
//! ```
//!
//! Biases and BatchNorm scales/shifts are not decayed; the caller says which
//! tensors are (see [`crate::train::params::decays`]). The state (step count,
//! first and second moments per tensor name) is serialisable through
//! [`Adam::state_tensors`] / [`Adam::restore`] so a resumed run continues
//! bit-for-bit.

use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// How weight decay enters the update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecayMode {
    /// Classic Adam: L2 penalty added to the gradient (what the PointNet++ reference uses).
    Adam,
    /// AdamW: weight decay applied to the parameter, outside the moment estimates.
    AdamW,
}

/// Hyper-parameters of [`Adam`] other than the learning rate (which the
/// schedule supplies every step).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdamConfig {
    /// Exponential decay of the first moment.
    pub beta1: f32,
    /// Exponential decay of the second moment.
    pub beta2: f32,
    /// Added to `sqrt(v_hat)` for stability.
    pub eps: f32,
    /// Weight-decay coefficient.
    pub weight_decay: f32,
    /// Coupled (Adam) or decoupled (AdamW) weight decay.
    pub mode: DecayMode,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 1e-4,
            mode: DecayMode::AdamW,
        }
    }
}

/// First and second moments of one tensor.
#[derive(Debug, Clone, PartialEq)]
struct Moments {
    m: Vec<f32>,
    v: Vec<f32>,
}

/// The Adam / AdamW optimiser with its per-tensor state.
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    /// Hyper-parameters.
    pub config: AdamConfig,
    step: u64,
    state: BTreeMap<String, Moments>,
}

impl Adam {
    /// A fresh optimiser (step 0, zero moments created on first use).
    pub fn new(config: AdamConfig) -> Self {
        Adam {
            config,
            step: 0,
            state: BTreeMap::new(),
        }
    }

    /// Number of completed [`Adam::begin_step`] calls.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// Start a new optimisation step: advances `t` used in bias correction.
    /// Call once per batch, then [`Adam::update`] once per tensor.
    pub fn begin_step(&mut self) {
        self.step += 1;
    }

    /// Update tensor `name` in place from its gradient with learning rate
    /// `lr`; `decay` says whether weight decay applies to it.
    pub fn update(
        &mut self,
        name: &str,
        param: &mut [f32],
        grad: &[f32],
        decay: bool,
        lr: f32,
    ) -> Result<()> {
        if param.len() != grad.len() {
            return Err(Error::internal(format!(
                "optimiser: tensor {name} has {} values but its gradient has {}",
                param.len(),
                grad.len()
            )));
        }
        if self.step == 0 {
            return Err(Error::internal("optimiser: update before begin_step"));
        }
        let c = self.config;
        let moments = self
            .state
            .entry(name.to_string())
            .or_insert_with(|| Moments {
                m: vec![0.0; param.len()],
                v: vec![0.0; param.len()],
            });
        if moments.m.len() != param.len() {
            return Err(Error::internal(format!(
                "optimiser: tensor {name} has {} values but its state has {}",
                param.len(),
                moments.m.len()
            )));
        }
        let t = self.step as i32;
        let bc1 = (1.0 - (c.beta1 as f64).powi(t)) as f32;
        let bc2 = (1.0 - (c.beta2 as f64).powi(t)) as f32;
        let wd = if decay { c.weight_decay } else { 0.0 };
        let (l2, decoupled) = match c.mode {
            DecayMode::Adam => (wd, 0.0),
            DecayMode::AdamW => (0.0, wd),
        };
        for (((p, &g), m), v) in param
            .iter_mut()
            .zip(grad)
            .zip(moments.m.iter_mut())
            .zip(moments.v.iter_mut())
        {
            // Adam: g <- g + wd * p
            let g = g + l2 * *p;
            // m <- b1 m + (1 - b1) g ; v <- b2 v + (1 - b2) g^2
            *m = c.beta1 * *m + (1.0 - c.beta1) * g;
            *v = c.beta2 * *v + (1.0 - c.beta2) * g * g;
            let m_hat = *m / bc1;
            let v_hat = *v / bc2;
            // AdamW: p <- p - lr wd p
            *p -= lr * decoupled * *p;
            *p -= lr * m_hat / (v_hat.sqrt() + c.eps);
        }
        Ok(())
    }

    /// The optimiser state as named tensors (`adam.m.<name>`, `adam.v.<name>`)
    /// plus the step count, for checkpoints.
    pub fn state_tensors(&self) -> (u64, Vec<(String, &[f32])>) {
        let mut out = Vec::with_capacity(self.state.len() * 2);
        for (name, mo) in &self.state {
            out.push((format!("adam.m.{name}"), mo.m.as_slice()));
            out.push((format!("adam.v.{name}"), mo.v.as_slice()));
        }
        (self.step, out)
    }

    /// Rebuild an optimiser from [`Adam::state_tensors`] output. Tensors whose
    /// names do not start with `adam.` are ignored.
    pub fn restore<'a>(
        config: AdamConfig,
        step: u64,
        tensors: impl IntoIterator<Item = (&'a str, Vec<f32>)>,
    ) -> Result<Self> {
        let mut m = BTreeMap::new();
        let mut v = BTreeMap::new();
        for (key, data) in tensors {
            if let Some(name) = key.strip_prefix("adam.m.") {
                m.insert(name.to_string(), data);
            } else if let Some(name) = key.strip_prefix("adam.v.") {
                v.insert(name.to_string(), data);
            }
        }
        if m.len() != v.len() || m.keys().ne(v.keys()) {
            return Err(Error::model(
                "optimiser state: first and second moments name different tensors",
            ));
        }
        let mut state = BTreeMap::new();
        for ((name, m), (_, v)) in m.into_iter().zip(v) {
            if m.len() != v.len() {
                return Err(Error::model(format!(
                    "optimiser state: moments of {name} have different lengths"
                )));
            }
            state.insert(name, Moments { m, v });
        }
        Ok(Adam {
            config,
            step,
            state,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three steps on p = [1, -2], wd = 0.1, lr = 0.01, gradients
    /// [0.5, -1], [0.2, 0.3], [-0.4, 0.1], computed by hand in f64:
    ///
    /// step 1 (Adam, L2): g' = g + 0.1 p = [0.6, -1.2]; m = 0.1 g' = [0.06, -0.12];
    /// v = 0.001 g'^2 = [3.6e-4, 1.44e-3]; m_hat = g', v_hat = g'^2, so
    /// p -= 0.01 * sign(g') (up to eps): [0.99, -1.99].
    fn run(mode: DecayMode) -> Vec<f64> {
        let cfg = AdamConfig {
            weight_decay: 0.1,
            mode,
            ..Default::default()
        };
        let mut opt = Adam::new(cfg);
        let mut p = vec![1.0f32, -2.0];
        for g in [[0.5f32, -1.0], [0.2, 0.3], [-0.4, 0.1]] {
            opt.begin_step();
            opt.update("w", &mut p, &g, true, 0.01).unwrap();
        }
        p.iter().map(|&x| x as f64).collect()
    }

    /// The same algorithm written out in f64, step by step.
    fn reference(mode: DecayMode) -> Vec<f64> {
        let (b1, b2, eps, wd, lr) = (0.9f64, 0.999f64, 1e-8f64, 0.1f64, 0.01f64);
        let mut p = [1.0f64, -2.0];
        let mut m = [0.0f64; 2];
        let mut v = [0.0f64; 2];
        let gs = [[0.5f64, -1.0], [0.2, 0.3], [-0.4, 0.1]];
        for (t, g) in gs.iter().enumerate() {
            let t = t as i32 + 1;
            for i in 0..2 {
                let gi = if mode == DecayMode::Adam {
                    g[i] + wd * p[i]
                } else {
                    g[i]
                };
                m[i] = b1 * m[i] + (1.0 - b1) * gi;
                v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
                let mh = m[i] / (1.0 - b1.powi(t));
                let vh = v[i] / (1.0 - b2.powi(t));
                if mode == DecayMode::AdamW {
                    p[i] -= lr * wd * p[i];
                }
                p[i] -= lr * mh / (vh.sqrt() + eps);
            }
        }
        p.to_vec()
    }

    #[test]
    fn adam_matches_hand_computed_steps() {
        // Step 1 by hand: both coordinates move by lr against the sign of g'.
        let cfg = AdamConfig {
            weight_decay: 0.1,
            mode: DecayMode::Adam,
            ..Default::default()
        };
        let mut opt = Adam::new(cfg);
        let mut p = vec![1.0f32, -2.0];
        opt.begin_step();
        opt.update("w", &mut p, &[0.5, -1.0], true, 0.01).unwrap();
        assert!(
            (p[0] - 0.99).abs() < 1e-6 && (p[1] + 1.99).abs() < 1e-6,
            "{p:?}"
        );
        // Step 2 by hand for p[0]: g' = 0.2 + 0.1 * 0.99 = 0.299;
        // m = 0.9 * 0.06 + 0.1 * 0.299 = 0.0839; v = 0.999 * 3.6e-4 + 0.001 * 0.299^2 = 4.490401e-4
        // m_hat = 0.0839 / 0.19 = 0.441578947; v_hat = 4.490401e-4 / 0.001999 = 0.224632366
        // p = 0.99 - 0.01 * 0.441578947 / 0.473954 = 0.99 - 0.00931691 = 0.98068309
        opt.begin_step();
        opt.update("w", &mut p, &[0.2, 0.3], true, 0.01).unwrap();
        assert!((p[0] as f64 - 0.980_683_09).abs() < 2e-6, "{}", p[0]);

        for mode in [DecayMode::Adam, DecayMode::AdamW] {
            let got = run(mode);
            let want = reference(mode);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 2e-6, "{mode:?}: {got:?} vs {want:?}");
            }
        }
        // The two modes really differ.
        assert!((run(DecayMode::Adam)[1] - run(DecayMode::AdamW)[1]).abs() > 1e-5);
    }

    #[test]
    fn no_decay_tensors_ignore_weight_decay() {
        let cfg = AdamConfig {
            weight_decay: 0.5,
            ..Default::default()
        };
        let mut a = Adam::new(cfg);
        let mut b = Adam::new(AdamConfig {
            weight_decay: 0.0,
            ..cfg
        });
        let (mut p, mut q) = (vec![3.0f32], vec![3.0f32]);
        a.begin_step();
        b.begin_step();
        a.update("bias", &mut p, &[1.0], false, 0.1).unwrap();
        b.update("bias", &mut q, &[1.0], true, 0.1).unwrap();
        assert_eq!(p, q);
    }

    #[test]
    fn state_round_trips_and_continues_identically() {
        let mut a = Adam::new(AdamConfig::default());
        let mut p = vec![0.3f32, -0.7, 1.1];
        a.begin_step();
        a.update("x", &mut p, &[0.1, 0.2, -0.3], true, 1e-3)
            .unwrap();
        let (step, tensors) = a.state_tensors();
        let owned: Vec<(String, Vec<f32>)> =
            tensors.into_iter().map(|(n, t)| (n, t.to_vec())).collect();
        let mut b = Adam::restore(
            a.config,
            step,
            owned.iter().map(|(n, t)| (n.as_str(), t.clone())),
        )
        .unwrap();
        assert_eq!(a, b);
        let mut q = p.clone();
        for opt_p in [(&mut a, &mut p), (&mut b, &mut q)] {
            opt_p.0.begin_step();
            opt_p
                .0
                .update("x", opt_p.1, &[0.5, 0.5, 0.5], true, 1e-3)
                .unwrap();
        }
        assert_eq!(p, q);
        assert!(a.update("x", &mut [0.0; 2], &[0.0; 2], true, 1e-3).is_err());
    }
}
