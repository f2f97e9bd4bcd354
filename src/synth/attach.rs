//! Domain randomisation: small details attached to a shape's surfaces with
//! the label of the part they sit on, the way CAD models carry knobs,
//! brackets, bolts, buttons and trim that no generator draws.
//!
//! Each detail is a small box (bracket, button, plate) or a capped cylinder
//! (knob, peg, bolt head) a few hundredths of the shape's size, standing on
//! a point drawn uniformly by area over the shape, along the surface normal
//! there, partly sunk into it.

use super::math::{add_mul, Transform};
use super::primitives::{Frustum, RoundedBox, SurfaceExt};
use super::shape::Shape;
use crate::rng::Rng;

/// Add a Poisson-distributed number (mean `mean`) of small details to
/// `shape`, each labelled with the part of the surface it stands on.
/// Returns how many were added. Nothing is drawn from `rng` when `mean` is 0.
pub fn attach_details(shape: &mut Shape, mean: f32, rng: &mut Rng) -> usize {
    if mean <= 0.0 || shape.is_empty() {
        return 0;
    }
    let count = poisson(mean, rng);
    let Some(size) = shape.extent(rng) else {
        return 0;
    };
    let mut added = 0;
    for _ in 0..count {
        let Some((part, p, n)) = shape.surface_point(rng) else {
            break;
        };
        // Orient +y along the normal, with a random turn about it.
        let turn = Transform::rotate_y(rng.uniform(0.0, std::f32::consts::TAU));
        let place = |height: f32, rng: &mut Rng| {
            // Sunk by 20-70 % of its height: it meets the surface.
            let centre = add_mul(p, n, height * rng.uniform(-0.2, 0.3));
            turn.then(&Transform::align_y(n)).then_translate(centre)
        };
        if rng.chance(0.5) {
            let half = [
                size * rng.uniform(0.006, 0.035),
                size * rng.uniform(0.004, 0.03),
                size * rng.uniform(0.006, 0.035),
            ];
            let radius = 0.3 * half[0].min(half[1]).min(half[2]);
            let xf = place(half[1], rng);
            shape.add(part, RoundedBox::new(half, radius).transformed(xf));
        } else {
            let r = size * rng.uniform(0.004, 0.022);
            let h = size * rng.uniform(0.005, 0.04);
            let xf = place(h, rng);
            shape.add(
                part,
                Frustum::new(r, r * rng.uniform(0.6, 1.0), h, (false, true)).transformed(xf),
            );
        }
        added += 1;
    }
    added
}

/// A Poisson draw by multiplying uniforms (fine for small means).
fn poisson(mean: f32, rng: &mut Rng) -> usize {
    let limit = (-mean.min(50.0)).exp();
    let mut product = rng.f32();
    let mut k = 0;
    while product > limit {
        k += 1;
        product *= rng.f32();
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::CATEGORIES;

    #[test]
    fn poisson_mean_matches() {
        let mut rng = Rng::new(3);
        let n = 20_000;
        let total: usize = (0..n).map(|_| poisson(2.5, &mut rng)).sum();
        let m = total as f64 / n as f64;
        // Standard error sqrt(2.5 / 20000) = 0.011.
        assert!((m - 2.5).abs() < 0.05, "mean {m}");
        assert_eq!(poisson(0.0, &mut rng), 0);
    }

    /// Details carry the label of the part they stand on: every detail's
    /// points lie near a surface of that part.
    #[test]
    fn details_take_the_label_of_their_part() {
        let chair = &CATEGORIES[4];
        for seed in 0..20 {
            let mut rng = Rng::new(seed);
            let mut shape = super::super::build_shape(chair, &mut rng).unwrap();
            let before = shape.len();
            let base = shape.sample(chair, 4000, &mut Rng::new(1)).unwrap();
            let added = attach_details(&mut shape, 3.0, &mut rng);
            assert_eq!(shape.len(), before + added);
            let detailed = shape.sample(chair, 4000, &mut Rng::new(1)).unwrap();
            assert_eq!(detailed.len(), 4000);
            // Each point of the detailed cloud lies within 0.1 of the shape's
            // own points of its label (details are small and sit on them).
            let labels = base.labels.as_ref().unwrap();
            let dl = detailed.labels.as_ref().unwrap();
            for (q, &l) in detailed.points.iter().zip(dl) {
                let near = base
                    .points
                    .iter()
                    .zip(labels)
                    .filter(|(_, &b)| b == l)
                    .map(|(p, _)| (0..3).map(|a| (p[a] - q[a]).powi(2)).sum::<f32>().sqrt())
                    .fold(f32::INFINITY, f32::min);
                let size = shape.extent(&mut Rng::new(9)).unwrap();
                assert!(
                    near < 0.1 * size,
                    "seed {seed}: point {q:?} label {l} is {near} from its part"
                );
            }
        }
    }

    #[test]
    fn zero_mean_draws_nothing() {
        let chair = &CATEGORIES[4];
        let mut a = Rng::new(5);
        let mut shape = super::super::build_shape(chair, &mut a).unwrap();
        let b = a.clone().next_u64();
        assert_eq!(attach_details(&mut shape, 0.0, &mut a), 0);
        assert_eq!(a.next_u64(), b);
    }
}
