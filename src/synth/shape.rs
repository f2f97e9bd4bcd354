//! A synthetic shape: a list of surfaces, each tagged with a part id local to
//! its category, sampled into a labelled [`PointCloud`] and normalised to the
//! ShapeNetPart frame.

use super::primitives::Surface;
use crate::categories::Category;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::PointCloud;

/// Fewest points a part with non-zero area receives (when the cloud has room),
/// so that small but present parts (castors, triggers) are never silently lost.
pub const MIN_POINTS_PER_PART: usize = 2;

struct Item {
    part: usize,
    surface: Box<dyn Surface>,
    area: f32,
}

/// A parametric assembly: surfaces with local part ids (`0..category.num_parts()`).
#[derive(Default)]
pub struct Shape {
    items: Vec<Item>,
}

impl Shape {
    /// An empty shape.
    pub fn new() -> Self {
        Shape::default()
    }

    /// Add a surface belonging to local part `part`.
    pub fn add(&mut self, part: usize, surface: impl Surface + 'static) {
        let area = surface.area();
        let area = if area.is_finite() { area.max(0.0) } else { 0.0 };
        self.items.push(Item {
            part,
            surface: Box::new(surface),
            area,
        });
    }

    /// Number of surfaces.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the shape has no surfaces.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// One point drawn uniformly by area over every surface: its local part,
    /// position and normal. `None` when the shape has no area.
    pub fn surface_point(&self, rng: &mut Rng) -> Option<(usize, [f32; 3], [f32; 3])> {
        let total: f32 = self.items.iter().map(|it| it.area).sum();
        if total.is_nan() || total <= 0.0 {
            return None;
        }
        let mut u = rng.f32() * total;
        let it = self
            .items
            .iter()
            .find(|it| {
                u -= it.area;
                u < 0.0 && it.area > 0.0
            })
            .or_else(|| self.items.iter().rev().find(|it| it.area > 0.0))?;
        let (p, n) = it.surface.sample(rng);
        Some((it.part, p, n))
    }

    /// The diagonal of the bounding box of 128 points drawn by area: the
    /// shape's size in its own units. `None` when the shape has no area.
    pub fn extent(&self, rng: &mut Rng) -> Option<f32> {
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        for _ in 0..128 {
            let (_, p, _) = self.surface_point(rng)?;
            for a in 0..3 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        let d = (0..3).map(|a| (hi[a] - lo[a]).powi(2)).sum::<f32>().sqrt();
        d.is_finite().then_some(d)
    }

    /// Total area per local part (`parts` entries).
    pub fn part_areas(&self, parts: usize) -> Vec<f32> {
        let mut out = vec![0.0; parts];
        for it in &self.items {
            if it.part < parts {
                out[it.part] += it.area;
            }
        }
        out
    }

    /// Sample `points` points by area (stratified: each surface gets its
    /// expected count rounded up or down, so part proportions follow areas),
    /// labelled with global part ids, in random order, in the generator's own
    /// frame (see [`normalize_frame`]).
    pub fn sample(&self, category: &Category, points: usize, rng: &mut Rng) -> Result<PointCloud> {
        self.sample_flipping(category, points, 0.0, rng)
    }

    /// [`Shape::sample`], with the normals of each surface reversed with
    /// probability `flip`, as CAD meshes often wind a whole component
    /// inside out (about 4 % of the parts of real ShapeNetPart shapes point
    /// mostly inward). The flips are drawn after everything else, so the
    /// points, labels and order are [`Shape::sample`]'s; `flip = 0` draws
    /// nothing.
    pub fn sample_flipping(
        &self,
        category: &Category,
        points: usize,
        flip: f32,
        rng: &mut Rng,
    ) -> Result<PointCloud> {
        let parts = category.num_parts();
        if let Some(bad) = self.items.iter().find(|it| it.part >= parts) {
            return Err(Error::internal(format!(
                "synthetic {} shape uses local part {} but the category has {parts} parts",
                category.name, bad.part
            )));
        }
        let total: f64 = self.items.iter().map(|it| it.area as f64).sum();
        if total <= 0.0 || points == 0 {
            return Err(Error::usage(format!(
                "synthetic {} shape has no surface to sample (or 0 points asked)",
                category.name
            )));
        }
        let mut counts = systematic_counts(&self.items, total, points, rng);
        self.ensure_parts_present(&mut counts, parts);

        let mut pts = Vec::with_capacity(points);
        let mut nrm = Vec::with_capacity(points);
        let mut lab = Vec::with_capacity(points);
        let mut item_of = Vec::with_capacity(points);
        for (i, (it, &c)) in self.items.iter().zip(&counts).enumerate() {
            let label = (category.first_part + it.part) as u32;
            for _ in 0..c {
                let (p, n) = it.surface.sample(rng);
                pts.push(p);
                nrm.push(n);
                lab.push(label);
                item_of.push(i);
            }
        }
        // Random order, like the real files.
        let mut order: Vec<usize> = (0..pts.len()).collect();
        rng.shuffle(&mut order);
        let mut cloud = PointCloud {
            points: pts,
            normals: Some(nrm),
            labels: Some(lab),
            ..Default::default()
        };
        cloud = cloud.select(&order);
        // Flips are drawn last, so the cloud is the plain sampler's but for
        // the signs of the flipped surfaces' normals.
        if flip > 0.0 {
            let flipped: Vec<bool> = self.items.iter().map(|_| rng.chance(flip)).collect();
            if let Some(normals) = cloud.normals.as_mut() {
                for (n, &src) in normals.iter_mut().zip(&order) {
                    if flipped[item_of[src]] {
                        *n = n.map(|x| -x);
                    }
                }
            }
        }
        if cloud.first_non_finite().is_some() {
            return Err(Error::internal(format!(
                "synthetic {} shape produced a non-finite point",
                category.name
            )));
        }
        Ok(cloud)
    }

    /// Move points from the largest surface to parts that got fewer than
    /// [`MIN_POINTS_PER_PART`] although they have area.
    fn ensure_parts_present(&self, counts: &mut [usize], parts: usize) {
        let n: usize = counts.iter().sum();
        let present: Vec<usize> = (0..parts)
            .filter(|&p| self.items.iter().any(|it| it.part == p && it.area > 0.0))
            .collect();
        if n < present.len() * MIN_POINTS_PER_PART * 2 {
            return;
        }
        for &p in &present {
            let have: usize = self
                .items
                .iter()
                .zip(counts.iter())
                .filter(|(it, _)| it.part == p)
                .map(|(_, &c)| c)
                .sum();
            if have >= MIN_POINTS_PER_PART {
                continue;
            }
            let target = (0..self.items.len())
                .filter(|&i| self.items[i].part == p)
                .max_by(|&a, &b| self.items[a].area.total_cmp(&self.items[b].area))
                .unwrap_or(0);
            for _ in have..MIN_POINTS_PER_PART {
                let donor = (0..counts.len())
                    .filter(|&i| self.items[i].part != p)
                    .max_by_key(|&i| counts[i]);
                if let Some(d) = donor {
                    counts[d] -= 1;
                    counts[target] += 1;
                }
            }
        }
    }
}

/// Systematic sampling of `n` slots over items weighted by area: item i gets
/// floor or ceil of `n * area_i / total`, randomly, totals exactly `n`.
fn systematic_counts(items: &[Item], total: f64, n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut counts = vec![0usize; items.len()];
    let step = total / n as f64;
    let mut next = rng.f64() * step;
    let mut acc = 0.0f64;
    let mut assigned = 0;
    for (i, it) in items.iter().enumerate() {
        acc += it.area as f64;
        while assigned < n && next < acc {
            counts[i] += 1;
            assigned += 1;
            next += step;
        }
    }
    // Rounding at the very end: give leftovers to the last item with area.
    if assigned < n {
        if let Some(i) = items.iter().rposition(|it| it.area > 0.0) {
            counts[i] += n - assigned;
        }
    }
    counts
}

/// Normalise a cloud to the ShapeNetPart frame in place: centre on the
/// bounding-box centre, scale so the bounding-box diagonal is 1. Normals are
/// unchanged (translation and uniform scale keep them). Empty or degenerate
/// clouds are left alone.
pub fn normalize_frame(cloud: &mut PointCloud) {
    let Some((lo, hi)) = cloud.bbox() else {
        return;
    };
    let lo = lo.map(|v| v as f64);
    let hi = hi.map(|v| v as f64);
    let c: [f64; 3] = std::array::from_fn(|k| 0.5 * (lo[k] + hi[k]));
    let diag = (0..3).map(|k| (hi[k] - lo[k]).powi(2)).sum::<f64>().sqrt();
    if diag <= 0.0 || !diag.is_finite() {
        return;
    }
    for p in &mut cloud.points {
        *p = std::array::from_fn(|k| ((p[k] as f64 - c[k]) / diag) as f32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::CATEGORIES;
    use crate::synth::primitives::{RoundedBox, SphereZone, SurfaceExt};

    #[test]
    fn part_counts_follow_areas_and_labels_are_global() {
        let chair = &CATEGORIES[4];
        let mut s = Shape::new();
        s.add(1, RoundedBox::cuboid([1.0, 1.0, 1.0])); // area 24
        s.add(2, SphereZone::sphere(0.5).at([5.0, 0.0, 0.0])); // area pi
        s.add(
            0,
            RoundedBox::cuboid([0.001, 0.001, 0.001]).at([-5.0, 0.0, 0.0]),
        ); // tiny
        let mut rng = Rng::new(2);
        let c = s.sample(chair, 1000, &mut rng).unwrap();
        assert_eq!(c.len(), 1000);
        let labels = c.labels.as_ref().unwrap();
        let count = |l: u32| labels.iter().filter(|&&x| x == l).count();
        let area = 24.0 + std::f32::consts::PI;
        let want_seat = 1000.0 * 24.0 / area;
        assert!((count(13) as f32 - want_seat).abs() <= 2.0 + MIN_POINTS_PER_PART as f32);
        assert!(count(12) >= MIN_POINTS_PER_PART, "tiny part kept");
        assert!(labels.iter().all(|&l| (12..16).contains(&l)));
        let mut bad = Shape::new();
        bad.add(7, RoundedBox::cuboid([1.0; 3]));
        assert!(bad.sample(chair, 10, &mut rng).is_err());
        assert!(Shape::new().sample(chair, 10, &mut rng).is_err());
    }

    #[test]
    fn frame_normalisation_matches_definition() {
        let mut c =
            PointCloud::from_points(vec![[1.0, 2.0, 3.0], [4.0, 6.0, 3.0], [2.0, 2.0, 15.0]]);
        normalize_frame(&mut c);
        let (lo, hi) = c.bbox().unwrap();
        let diag: f32 = (0..3).map(|k| (hi[k] - lo[k]).powi(2)).sum::<f32>().sqrt();
        assert!((diag - 1.0).abs() < 1e-6);
        for k in 0..3 {
            assert!((lo[k] + hi[k]).abs() < 1e-6);
        }
        // Diagonal of (3, 4, 12) is 13.
        assert!((c.points[0][0] - (1.0 - 2.5) / 13.0).abs() < 1e-6);
    }
}
