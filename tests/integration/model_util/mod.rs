//! Shared fixtures of the model tests: synthetic labelled clouds.
#![allow(dead_code)]

use pcseg::categories::CATEGORIES;
use pcseg::model::TrainCloud;
use pcseg::rng::Rng;

/// A cloud of `n` points on an ellipsoid-like surface with analytic normals,
/// normalised to the unit sphere, labelled with `category`'s parts by height.
pub struct Cloud {
    pub points: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub labels: Vec<u32>,
    pub category: usize,
}

pub fn cloud(n: usize, category: usize, seed: u64) -> Cloud {
    let mut rng = Rng::new(seed);
    let axes = [
        rng.uniform(0.5, 1.0),
        rng.uniform(0.5, 1.0),
        rng.uniform(0.5, 1.0),
    ];
    let cat = &CATEGORIES[category];
    let mut points = Vec::with_capacity(n);
    let mut normals = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let v = [rng.normal(), rng.normal(), rng.normal()];
        let len = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt().max(1e-6);
        let u = [v[0] / len, v[1] / len, v[2] / len];
        let p = [u[0] * axes[0], u[1] * axes[1], u[2] * axes[2]];
        let g = [u[0] / axes[0], u[1] / axes[1], u[2] / axes[2]];
        let gl = (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt();
        points.push(p);
        normals.push([g[0] / gl, g[1] / gl, g[2] / gl]);
        let t = ((u[1] + 1.0) * 0.5 * cat.num_parts() as f32) as usize;
        labels.push((cat.first_part + t.min(cat.num_parts() - 1)) as u32);
    }
    Cloud {
        points,
        normals,
        labels,
        category,
    }
}

/// The clouds as one training batch.
pub fn batch(clouds: &[Cloud]) -> Vec<TrainCloud<'_>> {
    clouds
        .iter()
        .map(|c| TrainCloud {
            points: &c.points,
            normals: Some(&c.normals),
            labels: &c.labels,
            category: c.category,
            turned: false,
        })
        .collect()
}
