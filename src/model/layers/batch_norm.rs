//! BatchNorm over points: per channel c, over all R rows (every point of every
//! cloud in the batch):
//!
//! `mean_c = sum_r x[r,c] / R`, `var_c = sum_r (x[r,c] - mean_c)^2 / R`,
//! `rstd_c = 1 / sqrt(var_c + eps)`, `xhat = (x - mean) * rstd`,
//! `out = weight * xhat + bias`.
//!
//! Training uses the batch statistics and updates the running averages
//! (`running = (1 - momentum) * running + momentum * batch`, unbiased variance,
//! as PyTorch). Inference uses the running statistics, which makes the layer a
//! per-channel affine map `out = scale * x + shift` that is folded into the
//! preceding linear layer at load time ([`BatchNorm1d::fold_into_linear`]).
//!
//! Backward (with `dxhat = dout * weight`):
//! `dinp += rstd * (dxhat - mean_r(dxhat) - xhat * mean_r(dxhat * xhat))`,
//! `dweight += sum_r dout * xhat`, `dbias += sum_r dout`.

use super::{Par, ROW_CHUNK};
use crate::model::params::{Params, TensorId, TensorKind};
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Zip};
use rayon::prelude::*;

/// A BatchNorm layer over the channel axis of `[R, C]` rows.
#[derive(Debug, Clone)]
pub struct BatchNorm1d {
    /// Scale (gamma), `[C]`.
    pub weight: TensorId,
    /// Shift (beta), `[C]`.
    pub bias: TensorId,
    /// Running mean, `[C]` (buffer).
    pub running_mean: TensorId,
    /// Running variance, `[C]` (buffer).
    pub running_var: TensorId,
    /// Channels C.
    pub channels: usize,
    /// Added to the variance.
    pub eps: f32,
    /// Weight of the batch statistic in the running average.
    pub momentum: f32,
}

/// What the backward pass needs from a training forward.
#[derive(Debug, Clone, Default)]
pub struct BnCache {
    /// Normalised input `[R, C]`.
    pub xhat: Array2<f32>,
    /// `1 / sqrt(var + eps)` per channel.
    pub rstd: Vec<f32>,
    /// Batch mean per channel.
    pub mean: Vec<f32>,
    /// Unbiased batch variance per channel (for the running average).
    pub var_unbiased: Vec<f32>,
}

/// Per-channel sums over the rows of a contiguous `[R, C]` buffer, in f64:
/// each chunk of [`ROW_CHUNK`] rows is summed row by row by `chunk`, and the
/// chunk partials are added in chunk order (deterministic for any thread
/// count).
fn column_sums(
    rows: usize,
    c: usize,
    par: Par,
    chunk: impl Fn(std::ops::Range<usize>, &mut [f64]) + Sync,
) -> Vec<f64> {
    let ranges: Vec<std::ops::Range<usize>> = (0..rows)
        .step_by(ROW_CHUNK)
        .map(|r0| r0..(r0 + ROW_CHUNK).min(rows))
        .collect();
    let run = |r: &std::ops::Range<usize>| {
        let mut acc = vec![0f64; c];
        chunk(r.clone(), &mut acc);
        acc
    };
    let partials: Vec<Vec<f64>> = match par {
        Par::Rayon => ranges.par_iter().map(run).collect(),
        Par::Serial => ranges.iter().map(run).collect(),
    };
    let mut total = vec![0f64; c];
    for p in partials {
        for (t, v) in total.iter_mut().zip(p) {
            *t += v;
        }
    }
    total
}

/// `sum_r x[r, c]` per channel (see [`column_sums`]).
fn sum_cols(x: &[f32], c: usize, par: Par) -> Vec<f64> {
    column_sums(x.len() / c.max(1), c, par, |r, acc| {
        for row in x[r.start * c..r.end * c].chunks_exact(c) {
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += v as f64;
            }
        }
    })
}

/// `sum_r (x[r, c] - mean[c])^2` per channel.
fn sq_dev_cols(x: &[f32], c: usize, mean: &[f64], par: Par) -> Vec<f64> {
    column_sums(x.len() / c.max(1), c, par, |r, acc| {
        for row in x[r.start * c..r.end * c].chunks_exact(c) {
            for ((a, &v), &m) in acc.iter_mut().zip(row).zip(mean) {
                let d = v as f64 - m;
                *a += d * d;
            }
        }
    })
}

/// `sum_r a[r, c] * b[r, c]` per channel.
fn dot_cols(a: &[f32], b: &[f32], c: usize, par: Par) -> Vec<f64> {
    column_sums(a.len() / c.max(1), c, par, |r, acc| {
        let (ra, rb) = (&a[r.start * c..r.end * c], &b[r.start * c..r.end * c]);
        for (row_a, row_b) in ra.chunks_exact(c).zip(rb.chunks_exact(c)) {
            for ((s, &va), &vb) in acc.iter_mut().zip(row_a).zip(row_b) {
                *s += va as f64 * vb as f64;
            }
        }
    })
}

/// `f(first row, rows)` on consecutive [`ROW_CHUNK`]-row blocks of a
/// contiguous `[R, C]` buffer, in parallel with [`Par::Rayon`].
fn map_row_chunks(x: &mut [f32], c: usize, par: Par, f: impl Fn(usize, &mut [f32]) + Sync) {
    let step = ROW_CHUNK * c.max(1);
    match par {
        Par::Rayon => x
            .par_chunks_mut(step)
            .enumerate()
            .for_each(|(i, rows)| f(i * ROW_CHUNK, rows)),
        Par::Serial => x
            .chunks_mut(step)
            .enumerate()
            .for_each(|(i, rows)| f(i * ROW_CHUNK, rows)),
    }
}

impl BatchNorm1d {
    /// Register `{name}.weight` (ones), `{name}.bias` (zeros),
    /// `{name}.running_mean` (zeros), `{name}.running_var` (ones).
    pub fn new(params: &mut Params, name: &str, channels: usize, eps: f32, momentum: f32) -> Self {
        let ones = || ndarray::ArrayD::ones(ndarray::IxDyn(&[channels]));
        let weight = params.add(&format!("{name}.weight"), TensorKind::Param, ones());
        let bias = params.add(
            &format!("{name}.bias"),
            TensorKind::Param,
            Params::dyn_zeros(&[channels]),
        );
        let running_mean = params.add(
            &format!("{name}.running_mean"),
            TensorKind::Buffer,
            Params::dyn_zeros(&[channels]),
        );
        let running_var = params.add(&format!("{name}.running_var"), TensorKind::Buffer, ones());
        BatchNorm1d {
            weight,
            bias,
            running_mean,
            running_var,
            channels,
            eps,
            momentum,
        }
    }

    /// Training forward, in place on `x` `[R, C]` (R >= 1): normalise with the
    /// batch statistics, then scale and shift. Returns the cache for
    /// [`BatchNorm1d::backward`] and [`BatchNorm1d::update_running`].
    pub fn forward_train(&self, p: &Params, x: &mut Array2<f32>, par: Par) -> BnCache {
        let r = x.nrows().max(1) as f64;
        let c = self.channels;
        if !x.is_standard_layout() {
            *x = x.as_standard_layout().into_owned();
        }
        let mut xhat = Array2::<f32>::zeros(x.raw_dim());
        let xs = x.as_slice_mut().expect("standard layout");
        let mean: Vec<f64> = sum_cols(xs, c, par).into_iter().map(|s| s / r).collect();
        let sq = sq_dev_cols(xs, c, &mean, par);
        let var: Vec<f64> = sq.iter().map(|s| s / r).collect();
        let rstd: Vec<f32> = var
            .iter()
            .map(|v| (1.0 / (v + self.eps as f64).sqrt()) as f32)
            .collect();
        let meanf: Vec<f32> = mean.iter().map(|&m| m as f32).collect();
        let g = p.view1(self.weight);
        let b = p.view1(self.bias);
        let (g, b) = (g.as_slice().expect("1-D"), b.as_slice().expect("1-D"));
        // One pass: xhat = (x - mean) * rstd into the cache, out = xhat * g + b
        // in place.
        let xh = xhat.as_slice_mut().expect("standard layout");
        let step = ROW_CHUNK * c.max(1);
        let run = |(o, h): (&mut [f32], &mut [f32])| {
            for (orow, hrow) in o.chunks_exact_mut(c).zip(h.chunks_exact_mut(c)) {
                for t in 0..c {
                    let v = (orow[t] - meanf[t]) * rstd[t];
                    hrow[t] = v;
                    orow[t] = v * g[t] + b[t];
                }
            }
        };
        match par {
            Par::Rayon => xs
                .par_chunks_mut(step)
                .zip(xh.par_chunks_mut(step))
                .for_each(run),
            Par::Serial => xs.chunks_mut(step).zip(xh.chunks_mut(step)).for_each(run),
        }
        let unbias = if r > 1.0 { r / (r - 1.0) } else { 1.0 };
        BnCache {
            xhat,
            rstd,
            mean: meanf,
            var_unbiased: var.iter().map(|v| (v * unbias) as f32).collect(),
        }
    }

    /// Blend the batch statistics of `cache` into the running averages with
    /// weight `momentum`, or the layer's own momentum when `None` (nothing
    /// when the layer is frozen, [`Params::freeze`]).
    pub fn update_running(&self, p: &mut Params, cache: &BnCache, momentum: Option<f32>) {
        if p.kind(self.running_mean) == TensorKind::Frozen {
            return;
        }
        let m = momentum.unwrap_or(self.momentum);
        for (rm, &bm) in p.view1_mut(self.running_mean).iter_mut().zip(&cache.mean) {
            *rm = (1.0 - m) * *rm + m * bm;
        }
        for (rv, &bv) in p
            .view1_mut(self.running_var)
            .iter_mut()
            .zip(&cache.var_unbiased)
        {
            *rv = (1.0 - m) * *rv + m * bv;
        }
    }

    /// The inference map as `out = scale * x + shift`, per channel.
    pub fn affine(&self, p: &Params) -> (Array1<f32>, Array1<f32>) {
        let g = p.view1(self.weight);
        let b = p.view1(self.bias);
        let rm = p.view1(self.running_mean);
        let rv = p.view1(self.running_var);
        let scale = Zip::from(&g)
            .and(&rv)
            .map_collect(|&g, &v| g / (v + self.eps).sqrt());
        let shift = Zip::from(&b)
            .and(&rm)
            .and(&scale)
            .map_collect(|&b, &m, &s| b - m * s);
        (scale, shift)
    }

    /// Inference forward with the running statistics, in place on `[R, C]`.
    pub fn forward_eval(&self, p: &Params, x: ArrayViewMut2<f32>) {
        let (scale, shift) = self.affine(p);
        let mut x = x;
        for mut row in x.rows_mut() {
            Zip::from(&mut row)
                .and(&scale)
                .and(&shift)
                .for_each(|v, &s, &t| *v = *v * s + t);
        }
    }

    /// Fold this layer (inference statistics) into the linear layer before
    /// it: `W' = scale * W` (per output row), `b' = scale * b + shift`.
    /// `weight` is `[C, Cin]`, `bias` `[C]`, both modified in place.
    pub fn fold_into_linear(
        &self,
        p: &Params,
        weight: &mut ndarray::ArrayViewMut2<f32>,
        bias: &mut ndarray::ArrayViewMut1<f32>,
    ) {
        let (scale, shift) = self.affine(p);
        for (mut row, &s) in weight.rows_mut().into_iter().zip(&scale) {
            row *= s;
        }
        Zip::from(bias)
            .and(&scale)
            .and(&shift)
            .for_each(|b, &s, &t| *b = *b * s + t);
    }

    /// `dinp += d(out)/d(inp)^T dout` with batch statistics; accumulates
    /// `dweight`, `dbias` into `grads`. `dout`, `dinp` are `[R, C]`.
    pub fn backward(
        &self,
        p: &Params,
        grads: &mut Params,
        cache: &BnCache,
        dout: ArrayView2<f32>,
        dinp: ArrayViewMut2<f32>,
        par: Par,
    ) {
        let r = dout.nrows().max(1) as f64;
        let c = self.channels;
        let g = p.view1(self.weight);
        let g = g.as_slice().expect("1-D");
        let dout = dout.as_standard_layout();
        let d = dout.as_slice().expect("standard layout");
        let xh = cache.xhat.as_slice().expect("standard layout");
        // sum_r dout and sum_r dout * xhat, per channel.
        let sum_d = sum_cols(d, c, par);
        let sum_dx = dot_cols(d, xh, c, par);
        for (dg, s) in grads.view1_mut(self.weight).iter_mut().zip(&sum_dx) {
            *dg += *s as f32;
        }
        for (db, s) in grads.view1_mut(self.bias).iter_mut().zip(&sum_d) {
            *db += *s as f32;
        }
        // dxhat = dout * g; mean_r(dxhat) = g * sum_d / R; mean_r(dxhat*xhat) = g * sum_dx / R.
        let k: Vec<f32> = (0..c).map(|t| g[t] * cache.rstd[t]).collect();
        let m1: Vec<f32> = sum_d.iter().map(|s| (s / r) as f32).collect();
        let m2: Vec<f32> = sum_dx.iter().map(|s| (s / r) as f32).collect();
        let mut dinp = dinp;
        let di = dinp
            .as_slice_mut()
            .expect("BatchNorm1d::backward: dinp must be contiguous");
        map_row_chunks(di, c, par, |r0, rows| {
            let base = r0 * c;
            for (ri, row) in rows.chunks_exact_mut(c).enumerate() {
                let o = base + ri * c;
                let (dr, xr) = (&d[o..o + c], &xh[o..o + c]);
                for t in 0..c {
                    row[t] += k[t] * (dr[t] - m1[t] - xr[t] * m2[t]);
                }
            }
        });
    }
}
