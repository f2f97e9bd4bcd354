//! Global-norm gradient clipping.
//!
//! ```text
//! norm = sqrt(sum over all tensors and values of g^2)
//! if norm > max_norm:  g <- g * (max_norm / norm)
//! ```

/// Global L2 norm of a set of gradient tensors (accumulated in f64).
pub fn global_norm<'a>(grads: impl IntoIterator<Item = &'a [f32]>) -> f64 {
    grads
        .into_iter()
        .flat_map(|g| g.iter())
        .map(|&x| x as f64 * x as f64)
        .sum::<f64>()
        .sqrt()
}

/// The factor that brings a global norm `norm` down to `max_norm`: 1 when
/// `norm <= max_norm` or clipping is disabled (`max_norm` non-positive or
/// non-finite), else `max_norm / norm`.
pub fn clip_factor(norm: f64, max_norm: f32) -> f32 {
    if max_norm > 0.0 && max_norm.is_finite() && norm > max_norm as f64 {
        (max_norm as f64 / norm) as f32
    } else {
        1.0
    }
}

/// Scale all gradients so their global norm is at most `max_norm`; returns
/// the norm before clipping. A non-positive or non-finite `max_norm` disables
/// clipping.
pub fn clip_global_norm(grads: &mut [&mut [f32]], max_norm: f32) -> f64 {
    let norm = global_norm(grads.iter().map(|g| &**g));
    let scale = clip_factor(norm, max_norm);
    if scale != 1.0 {
        for g in grads.iter_mut() {
            for x in g.iter_mut() {
                *x *= scale;
            }
        }
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_scales_to_the_exact_norm() {
        // ||(3, 4, 12)|| = 13 over two tensors.
        let mut a = vec![3.0f32, 4.0];
        let mut b = vec![12.0f32];
        let before = clip_global_norm(&mut [&mut a, &mut b], 6.5);
        assert_eq!(before, 13.0);
        assert_eq!(a, vec![1.5, 2.0]);
        assert_eq!(b, vec![6.0]);
        assert!((global_norm([a.as_slice(), b.as_slice()]) - 6.5).abs() < 1e-6);
        // Below the threshold nothing changes.
        let mut c = vec![0.3f32, -0.4];
        assert!((clip_global_norm(&mut [&mut c], 1.0) - 0.5).abs() < 1e-7);
        assert_eq!(c, vec![0.3, -0.4]);
        // Disabled.
        let mut d = vec![30.0f32];
        clip_global_norm(&mut [&mut d], 0.0);
        assert_eq!(d, vec![30.0]);
    }

    #[test]
    fn random_gradients_end_at_max_norm() {
        let mut rng = crate::rng::Rng::new(3);
        let mut ts: Vec<Vec<f32>> = (0..5)
            .map(|k| (0..100 * (k + 1)).map(|_| rng.normal()).collect())
            .collect();
        let mut views: Vec<&mut [f32]> = ts.iter_mut().map(|t| t.as_mut_slice()).collect();
        let before = clip_global_norm(&mut views, 2.0);
        assert!(before > 2.0);
        let after = global_norm(ts.iter().map(|t| t.as_slice()));
        assert!((after - 2.0).abs() < 1e-5, "{after}");
    }
}
