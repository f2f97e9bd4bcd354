//! Realism knobs for synthetic clouds, off by default: sensor-like noise,
//! non-uniform density, small missing regions and slight misalignment.
//!
//! Applied to a cloud already in the ShapeNetPart frame (bounding-box
//! diagonal 1, so amplitudes are fractions of the shape's size); the frame is
//! normalised again afterwards. Dropping points needs a surplus, so callers
//! sample [`Realism::oversample`] points and [`Realism::apply`] trims to the
//! requested count.

use super::math::{add_mul, basis, dot, length, normalize, Transform, V3};
use super::shape::normalize_frame;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::PointCloud;

/// Preset strengths of [`Realism`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RealismLevel {
    /// Clean samples (the default).
    #[default]
    Off,
    /// Mild noise and density variation, rare small holes, ~2 degree tilt.
    Low,
    /// Moderate everything.
    Medium,
    /// Strong noise, large density swings, several holes, ~8 degree tilt.
    High,
}

impl std::str::FromStr for RealismLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" | "none" | "0" => Ok(RealismLevel::Off),
            "low" | "1" => Ok(RealismLevel::Low),
            "medium" | "2" => Ok(RealismLevel::Medium),
            "high" | "3" => Ok(RealismLevel::High),
            other => Err(Error::usage(format!(
                "unknown realism level '{other}' (expected off, low, medium or high)"
            ))),
        }
    }
}

/// Strengths of the realism effects (all zero = off). Lengths are in units of
/// the bounding-box diagonal, angles in radians.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Realism {
    /// Standard deviation of the offset along the normal.
    pub normal_noise: f32,
    /// Standard deviation of the offset in the tangent plane.
    pub tangential_noise: f32,
    /// Depth of the smooth keep-probability field (0 = uniform density,
    /// 0.6 = some regions keep only 40% of their points).
    pub density: f32,
    /// Largest number of missing regions (balls) per shape.
    pub holes: usize,
    /// Radius of a missing region.
    pub hole_radius: f32,
    /// Largest yaw (rotation about y), drawn uniformly in `[-yaw, yaw]`.
    pub yaw: f32,
    /// Largest tilt (rotation about a random horizontal axis).
    pub tilt: f32,
    /// Probability that a surface's normals are reversed (an inside-out CAD
    /// component); not part of the presets.
    pub surface_flip: f32,
    /// Mean number of small details (boxes, knobs) attached to a shape with
    /// the label of the part they stand on ([`crate::synth::attach`]); not
    /// part of the presets.
    pub attach: f32,
}

impl Realism {
    /// No effects.
    pub fn off() -> Self {
        Realism::default()
    }

    /// The preset for `level`.
    pub fn level(level: RealismLevel) -> Self {
        let deg = |d: f32| d.to_radians();
        match level {
            RealismLevel::Off => Realism::off(),
            RealismLevel::Low => Realism {
                normal_noise: 0.002,
                tangential_noise: 0.001,
                density: 0.3,
                holes: 1,
                hole_radius: 0.03,
                yaw: deg(3.0),
                tilt: deg(2.0),
                surface_flip: 0.0,
                attach: 0.0,
            },
            RealismLevel::Medium => Realism {
                normal_noise: 0.004,
                tangential_noise: 0.002,
                density: 0.5,
                holes: 3,
                hole_radius: 0.05,
                yaw: deg(8.0),
                tilt: deg(4.0),
                surface_flip: 0.0,
                attach: 0.0,
            },
            RealismLevel::High => Realism {
                normal_noise: 0.008,
                tangential_noise: 0.004,
                density: 0.7,
                holes: 5,
                hole_radius: 0.07,
                yaw: deg(15.0),
                tilt: deg(8.0),
                surface_flip: 0.0,
                attach: 0.0,
            },
        }
    }

    /// Whether every effect is off.
    pub fn is_off(&self) -> bool {
        *self == Realism::off()
    }

    /// Whether the effects applied after sampling ([`Realism::apply`]) are
    /// all off.
    pub fn cloud_effects_off(&self) -> bool {
        Realism {
            surface_flip: 0.0,
            attach: 0.0,
            ..*self
        } == Realism::off()
    }

    /// The preset these strengths equal, if any.
    pub fn preset(&self) -> Option<RealismLevel> {
        use RealismLevel::*;
        [Off, Low, Medium, High]
            .into_iter()
            .find(|&l| Realism::level(l) == *self)
    }

    /// How many points to sample so that `points` survive the dropping
    /// effects (density, holes) with a comfortable margin.
    pub fn oversample(&self, points: usize) -> usize {
        if self.density <= 0.0 && self.holes == 0 {
            return points;
        }
        let keep = (1.0 - 0.5 * self.density.clamp(0.0, 0.95)).max(0.05);
        let holes = 1.0 + self.holes as f32 * self.hole_radius * 2.0;
        ((points as f32 / keep * holes * 1.15).ceil() as usize).max(points)
    }

    /// Apply the effects to `cloud` (ShapeNetPart frame, with normals), keep
    /// exactly `points` points (duplicating at random if too few survived)
    /// and normalise the frame again.
    pub fn apply(&self, cloud: &mut PointCloud, points: usize, rng: &mut Rng) {
        if self.cloud_effects_off() && cloud.len() == points {
            return;
        }
        let n = cloud.len();
        let mut normals = cloud
            .normals
            .take()
            .unwrap_or_else(|| vec![[0.0, 1.0, 0.0]; n]);
        // Misalignment: yaw about y, then a small tilt about a horizontal axis.
        if self.yaw > 0.0 || self.tilt > 0.0 {
            let yaw = rng.uniform(-self.yaw, self.yaw);
            let axis_angle = rng.uniform(0.0, std::f32::consts::TAU);
            let axis = [axis_angle.cos(), 0.0, axis_angle.sin()];
            let tilt = rng.uniform(0.0, self.tilt);
            let r = Transform::rotate_y(yaw).then(&Transform::rotate(axis, tilt));
            for (p, nn) in cloud.points.iter_mut().zip(normals.iter_mut()) {
                *p = r.apply_vector(*p);
                *nn = normalize(r.apply_vector(*nn));
            }
        }
        // Sensor noise: mostly along the normal, a little in the tangent plane.
        if self.normal_noise > 0.0 || self.tangential_noise > 0.0 {
            for (p, nn) in cloud.points.iter_mut().zip(normals.iter()) {
                let (u, v) = basis(*nn);
                let mut q = add_mul(*p, *nn, self.normal_noise * rng.normal());
                q = add_mul(q, u, self.tangential_noise * rng.normal());
                *p = add_mul(q, v, self.tangential_noise * rng.normal());
            }
        }
        let (mut keep, _) = self.keep_mask(&cloud.points, rng);
        if keep.is_empty() {
            keep = (0..n).collect();
        }
        rng.shuffle(&mut keep);
        let chosen: Vec<usize> = if keep.len() >= points {
            keep[..points].to_vec()
        } else {
            (0..points)
                .map(|j| {
                    if j < keep.len() {
                        keep[j]
                    } else {
                        keep[rng.below(keep.len())]
                    }
                })
                .collect()
        };
        cloud.normals = Some(normals);
        *cloud = cloud.select(&chosen);
        normalize_frame(cloud);
    }

    /// Indices of the points that survive the density field and the missing
    /// regions, and the centres of those regions.
    fn keep_mask(&self, points: &[V3], rng: &mut Rng) -> (Vec<usize>, Vec<V3>) {
        let n = points.len();
        // Keep probability from a smooth random field (a few plane waves).
        let waves: Vec<(V3, f32)> = (0..3)
            .map(|_| {
                let dir = super::math::random_unit(rng);
                let freq = rng.uniform(2.0, 6.0);
                (
                    [dir[0] * freq, dir[1] * freq, dir[2] * freq],
                    rng.uniform(0.0, 6.3),
                )
            })
            .collect();
        let holes: Vec<V3> = if self.holes > 0 && n > 0 {
            let k = rng.below(self.holes + 1);
            (0..k).map(|_| points[rng.below(n)]).collect()
        } else {
            vec![]
        };
        let mut keep = Vec::with_capacity(n);
        for (i, p) in points.iter().enumerate() {
            let in_hole = holes
                .iter()
                .any(|c| length([p[0] - c[0], p[1] - c[1], p[2] - c[2]]) < self.hole_radius);
            if in_hole {
                continue;
            }
            if self.density > 0.0 {
                let field = waves
                    .iter()
                    .map(|(w, phase)| (dot(*w, *p) + phase).sin())
                    .sum::<f32>()
                    / waves.len() as f32;
                let prob = 1.0 - self.density * 0.5 * (1.0 + field);
                if rng.f32() >= prob {
                    continue;
                }
            }
            keep.push(i);
        }
        (keep, holes)
    }
}

impl std::fmt::Display for RealismLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RealismLevel::Off => "off",
            RealismLevel::Low => "low",
            RealismLevel::Medium => "medium",
            RealismLevel::High => "high",
        })
    }
}

/// The preset's name (`medium`), or every strength for custom values.
impl std::fmt::Display for Realism {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (flip, attach) = (self.surface_flip, self.attach);
        let base = Realism {
            surface_flip: 0.0,
            attach: 0.0,
            ..*self
        };
        match base.preset() {
            Some(level) if flip == 0.0 && attach == 0.0 => write!(f, "{level}"),
            Some(level) if attach == 0.0 => write!(f, "{level}, surface flips {flip}"),
            Some(level) => write!(f, "{level}, surface flips {flip}, {attach} details a shape"),
            None => write!(
                f,
                "normal noise {}, tangential noise {}, density {}, {} holes of radius {}, \
                 yaw {:.1} deg, tilt {:.1} deg",
                self.normal_noise,
                self.tangential_noise,
                self.density,
                self.holes,
                self.hole_radius,
                self.yaw.to_degrees(),
                self.tilt.to_degrees()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::CATEGORIES;
    use crate::synth::sample_shape;

    #[test]
    fn levels_parse_and_off_is_identity() {
        assert_eq!("HIGH".parse::<RealismLevel>().unwrap(), RealismLevel::High);
        assert!("loud".parse::<RealismLevel>().is_err());
        let a = sample_shape(&CATEGORIES[4], &mut Rng::new(5), 500, &Realism::off()).unwrap();
        let b = crate::synth::generate(&CATEGORIES[4], &mut Rng::new(5), 500).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn presets_print_their_names_and_custom_strengths_print_values() {
        use RealismLevel::*;
        for level in [Off, Low, Medium, High] {
            let shown = Realism::level(level).to_string();
            assert_eq!(shown.parse::<RealismLevel>().unwrap(), level);
        }
        let custom = Realism {
            holes: 2,
            ..Realism::level(Medium)
        };
        assert_eq!(custom.preset(), None);
        let shown = custom.to_string();
        assert!(shown.contains("2 holes of radius 0.05"), "{shown}");
        assert!(shown.contains("yaw 8.0 deg, tilt 4.0 deg"), "{shown}");
    }

    #[test]
    fn effects_keep_count_units_and_frame_and_change_the_cloud() {
        let table = &CATEGORIES[15];
        for level in [RealismLevel::Low, RealismLevel::Medium, RealismLevel::High] {
            let r = Realism::level(level);
            let clean = sample_shape(table, &mut Rng::new(11), 1000, &Realism::off()).unwrap();
            let c = sample_shape(table, &mut Rng::new(11), 1000, &r).unwrap();
            assert_eq!(c.len(), 1000);
            assert!(c.first_non_finite().is_none());
            for n in c.normals.as_ref().unwrap() {
                assert!((length(*n) - 1.0).abs() < 1e-4);
            }
            let (lo, hi) = c.bbox().unwrap();
            let diag = (0..3).map(|k| (hi[k] - lo[k]).powi(2)).sum::<f32>().sqrt();
            assert!((diag - 1.0).abs() < 1e-3);
            assert_ne!(c.points, clean.points);
        }
    }

    #[test]
    fn holes_remove_every_point_in_the_ball_and_density_varies() {
        let r = Realism {
            holes: 2,
            hole_radius: 0.1,
            ..Realism::off()
        };
        let c = crate::synth::generate(&CATEGORIES[15], &mut Rng::new(1), 4000).unwrap();
        let mut holes_seen = 0;
        for seed in 0..10 {
            let (keep, holes) = r.keep_mask(&c.points, &mut Rng::new(seed));
            holes_seen += holes.len();
            let kept: std::collections::HashSet<usize> = keep.iter().copied().collect();
            for (i, p) in c.points.iter().enumerate() {
                let inside = holes
                    .iter()
                    .any(|h| length([p[0] - h[0], p[1] - h[1], p[2] - h[2]]) < r.hole_radius);
                assert_eq!(kept.contains(&i), !inside, "point {i}");
            }
        }
        assert!(holes_seen > 0);
        // Density only: about (1 - density/2) of the points survive on average.
        let d = Realism {
            density: 0.6,
            ..Realism::off()
        };
        let mut kept = 0;
        for seed in 0..20 {
            kept += d.keep_mask(&c.points, &mut Rng::new(seed)).0.len();
        }
        let frac = kept as f32 / (20.0 * c.len() as f32);
        assert!((frac - 0.7).abs() < 0.1, "{frac}");
    }

    #[test]
    fn surface_flips_reverse_whole_surfaces_only() {
        // Points, labels and order are the plain sampler's; each normal is
        // unchanged or exactly reversed; with p = 1 all are reversed.
        let chair = &CATEGORIES[4];
        let shape = crate::synth::build_shape(chair, &mut Rng::new(3)).unwrap();
        let plain = shape.sample(chair, 3000, &mut Rng::new(9)).unwrap();
        assert_eq!(
            plain,
            shape
                .sample_flipping(chair, 3000, 0.0, &mut Rng::new(9))
                .unwrap()
        );
        let mut reversed = 0;
        for seed in 0..6 {
            let a = shape.sample(chair, 3000, &mut Rng::new(seed)).unwrap();
            let b = shape
                .sample_flipping(chair, 3000, 0.5, &mut Rng::new(seed))
                .unwrap();
            assert_eq!(a.points, b.points);
            assert_eq!(a.labels, b.labels);
            for (na, nb) in a.normals.unwrap().iter().zip(b.normals.as_ref().unwrap()) {
                let same = na == nb;
                let opposite = na.iter().zip(nb).all(|(x, y)| *x == -*y);
                assert!(same || opposite, "{na:?} {nb:?}");
                reversed += opposite as usize;
            }
        }
        assert!(reversed > 0 && reversed < 6 * 3000, "{reversed}");
        let all = shape
            .sample_flipping(chair, 500, 1.0, &mut Rng::new(2))
            .unwrap();
        let base = shape.sample(chair, 500, &mut Rng::new(2)).unwrap();
        for (x, y) in all.normals.unwrap().iter().zip(base.normals.unwrap()) {
            assert_eq!(*x, y.map(|v| -v));
        }
        assert_eq!(
            Realism {
                surface_flip: 0.2,
                ..Realism::level(RealismLevel::Medium)
            }
            .to_string(),
            "medium, surface flips 0.2"
        );
    }
}
