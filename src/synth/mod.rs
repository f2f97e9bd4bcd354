//! Procedural ShapeNetPart-compatible shapes: labelled point clouds of the 16
//! categories, sampled from parametric assemblies of surface primitives.
//!
//! Pipeline for one shape: a category generator builds a [`Shape`] (surfaces
//! tagged with local part ids) from an [`Rng`]; [`Shape::sample`] draws N
//! points uniformly by area with outward unit normals and global part labels;
//! [`normalize_frame`] centres the bounding box and scales its diagonal to 1,
//! exactly like the real dataset.
//!
//! # The generator interface (one file per category)
//!
//! A generator is a file `src/synth/<category>.rs` (lower-case name) with
//!
//! ```text
//! pub fn build(rng: &mut Rng) -> Shape
//! ```
//!
//! and one `match` arm in [`build_shape`]. Rules:
//!
//! - **Part ids are local** (`0..category.num_parts()`), in the order of
//!   `crate::categories::CATEGORIES[i].parts`; declare them as `const`s at the
//!   top of the file (`const SEAT: usize = 1;`). The sampler adds
//!   `first_part`.
//! - **Frame**: y up, the front looking toward `+x`, and the per-category
//!   orientation ShapeNetPart poses its shapes in (e.g. Mug axis along y,
//!   handle at `+x`; Rocket lying along x, nose `+x`; Pistol muzzle `+x`, thin
//!   in z). Work in any convenient unit (metres suit furniture); scale and
//!   position are normalised afterwards, only proportions matter.
//! - **Variety**: draw structural variants per shape (`rng.below(k)`,
//!   `rng.chance(p)`), not only dimensions; leave out parts that real shapes
//!   sometimes lack; every shape must contain at least 2 parts with area.
//! - **Surfaces** come from [`primitives`]: [`primitives::RoundedBox`]
//!   (boxes, slabs, `from_corners`), [`primitives::Frustum`] (cylinders,
//!   cones, open shells; `between(a, b, ra, rb, caps)`, `rod`),
//!   [`primitives::SphereZone`] (spheres, domes, `ellipsoid`),
//!   [`primitives::Torus`] (rings and arcs: wheels, handles, headbands),
//!   [`primitives::Annulus`] (flat rings/disks), [`primitives::Tube`] (swept
//!   tubes along polylines; [`primitives::bezier`], [`primitives::arc_points`];
//!   `Tube::capsule`), [`primitives::TriMesh`] (`extrude` of a 2D profile,
//!   `loft` through cross-sections). Place any of them with
//!   `.transformed(Transform)` or `.at(point)` ([`primitives::SurfaceExt`]);
//!   [`math::Transform`] has `rotate_x/y/z`, `rotate`, `align_y`, `scale`,
//!   `translate`, `then`. Then `shape.add(PART, surface)`.
//! - Each surface should be closed or, when open (a shade, a shell), thin
//!   parts that real meshes model as a sheet. Normals must point out of the
//!   solid; the primitives guarantee it when used as documented.
//! - Use only the given `rng` (no global randomness), so shapes are
//!   reproducible from [`Rng::for_item`].
//!
//! See `chair.rs` for a worked example.

pub mod airplane;
pub mod attach;
pub mod bag;
pub mod cap;
pub mod car;
pub mod chair;
pub mod compare;
pub mod dataset;
pub mod earphone;
pub mod guitar;
pub mod knife;
pub mod lamp;
pub mod laptop;
pub mod math;
pub mod motorbike;
pub mod mug;
pub mod pistol;
pub mod primitives;
pub mod primitives_extra;
pub mod realism;
pub mod rocket;
pub mod shape;
pub mod skateboard;
pub mod table;

pub use realism::{Realism, RealismLevel};
pub use shape::{normalize_frame, Shape};

use crate::categories::Category;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::PointCloud;

/// Build the parametric assembly of one random shape of `category`, in the
/// generator's frame (not yet normalised).
pub fn build_shape(category: &Category, rng: &mut Rng) -> Result<Shape> {
    let shape = match category.index {
        0 => airplane::build(rng),
        1 => bag::build(rng),
        2 => cap::build(rng),
        3 => car::build(rng),
        4 => chair::build(rng),
        5 => earphone::build(rng),
        6 => guitar::build(rng),
        7 => knife::build(rng),
        8 => lamp::build(rng),
        9 => laptop::build(rng),
        10 => motorbike::build(rng),
        11 => mug::build(rng),
        12 => pistol::build(rng),
        13 => rocket::build(rng),
        14 => skateboard::build(rng),
        15 => table::build(rng),
        _ => {
            return Err(Error::usage(format!(
                "no synthetic generator for {} yet",
                category.name
            )))
        }
    };
    Ok(shape)
}

/// Whether [`build_shape`] supports `category`.
pub fn has_generator(category: &Category) -> bool {
    let mut rng = Rng::new(0);
    // Cheap: generators only build a few primitives.
    build_shape(category, &mut rng).is_ok()
}

/// One random labelled shape of `category` with `points` points, unit
/// normals and global part labels, in the ShapeNetPart frame (bounding box
/// centred at the origin, diagonal 1). Same as [`sample_shape`] without
/// realism effects.
pub fn generate(category: &Category, rng: &mut Rng, points: usize) -> Result<PointCloud> {
    sample_shape(category, rng, points, &Realism::off())
}

/// Draw one shape in memory (the trainer's synthetic mode): build, sample
/// `points` points, normalise the frame, apply `realism`. Reproducible from
/// the state of `rng` (use `Rng::for_item(seed, index)` per shape).
///
/// ```
/// use pcseg::categories::CATEGORIES;
/// use pcseg::rng::Rng;
/// use pcseg::synth::{sample_shape, Realism};
/// let chair = &CATEGORIES[4];
/// let cloud = sample_shape(chair, &mut Rng::for_item(1, 0), 2048, &Realism::off()).unwrap();
/// assert_eq!(cloud.len(), 2048);
/// assert!(cloud.labels.unwrap().iter().all(|&l| chair.owns_part(l as usize)));
/// ```
pub fn sample_shape(
    category: &Category,
    rng: &mut Rng,
    points: usize,
    realism: &Realism,
) -> Result<PointCloud> {
    let mut shape = build_shape(category, rng)?;
    if realism.attach > 0.0 {
        let mut r = Rng::new(rng.next_u64());
        attach::attach_details(&mut shape, realism.attach, &mut r);
    }
    let mut cloud = shape.sample_flipping(
        category,
        realism.oversample(points),
        realism.surface_flip,
        rng,
    )?;
    normalize_frame(&mut cloud);
    if !realism.cloud_effects_off() {
        realism.apply(&mut cloud, points, rng);
    }
    Ok(cloud)
}
