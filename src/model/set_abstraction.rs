//! A set-abstraction level: a stride-2 bottleneck from the previous level's
//! points to this level's FPS centres (ball-query groups, no residual),
//! followed by stride-1 residual bottlenecks that regroup this level's own
//! points (ball query among them, same radius and K).

use super::bottleneck::{Bottleneck, BottleneckCache};
use super::config::ModelConfig;
use super::exec::Ctx;
use super::layers::neighbour_max::Groups;
use super::layers::{BatchNorm1d, Par};
use super::params::Params;
use super::unit::{Rows, Unit};
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// One SA level.
#[derive(Debug, Clone)]
pub struct SetAbstraction {
    /// `blocks[0]` is the stride-2 block, the rest are stride-1.
    pub blocks: Vec<Bottleneck>,
    /// FPS centres per cloud (fewer when the cloud is smaller).
    pub centres: usize,
    /// Ball-query neighbours K per centre.
    pub neighbours: usize,
}

/// The global level: one bottleneck whose single centre per cloud (at the
/// origin, r = 1) has every point of the last SA level as a neighbour.
#[derive(Debug, Clone)]
pub struct GlobalAbstraction {
    /// The block (no residual).
    pub block: Bottleneck,
}

/// Training caches of a level: each block's cache and the input of each
/// stride-1 block (the level's output is the caller's, not kept here).
#[derive(Debug, Clone, Default)]
pub struct SaCache {
    /// `inps[i]`: input of block `i + 1` (the output of block `i`).
    pub inps: Vec<Array2<f32>>,
    /// Cache of each block.
    pub blocks: Vec<BottleneckCache>,
}

impl SetAbstraction {
    /// Level `l` (0-based) of `cfg`, named `sa{l+1}.{block}`.
    pub fn new(p: &mut Params, cfg: &ModelConfig, l: usize) -> Self {
        let lv = &cfg.levels[l];
        let cin = if l == 0 {
            cfg.stem_width
        } else {
            cfg.levels[l - 1].width
        };
        let (h2, h1) = cfg.level_hidden(l);
        let bn = (cfg.bn_eps, cfg.bn_momentum);
        let mut blocks = vec![Bottleneck::new(
            p,
            &format!("sa{}.0", l + 1),
            cin,
            h2,
            lv.width,
            lv.radius,
            false,
            bn,
        )];
        for i in 0..lv.blocks {
            blocks.push(Bottleneck::new(
                p,
                &format!("sa{}.{}", l + 1, i + 1),
                lv.width,
                h1,
                lv.width,
                lv.radius,
                true,
                bn,
            ));
        }
        SetAbstraction {
            blocks,
            centres: lv.centres,
            neighbours: lv.neighbours,
        }
    }

    /// Output `[S, C]` of the level from the previous level's features.
    pub fn forward(
        &self,
        ctx: &Ctx,
        x: ArrayView2<f32>,
        down: Groups,
        same: Groups,
    ) -> (Array2<f32>, Option<SaCache>) {
        let (mut y, c0) = self.blocks[0].forward(ctx, x, down);
        let mut cache = c0.map(|c| SaCache {
            inps: Vec::new(),
            blocks: vec![c],
        });
        for b in &self.blocks[1..] {
            let (y2, c) = b.forward(ctx, y.view(), same);
            let prev = std::mem::replace(&mut y, y2);
            if let (Some(cache), Some(c)) = (cache.as_mut(), c) {
                cache.inps.push(prev);
                cache.blocks.push(c);
            }
        }
        (y, cache)
    }

    /// `dx += ...` from the gradient `dout` at the level's output.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        p: &Params,
        grads: &mut Params,
        x: ArrayView2<f32>,
        down: Groups,
        same: Groups,
        cache: &SaCache,
        dout: Array2<f32>,
        dx: ArrayViewMut2<f32>,
        par: Par,
    ) {
        let mut d = dout;
        for i in (1..self.blocks.len()).rev() {
            let inp = cache.inps[i - 1].view();
            let mut dinp = Array2::zeros(inp.raw_dim());
            self.blocks[i].backward(
                p,
                grads,
                inp,
                same,
                &cache.blocks[i],
                d.view(),
                dinp.view_mut(),
                par,
            );
            d = dinp;
        }
        self.blocks[0].backward(p, grads, x, down, &cache.blocks[0], d.view(), dx, par);
    }
}

impl Unit for SetAbstraction {
    fn init(&self, p: &mut Params, rng: &mut Rng) {
        for b in &self.blocks {
            b.init(p, rng);
        }
    }

    fn fold(&self, p: &mut Params) {
        for b in &self.blocks {
            b.fold(p);
        }
    }

    fn batch_norms(&self) -> Vec<&BatchNorm1d> {
        self.blocks.iter().flat_map(|b| b.batch_norms()).collect()
    }

    fn flops(&self, rows: Rows) -> u64 {
        let k = self.neighbours;
        let mut f = self.blocks[0].flops(rows.inp, rows.out, k);
        for b in &self.blocks[1..] {
            f += b.flops(rows.out, rows.out, k);
        }
        f
    }

    fn shape(&self) -> String {
        let b0 = &self.blocks[0];
        let mut s = format!(
            "{} centres, r {}, K {}: bottleneck {}",
            self.centres,
            b0.agg.radius,
            self.neighbours,
            b0.shape()
        );
        if let Some(b1) = self.blocks.get(1) {
            s += &format!(
                ", + {} stride-1 block(s) {}",
                self.blocks.len() - 1,
                b1.shape()
            );
        }
        s
    }
}

impl Unit for GlobalAbstraction {
    fn init(&self, p: &mut Params, rng: &mut Rng) {
        self.block.init(p, rng);
    }

    fn fold(&self, p: &mut Params) {
        self.block.fold(p);
    }

    fn batch_norms(&self) -> Vec<&BatchNorm1d> {
        self.block.batch_norms().to_vec()
    }

    fn flops(&self, rows: Rows) -> u64 {
        self.block.flops(rows.inp, rows.out, rows.inp)
    }

    fn shape(&self) -> String {
        format!("max over all points: {}", self.block.shape())
    }
}
