//! Weight averaging: one model whose every tensor is the element-wise mean of
//! the same tensor in several models of one architecture, e.g. the last
//! epochs of a fine-tuning run (stochastic weight averaging, Izmailov et al.
//! 2018). Models that share a start and a low learning rate sit in one basin,
//! and their mean is usually flatter there, which tends to carry better to
//! data unlike the training data. BatchNorm running statistics are averaged
//! the same way (means of means and of variances), which is close to
//! re-estimating them when the models are near one another.

use super::trainable::Model;
use crate::error::{Error, Result};

/// The element-wise mean of `models`, which must share one configuration
/// (same tensors, same shapes). `origins` name the models in errors. The
/// result is trained if every input is; its note is the first model's.
pub fn average(models: &[Model], origins: &[String]) -> Result<Model> {
    let (first, rest) = models
        .split_first()
        .ok_or_else(|| Error::Usage("weight averaging needs at least one model".into()))?;
    let name = |i: usize| origins.get(i).map_or("a model", String::as_str).to_string();
    let mut out = first.clone();
    for (i, m) in rest.iter().enumerate() {
        if m.config() != first.config() {
            return Err(Error::Model(format!(
                "{}: its architecture ({}) differs from {}'s ({}): only models of one configuration can be averaged",
                name(i + 1),
                m.config().name,
                name(0),
                first.config().name
            )));
        }
        out.trained &= m.trained;
    }
    let n = models.len() as f64;
    for id in first.params.ids() {
        let acc = out.params.get_mut(id);
        // Sum in f64 so the mean does not depend on the order of the models.
        let mut sum: Vec<f64> = acc.iter().map(|&v| f64::from(v)).collect();
        for m in rest {
            for (s, &v) in sum.iter_mut().zip(m.params.get(id).iter()) {
                *s += f64::from(v);
            }
        }
        for (a, s) in acc.iter_mut().zip(sum) {
            *a = (s / n) as f32;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::ModelConfig;

    fn origins(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("m{i}")).collect()
    }

    #[test]
    fn mean_of_three_models_is_the_elementwise_mean() {
        let cfg = ModelConfig::default();
        let ms: Vec<Model> = (0..3)
            .map(|s| Model::init(cfg.clone(), s).unwrap())
            .collect();
        let avg = average(&ms, &origins(3)).unwrap();
        for id in ms[0].params.ids() {
            let a = avg.params.get(id);
            for (k, &v) in a.iter().enumerate() {
                let want = ms
                    .iter()
                    .map(|m| f64::from(m.params.get(id).as_slice_memory_order().unwrap()[k]))
                    .sum::<f64>()
                    / 3.0;
                assert!((f64::from(v) - want).abs() <= 1e-6 * want.abs().max(1.0));
            }
        }
        // Different seeds give different weights: the mean is none of them.
        let id = ms[0].params.ids().next().unwrap();
        assert_ne!(avg.params.get(id), ms[0].params.get(id));
    }

    #[test]
    fn a_model_averaged_with_itself_is_unchanged() {
        let m = Model::init(ModelConfig::default(), 7).unwrap();
        let avg = average(&[m.clone(), m.clone()], &origins(2)).unwrap();
        for id in m.params.ids() {
            assert_eq!(avg.params.get(id), m.params.get(id));
        }
    }

    #[test]
    fn different_architectures_are_refused_with_the_file_named() {
        let a = Model::init(ModelConfig::default(), 1).unwrap();
        let mut cfg = ModelConfig::default();
        cfg.stem_width += 8;
        cfg.name = "narrower".into();
        let b = Model::init(cfg, 1).unwrap();
        let err = average(&[a, b], &origins(2)).unwrap_err().to_string();
        assert!(err.starts_with("m1: "), "{err}");
        assert!(average(&[], &[]).is_err());
    }
}
