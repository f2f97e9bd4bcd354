//! Learning-rate schedules: step decay or cosine, with a linear warm-up.
//!
//! The schedule is a function of the fractional epoch `e = epoch + batch / batches`
//! (0-based), evaluated once per batch:
//!
//! ```text
//! warm(e)   = min(1, (e + 1/batches) / warmup)     (1 when warmup = 0)
//! step:     lr(e) = max(min_lr, base * factor^floor(e / every)) * warm(e)
//! cosine:   u = clamp((e - warmup) / (epochs - warmup), 0, 1)
//!           lr(e) = (min_lr + (base - min_lr) * (1 + cos(pi u)) / 2) * warm(e)
//! ```
//!
//! The reference recipe halves the rate every 20 epochs with a floor of 1e-5.

/// Which decay follows the warm-up.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Decay {
    /// Multiply by `factor` every `every` epochs.
    Step {
        /// Epochs between decays.
        every: usize,
        /// Multiplier at each decay (0.5 halves the rate).
        factor: f32,
    },
    /// Half-cosine from the base rate down to `min_lr` at the last epoch.
    Cosine,
}

/// A learning-rate schedule.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LrSchedule {
    /// Peak learning rate.
    pub base_lr: f32,
    /// Floor of the rate after warm-up.
    pub min_lr: f32,
    /// Epochs of linear warm-up (may be fractional, 0 for none).
    pub warmup_epochs: f32,
    /// Total epochs of the run (the cosine reaches `min_lr` there).
    pub epochs: usize,
    /// The decay.
    pub decay: Decay,
}

impl LrSchedule {
    /// The reference step schedule: halve every 20 epochs, floor 1e-5.
    pub fn step(base_lr: f32, epochs: usize, warmup_epochs: f32) -> Self {
        LrSchedule {
            base_lr,
            min_lr: 1e-5,
            warmup_epochs,
            epochs,
            decay: Decay::Step {
                every: 20,
                factor: 0.5,
            },
        }
    }

    /// A cosine schedule down to `base_lr / 100`.
    pub fn cosine(base_lr: f32, epochs: usize, warmup_epochs: f32) -> Self {
        LrSchedule {
            base_lr,
            min_lr: base_lr * 0.01,
            warmup_epochs,
            epochs,
            decay: Decay::Cosine,
        }
    }

    /// Learning rate for batch `batch` of `batches` in 0-based `epoch`.
    pub fn lr(&self, epoch: usize, batch: usize, batches: usize) -> f32 {
        let batches = batches.max(1);
        let e = epoch as f64 + batch as f64 / batches as f64;
        let warm = if self.warmup_epochs > 0.0 {
            ((e + 1.0 / batches as f64) / self.warmup_epochs as f64).min(1.0)
        } else {
            1.0
        };
        let base = self.base_lr as f64;
        let min = (self.min_lr as f64).min(base);
        let decayed = match self.decay {
            Decay::Step { every, factor } => {
                let k = epoch / every.max(1);
                (base * (factor as f64).powi(k as i32)).max(min)
            }
            Decay::Cosine => {
                let w = self.warmup_epochs as f64;
                let span = (self.epochs as f64 - w).max(1e-9);
                let u = ((e - w) / span).clamp(0.0, 1.0);
                min + (base - min) * 0.5 * (1.0 + (std::f64::consts::PI * u).cos())
            }
        };
        (decayed * warm) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f64) -> bool {
        ((a as f64) - b).abs() <= 1e-7 + 1e-6 * b.abs()
    }

    #[test]
    fn step_schedule_halves_every_20_epochs_with_floor() {
        let s = LrSchedule::step(1e-3, 250, 0.0);
        assert!(close(s.lr(0, 0, 100), 1e-3));
        assert!(close(s.lr(19, 99, 100), 1e-3));
        assert!(close(s.lr(20, 0, 100), 5e-4));
        assert!(close(s.lr(40, 3, 100), 2.5e-4));
        assert!(close(s.lr(99, 0, 100), 1e-3 / 16.0));
        // 1e-3 / 2^7 = 7.8e-6 < 1e-5: floored.
        assert!(close(s.lr(140, 0, 100), 1e-5));
        assert!(close(s.lr(249, 0, 100), 1e-5));
    }

    #[test]
    fn warmup_is_linear_per_batch() {
        let s = LrSchedule::step(1e-3, 100, 2.0);
        // 10 batches per epoch: the first batch uses 1/20 of the rate.
        assert!(close(s.lr(0, 0, 10), 1e-3 / 20.0));
        assert!(close(s.lr(0, 9, 10), 1e-3 * 10.0 / 20.0));
        assert!(close(s.lr(1, 4, 10), 1e-3 * 15.0 / 20.0));
        assert!(close(s.lr(1, 9, 10), 1e-3));
        assert!(close(s.lr(2, 0, 10), 1e-3));
    }

    #[test]
    fn cosine_hits_base_half_and_floor() {
        let s = LrSchedule::cosine(1e-3, 100, 0.0);
        assert!(close(s.lr(0, 0, 1), 1e-3));
        // Half-way: (base + min) / 2.
        assert!(close(s.lr(50, 0, 1), (1e-3 + 1e-5) / 2.0));
        // A quarter: min + (base - min) (1 + cos(pi/4)) / 2.
        let q = 1e-5 + (1e-3 - 1e-5) * 0.5 * (1.0 + std::f64::consts::FRAC_1_SQRT_2);
        assert!(close(s.lr(25, 0, 1), q));
        assert!(close(s.lr(100, 0, 1), 1e-5));
        // With warm-up the cosine starts after it.
        let w = LrSchedule::cosine(1e-3, 12, 2.0);
        assert!(close(w.lr(0, 0, 2), 1e-3 * 0.25));
        assert!(close(w.lr(2, 0, 2), 1e-3));
        assert!(close(w.lr(7, 0, 2), (1e-3 + 1e-5) / 2.0));
    }
}
