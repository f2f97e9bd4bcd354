//! Generators for Bag, Cap, Earphone, Motorbike, Mug, Pistol, Rocket and
//! Skateboard: 30 seeds each, checked for finiteness, unit outward normals,
//! labels, part count, frame (diagonal 1, centred) and the category's
//! orientation from the ShapeNetPart frame table.

use pcseg::categories::{find_category, Category};
use pcseg::rng::Rng;
use pcseg::synth::generate;
use pcseg::PointCloud;

const SEEDS: u64 = 30;
const POINTS: usize = 2048;

fn clouds(name: &str) -> (&'static Category, Vec<PointCloud>) {
    let cat = find_category(name).unwrap();
    let clouds = (0..SEEDS)
        .map(|i| {
            let mut rng = Rng::for_item(0xB0B, cat.index as u64 * 1000 + i);
            generate(cat, &mut rng, POINTS).unwrap_or_else(|e| panic!("{name} seed {i}: {e}"))
        })
        .collect();
    (cat, clouds)
}

fn extents(c: &PointCloud) -> [f32; 3] {
    let (lo, hi) = c.bbox().unwrap();
    [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]]
}

/// Mean of coordinate `k` over points with local part `part`.
fn part_mean(c: &PointCloud, cat: &Category, part: usize, k: usize) -> Option<f32> {
    let labels = c.labels.as_ref().unwrap();
    let vals: Vec<f32> = c
        .points
        .iter()
        .zip(labels)
        .filter(|(_, &l)| l as usize == cat.first_part + part)
        .map(|(p, _)| p[k])
        .collect();
    (!vals.is_empty()).then(|| vals.iter().sum::<f32>() / vals.len() as f32)
}

/// Range of coordinate `k` over points with local part `part`.
fn part_range(c: &PointCloud, cat: &Category, part: usize, k: usize) -> (f32, f32) {
    let labels = c.labels.as_ref().unwrap();
    c.points
        .iter()
        .zip(labels)
        .filter(|(_, &l)| l as usize == cat.first_part + part)
        .fold((f32::MAX, f32::MIN), |(lo, hi), (p, _)| {
            (lo.min(p[k]), hi.max(p[k]))
        })
}

/// The generic checks every category must pass.
fn common_checks(cat: &Category, clouds: &[PointCloud]) {
    for (i, c) in clouds.iter().enumerate() {
        let tag = format!("{} seed {i}", cat.name);
        assert_eq!(c.len(), POINTS, "{tag}");
        assert!(c.first_non_finite().is_none(), "{tag}: NaN");
        let normals = c.normals.as_ref().unwrap();
        for n in normals {
            let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
            assert!((len - 1.0).abs() < 1e-3, "{tag}: normal length {len}");
        }
        let labels = c.labels.as_ref().unwrap();
        assert!(
            labels.iter().all(|&l| cat.owns_part(l as usize)),
            "{tag}: label"
        );
        let mut present = vec![false; cat.num_parts()];
        for &l in labels {
            present[l as usize - cat.first_part] = true;
        }
        // Real skateboards are often a deck alone (one part); every other
        // category has at least two parts in every shape.
        let min_parts = if cat.name == "Skateboard" { 1 } else { 2 };
        assert!(
            present.iter().filter(|&&p| p).count() >= min_parts,
            "{tag}: < {min_parts} parts"
        );
        let (lo, hi) = c.bbox().unwrap();
        let e = extents(c);
        let diag = (e[0] * e[0] + e[1] * e[1] + e[2] * e[2]).sqrt();
        assert!((diag - 1.0).abs() < 1e-3, "{tag}: diagonal {diag}");
        for k in 0..3 {
            assert!(
                (lo[k] + hi[k]).abs() < 1e-3,
                "{tag}: not centred on axis {k}"
            );
        }
        // Outward normals: a point's normal points away from the centroid
        // of its 16 nearest same-part neighbours (inside a tube, between the
        // two faces of a thin sheet). Checked on a strided sample; where two
        // surfaces of one part touch (a cushion on a cup) neighbourhoods are
        // ambiguous, so a minority may fail, but inverted normals fail all.
        let mut score = 0.0f32;
        let mut inward = 0;
        let mut tested = 0;
        for j in (0..c.len()).step_by(16) {
            let mut near: Vec<(f32, usize)> = (0..c.len())
                .filter(|&q| labels[q] == labels[j])
                .map(|q| {
                    let d: f32 = (0..3)
                        .map(|k| (c.points[q][k] - c.points[j][k]).powi(2))
                        .sum();
                    (d, q)
                })
                .collect();
            if near.len() < 17 {
                continue;
            }
            near.select_nth_unstable_by(16, |a, b| a.0.total_cmp(&b.0));
            let centre: [f32; 3] = std::array::from_fn(|k| {
                near[..17].iter().map(|&(_, q)| c.points[q][k]).sum::<f32>() / 17.0
            });
            let d: f32 = (0..3)
                .map(|k| normals[j][k] * (c.points[j][k] - centre[k]))
                .sum();
            score += d;
            inward += (d < -1e-4) as usize;
            tested += 1;
        }
        assert!(score > 0.0, "{tag}: normals point inward on balance");
        // At most 40 %: motorbike hubs and spokes are body (as ShapeNetPart
        // labels them) and their thin rods share body neighbourhoods with
        // forks and fenders (seed 18: 33 of 128), and slim missiles with two
        // fin sets are mostly thin double-sided fins, whose neighbourhoods
        // straddle both faces (seed 15: 43 of 128). Inverted normals fail
        // the balance above whatever this count.
        assert!(
            inward * 5 < tested * 2,
            "{tag}: {inward} of {tested} normals point inward"
        );
    }
}

#[test]
fn bag_is_thin_in_x_wide_in_z_handle_on_top() {
    let (cat, cs) = clouds("bag");
    common_checks(cat, &cs);
    for c in &cs {
        let e = extents(c);
        assert!(e[0] < e[2], "bag not thinner in x than z: {e:?}");
        // The handle sits higher than the body on average.
        let (h, b) = (
            part_mean(c, cat, 0, 1).unwrap(),
            part_mean(c, cat, 1, 1).unwrap(),
        );
        assert!(h > b, "handle below body: {h} {b}");
    }
}

#[test]
fn cap_peak_points_to_plus_x_crown_up() {
    let (cat, cs) = clouds("cap");
    common_checks(cat, &cs);
    let mut visors = 0;
    for c in &cs {
        let peak_x = part_mean(c, cat, 1, 0).unwrap();
        let crown_x = part_mean(c, cat, 0, 0).unwrap();
        // A visor sticks out at +x; a hat's brim (also `peak`) goes all
        // round the crown, so it reaches past the crown on both sides.
        let (brim_lo, brim_hi) = part_range(c, cat, 1, 0);
        let (crown_lo, crown_hi) = part_range(c, cat, 0, 0);
        let all_round = brim_lo < crown_lo && brim_hi > crown_hi;
        visors += (peak_x > crown_x + 0.1) as usize;
        assert!(
            peak_x > crown_x + 0.1 || all_round,
            "peak not at +x: {peak_x} vs {crown_x}"
        );
        let (peak_y, crown_y) = (
            part_mean(c, cat, 1, 1).unwrap(),
            part_mean(c, cat, 0, 1).unwrap(),
        );
        assert!(crown_y > peak_y, "crown not above the peak");
    }
    assert!(visors * 2 > cs.len(), "most caps have a visor at +x");
}

#[test]
fn earphone_cups_at_both_z_sides_band_on_top() {
    let (cat, cs) = clouds("earphone");
    common_checks(cat, &cs);
    let labels_z = |c: &PointCloud, part: usize| -> Vec<f32> {
        let l = c.labels.as_ref().unwrap();
        (0..c.len())
            .filter(|&j| l[j] as usize == cat.first_part + part)
            .map(|j| c.points[j][2])
            .collect()
    };
    let mut with_band = 0;
    for c in &cs {
        let z = labels_z(c, 0);
        assert!(
            z.iter().any(|&v| v < -0.1) && z.iter().any(|&v| v > 0.1),
            "cups not at -z and +z"
        );
        if let Some(band_y) = part_mean(c, cat, 1, 1) {
            with_band += 1;
            assert!(
                band_y > part_mean(c, cat, 0, 1).unwrap(),
                "headband below the cups"
            );
        }
        // Cables hang below the ear pieces, or (headphones with exposed
        // cables from the band ends to the cups) at least below the band.
        if let Some(wire_y) = part_mean(c, cat, 2, 1) {
            let limit = part_mean(c, cat, 1, 1).unwrap_or(part_mean(c, cat, 0, 1).unwrap());
            assert!(wire_y < limit, "wire above the ear pieces or band");
        }
    }
    assert!(
        with_band >= SEEDS as usize / 2,
        "most earphones are headphones"
    );
}

#[test]
fn motorbike_is_long_in_x_with_seat_behind_handles() {
    let (cat, cs) = clouds("motorbike");
    common_checks(cat, &cs);
    let mut no_light = 0;
    for c in &cs {
        let e = extents(c);
        assert!(
            e[0] > e[1] && e[0] > e[2],
            "motorbike not longest in x: {e:?}"
        );
        let seat = part_mean(c, cat, 1, 0).unwrap();
        let handle = part_mean(c, cat, 3, 0).unwrap();
        assert!(handle > seat, "handlebars not in front of the seat");
        match part_mean(c, cat, 4, 0) {
            Some(light) => assert!(light > seat, "light behind the seat"),
            None => no_light += 1,
        }
        // Wheels at the bottom.
        assert!(part_mean(c, cat, 2, 1).unwrap() < part_mean(c, cat, 1, 1).unwrap());
    }
    assert!(no_light < SEEDS as usize / 2);
}

#[test]
fn mug_axis_is_y_handle_at_plus_x() {
    let (cat, cs) = clouds("mug");
    common_checks(cat, &cs);
    for c in &cs {
        let hx = part_mean(c, cat, 0, 0).unwrap();
        assert!(hx > 0.1, "handle not at +x: {hx}");
        assert!(
            part_mean(c, cat, 0, 2).unwrap().abs() < 0.02,
            "handle off the x-y plane"
        );
        let e = extents(c);
        assert!(e[0] > e[2], "handle does not widen x: {e:?}");
    }
}

#[test]
fn pistol_is_thin_in_z_muzzle_plus_x_grip_down_back() {
    let (cat, cs) = clouds("pistol");
    common_checks(cat, &cs);
    for c in &cs {
        let e = extents(c);
        assert!(
            e[2] < 0.5 * e[0] && e[2] < 0.5 * e[1],
            "pistol not thin in z: {e:?}"
        );
        let (bx, by) = (
            part_mean(c, cat, 0, 0).unwrap(),
            part_mean(c, cat, 0, 1).unwrap(),
        );
        let (gx, gy) = (
            part_mean(c, cat, 1, 0).unwrap(),
            part_mean(c, cat, 1, 1).unwrap(),
        );
        assert!(gx < bx && gy < by, "grip not below and behind the barrel");
        let tx = part_mean(c, cat, 2, 0).unwrap();
        assert!(tx > gx, "trigger not in front of the grip");
    }
}

#[test]
fn rocket_lies_along_x_nose_forward_fins_back() {
    let (cat, cs) = clouds("rocket");
    common_checks(cat, &cs);
    let mut finned = 0;
    for c in &cs {
        let e = extents(c);
        assert!(e[0] > e[1] && e[0] > e[2], "rocket not longest in x: {e:?}");
        let nose = part_mean(c, cat, 2, 0).unwrap();
        assert!(nose > 0.2, "nose {nose}");
        // Real rockets (capsules, spaceships) sometimes have no fins.
        if let Some(fin) = part_mean(c, cat, 1, 0) {
            finned += 1;
            assert!(fin < -0.1, "nose {nose} fin {fin}");
        }
    }
    assert!(finned * 2 > cs.len(), "most rockets have fins");
}

#[test]
fn skateboard_long_in_x_deck_above_wheels() {
    let (cat, cs) = clouds("skateboard");
    common_checks(cat, &cs);
    let mut deck_only = 0;
    for c in &cs {
        let e = extents(c);
        assert!(
            e[0] > 2.0 * e[2] && e[2] > e[1] * 0.8,
            "skateboard extents {e:?}"
        );
        let d = part_mean(c, cat, 1, 1).unwrap();
        match (part_mean(c, cat, 0, 1), part_mean(c, cat, 2, 1)) {
            (Some(w), Some(t)) => assert!(
                d > t && t > w,
                "deck {d} trucks {t} wheels {w} out of order"
            ),
            (None, None) => deck_only += 1,
            other => panic!("wheels and trucks come together: {other:?}"),
        }
    }
    // A sizeable minority, not all, are a deck alone.
    assert!(
        deck_only > 0 && deck_only * 2 < cs.len(),
        "{deck_only} deck-only boards"
    );
}
