//! The parameter store: named tensors in a stable order.
//!
//! Every learnable tensor and every BatchNorm running statistic of a network
//! lives in one [`Params`], addressed by a [`TensorId`] handed out when the
//! layer is built (layers hold ids, not arrays). Gradients use the same
//! structure: [`Params::zeros_like`] builds a store with the same names and
//! shapes, [`Params::zero_grad`] clears it. Names are dotted paths
//! (`sa1.0.expand.linear.weight`) and are the tensor names in model files.

use crate::error::{Error, Result};
use ndarray::{ArrayD, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Ix1, Ix2, IxDyn};
use std::collections::HashMap;

/// Handle of one tensor in a [`Params`] store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TensorId(pub(crate) usize);

/// Whether a tensor is learned by gradient descent or is a running statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorKind {
    /// A learnable parameter (the optimiser updates it).
    Param,
    /// A buffer updated by the forward pass (BatchNorm running mean / var).
    Buffer,
    /// A parameter held fixed for this training run ([`Params::freeze`]):
    /// the optimiser leaves it alone, and a BatchNorm whose scale is frozen
    /// keeps its running statistics.
    Frozen,
}

/// Named tensors in insertion order.
#[derive(Debug, Clone, Default)]
pub struct Params {
    names: Vec<String>,
    kinds: Vec<TensorKind>,
    values: Vec<ArrayD<f32>>,
    index: HashMap<String, usize>,
}

impl Params {
    /// An empty store.
    pub fn new() -> Self {
        Params::default()
    }

    /// Add a tensor; panics on a duplicate name (a bug in the layer builder).
    pub fn add(&mut self, name: &str, kind: TensorKind, value: ArrayD<f32>) -> TensorId {
        assert!(
            !self.index.contains_key(name),
            "duplicate tensor name {name}"
        );
        let id = self.values.len();
        self.index.insert(name.to_string(), id);
        self.names.push(name.to_string());
        self.kinds.push(kind);
        self.values.push(value);
        TensorId(id)
    }

    /// Number of tensors.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Tensor names in their stable order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// All ids in order.
    pub fn ids(&self) -> impl Iterator<Item = TensorId> {
        (0..self.values.len()).map(TensorId)
    }

    /// Id of a tensor by name.
    pub fn id(&self, name: &str) -> Option<TensorId> {
        self.index.get(name).map(|&i| TensorId(i))
    }

    /// Name of a tensor.
    pub fn name(&self, id: TensorId) -> &str {
        &self.names[id.0]
    }

    /// Kind of a tensor.
    pub fn kind(&self, id: TensorId) -> TensorKind {
        self.kinds[id.0]
    }

    /// Whether the optimiser should update this tensor.
    pub fn is_trainable(&self, id: TensorId) -> bool {
        self.kinds[id.0] == TensorKind::Param
    }

    /// The stage a tensor name belongs to: its part before the first dot
    /// (`sa1` for `sa1.0.expand.linear.weight`).
    pub fn stage_of(name: &str) -> &str {
        name.split('.').next().unwrap_or(name)
    }

    /// Hold every parameter and running statistic of `stage` fixed
    /// ([`Params::stage_of`]); returns how many tensors the stage has
    /// (frozen before or not). Kinds are not saved with the values, so a
    /// resumed run freezes again from its options.
    pub fn freeze(&mut self, stage: &str) -> usize {
        let mut n = 0;
        for (name, kind) in self.names.iter().zip(&mut self.kinds) {
            if Params::stage_of(name) == stage {
                *kind = TensorKind::Frozen;
                n += 1;
            }
        }
        n
    }

    /// The tensor.
    pub fn get(&self, id: TensorId) -> &ArrayD<f32> {
        &self.values[id.0]
    }

    /// The tensor, mutable.
    pub fn get_mut(&mut self, id: TensorId) -> &mut ArrayD<f32> {
        &mut self.values[id.0]
    }

    /// The tensor as a 2-D view (panics if it is not 2-D: ids come from the
    /// layer that created the tensor, so a wrong rank is a bug).
    pub fn view2(&self, id: TensorId) -> ArrayView2<'_, f32> {
        self.values[id.0]
            .view()
            .into_dimensionality::<Ix2>()
            .expect("2-D tensor")
    }

    /// The tensor as a 1-D view.
    pub fn view1(&self, id: TensorId) -> ArrayView1<'_, f32> {
        self.values[id.0]
            .view()
            .into_dimensionality::<Ix1>()
            .expect("1-D tensor")
    }

    /// Mutable 2-D view.
    pub fn view2_mut(&mut self, id: TensorId) -> ArrayViewMut2<'_, f32> {
        self.values[id.0]
            .view_mut()
            .into_dimensionality::<Ix2>()
            .expect("2-D tensor")
    }

    /// Mutable 1-D view.
    pub fn view1_mut(&mut self, id: TensorId) -> ArrayViewMut1<'_, f32> {
        self.values[id.0]
            .view_mut()
            .into_dimensionality::<Ix1>()
            .expect("1-D tensor")
    }

    /// Two distinct tensors, both mutable (for gradients written together).
    pub fn pair_mut(&mut self, a: TensorId, b: TensorId) -> (&mut ArrayD<f32>, &mut ArrayD<f32>) {
        assert_ne!(a.0, b.0, "pair_mut of one tensor");
        if a.0 < b.0 {
            let (lo, hi) = self.values.split_at_mut(b.0);
            (&mut lo[a.0], &mut hi[0])
        } else {
            let (lo, hi) = self.values.split_at_mut(a.0);
            (&mut hi[0], &mut lo[b.0])
        }
    }

    /// A store with the same names, kinds and shapes, all zeros (gradients).
    pub fn zeros_like(&self) -> Params {
        Params {
            names: self.names.clone(),
            kinds: self.kinds.clone(),
            values: self
                .values
                .iter()
                .map(|v| ArrayD::zeros(v.raw_dim()))
                .collect(),
            index: self.index.clone(),
        }
    }

    /// Set every tensor to zero (llm.c's `zero_grad`).
    pub fn zero_grad(&mut self) {
        for v in &mut self.values {
            v.fill(0.0);
        }
    }

    /// Number of scalars in learnable tensors.
    pub fn num_trainable(&self) -> usize {
        self.ids()
            .filter(|&i| self.is_trainable(i))
            .map(|i| self.values[i.0].len())
            .sum()
    }

    /// VarBuilder-style check: the tensor called `name` exists and has
    /// `shape`. `origin` (a file name) prefixes the error message.
    pub fn check(&self, origin: &str, name: &str, shape: &[usize]) -> Result<TensorId> {
        let id = self
            .id(name)
            .ok_or_else(|| Error::model(format!("{origin}: missing tensor `{name}`")))?;
        let actual = self.values[id.0].shape();
        if actual != shape {
            return Err(Error::model(format!(
                "{origin}: tensor `{name}`: expected shape {shape:?}, found {actual:?}"
            )));
        }
        Ok(id)
    }

    /// Replace a tensor's value, keeping its name and kind; the shape must
    /// match and every value must be finite (`origin` names the source in the
    /// error, with the first non-finite value and its row-major index).
    pub fn set(&mut self, origin: &str, name: &str, value: ArrayD<f32>) -> Result<()> {
        let id = self.check(origin, name, value.shape())?;
        if let Some((at, v)) = value.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::model(format!(
                "{origin}: tensor `{name}` has a non-finite value ({v}) at index {at}"
            )));
        }
        self.values[id.0] = value;
        Ok(())
    }

    /// `shape` as an `IxDyn`, a small helper for builders.
    pub(crate) fn dyn_zeros(shape: &[usize]) -> ArrayD<f32> {
        ArrayD::zeros(IxDyn(shape))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_keeps_order_and_checks_shapes() {
        let mut p = Params::new();
        let a = p.add("a.weight", TensorKind::Param, Params::dyn_zeros(&[2, 3]));
        let b = p.add(
            "a.running_mean",
            TensorKind::Buffer,
            Params::dyn_zeros(&[3]),
        );
        assert_eq!(p.names(), &["a.weight", "a.running_mean"]);
        assert_eq!(p.num_trainable(), 6);
        assert!(p.is_trainable(a) && !p.is_trainable(b));
        p.view2_mut(a)[[1, 2]] = 5.0;
        let mut g = p.zeros_like();
        assert_eq!(g.view2(a)[[1, 2]], 0.0);
        g.view2_mut(a).fill(1.0);
        g.zero_grad();
        assert_eq!(g.get(a).sum(), 0.0);
        let e = p.check("m.safetensors", "a.weight", &[3, 2]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "m.safetensors: tensor `a.weight`: expected shape [3, 2], found [2, 3]"
        );
        assert!(p.check("m", "zzz", &[1]).is_err());
    }

    #[test]
    fn freeze_matches_whole_stage_names() {
        let mut p = Params::new();
        let names = [
            "sa1.w",
            "sa10.w",
            "sa1x.w",
            "stem.bn.running_mean",
            "head.w",
        ];
        let ids: Vec<TensorId> = names
            .iter()
            .map(|n| p.add(n, TensorKind::Param, Params::dyn_zeros(&[1])))
            .collect();
        assert_eq!(p.freeze("sa1") + p.freeze("stem"), 2);
        let trainable: Vec<bool> = ids.iter().map(|&i| p.is_trainable(i)).collect();
        assert_eq!(trainable, [false, true, true, false, true]);
        assert_eq!(p.kind(ids[3]), TensorKind::Frozen);
        // Freezing again changes nothing (the stage still names its tensor).
        assert_eq!(p.freeze("sa1"), 1);
        assert_eq!(p.num_trainable(), 3);
    }
}
