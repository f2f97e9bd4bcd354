//! Point splatting with a depth buffer and Lambert shading.
//!
//! Every point becomes a small disc of pixels (radius from the cloud's point
//! spacing) whose depth bulges like a sphere, so overlapping splats of one
//! surface blend and a nearer surface hides a farther one pixel by pixel.
//! The projection is orthographic and auto-fitted to the target rectangle.
//!
//! Shading is two-sided Lambert: a normal facing away from the viewer is
//! flipped (the viewer sees that surface from its back), then
//! `k = AMBIENT + DIFFUSE * max(0, n . L)` with a light from the upper left
//! behind the viewer. Clouds without normals are depth-cued instead (nearer
//! is brighter). Finally depth discontinuities and the silhouette are
//! darkened into a thin outline. Shading only scales the part colour, so a
//! pixel's hue is always that of the point that won the depth test.

use super::image::Image;
use super::view::Camera;

/// Ambient term of the shading.
pub const AMBIENT: f32 = 0.42;
/// Diffuse term of the shading.
pub const DIFFUSE: f32 = 0.58;
/// Brightness factor of outline pixels.
pub const OUTLINE: f32 = 0.62;

/// A rectangle of an image in pixels (`x`, `y` top-left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x: i64,
    /// Top edge.
    pub y: i64,
    /// Width.
    pub w: i64,
    /// Height.
    pub h: i64,
}

/// What [`splat_cloud`] chose, for callers and tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplatInfo {
    /// Pixels per world unit.
    pub scale: f32,
    /// Splat radius in pixels.
    pub radius: f32,
    /// Number of pixels covered by the cloud.
    pub covered: usize,
}

/// Median distance from a point to its nearest distinct neighbour, over a
/// strided sample of at most 256 points (brute force, O(256 N)). `None`
/// when the cloud has fewer than two distinct points.
pub fn point_spacing(points: &[[f32; 3]]) -> Option<f32> {
    let stride = points.len().div_ceil(256).max(1);
    let mut nearest: Vec<f32> = points
        .iter()
        .step_by(stride)
        .filter_map(|q| {
            points
                .iter()
                .map(|p| crate::geometry::dist2(p, q))
                .filter(|&d| d > 0.0)
                .min_by(f32::total_cmp)
        })
        .collect();
    if nearest.is_empty() {
        return None;
    }
    nearest.sort_by(f32::total_cmp);
    Some(nearest[nearest.len() / 2].sqrt())
}

/// Layout knobs of [`splat_cloud`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplatStyle {
    /// Fraction of the rectangle left empty on each side.
    pub margin: f32,
    /// Splat radius in pixels; `None` derives it from the point spacing.
    pub radius: Option<f32>,
}

impl Default for SplatStyle {
    fn default() -> Self {
        SplatStyle {
            margin: 0.04,
            radius: None,
        }
    }
}

/// Splat `points` (N x 3) with per-point `colours` (N) and optional unit
/// `normals` (N x 3) into `rect` of `image`, seen through `camera`, scaled to
/// fill the rectangle minus the style's margin. Pixels of `rect` not hit keep
/// their colour.
pub fn splat_cloud(
    image: &mut Image,
    rect: Rect,
    points: &[[f32; 3]],
    normals: Option<&[[f32; 3]]>,
    colours: &[[u8; 3]],
    camera: &Camera,
    style: SplatStyle,
) -> SplatInfo {
    let (margin, radius) = (style.margin, style.radius);
    let (w, h) = (rect.w.max(1) as usize, rect.h.max(1) as usize);
    let projected: Vec<(f32, f32, f32)> = points.iter().map(|&p| camera.project(p)).collect();
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for &(u, v, d) in &projected {
        for (k, c) in [u, v, d].into_iter().enumerate() {
            lo[k] = lo[k].min(c);
            hi[k] = hi[k].max(c);
        }
    }
    let empty = SplatInfo {
        scale: 0.0,
        radius: 0.0,
        covered: 0,
    };
    if projected.is_empty() {
        return empty;
    }
    // Auto-fit: the larger of the two screen extents fills the box.
    let inner = |n: usize| n as f32 * (1.0 - 2.0 * margin);
    // Extents below float noise of the cloud's size count as zero.
    let tiny = 1e-5 * (0..3).map(|k| hi[k] - lo[k]).fold(0.0, f32::max) + 1e-12;
    let fit = |extent: f32, n: usize| {
        if extent > tiny {
            inner(n) / extent
        } else {
            f32::INFINITY
        }
    };
    let mut scale = fit(hi[0] - lo[0], w).min(fit(hi[1] - lo[1], h));
    if !scale.is_finite() {
        // All points project to one pixel: any scale shows them.
        scale = 1.0;
    }
    let r = radius.unwrap_or_else(|| {
        let cap = (w.min(h) as f32 / 30.0).max(1.5);
        point_spacing(points).map_or(2.0, |s| (1.7 * s * scale).clamp(1.0, cap))
    });
    let r3d = r / scale;
    let (uc, vc) = ((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0);
    let light = camera.to_world(normalise([-0.45, 0.6, 0.65]));
    let toward = camera.toward;
    let depth_span = (hi[2] - lo[2]).max(1e-9);

    let mut depth = vec![f32::NEG_INFINITY; w * h];
    let mut shade = vec![[0u8; 3]; w * h];
    let reach = r.ceil() as i64;
    for (i, &(u, v, d)) in projected.iter().enumerate() {
        let k = match normals {
            Some(ns) => {
                let n = ns[i];
                let facing = dot(n, toward);
                let n = if facing < 0.0 {
                    [-n[0], -n[1], -n[2]]
                } else {
                    n
                };
                if dot(n, n) > 0.25 {
                    AMBIENT + DIFFUSE * dot(n, light).max(0.0)
                } else {
                    AMBIENT + DIFFUSE * 0.5
                }
            }
            None => 0.5 + 0.5 * (d - lo[2]) / depth_span,
        };
        let c = colours[i];
        let lit = [scale_u8(c[0], k), scale_u8(c[1], k), scale_u8(c[2], k)];
        let px = w as f32 / 2.0 + (u - uc) * scale;
        let py = h as f32 / 2.0 - (v - vc) * scale;
        let (cx, cy) = (px.floor() as i64, py.floor() as i64);
        for yy in (cy - reach).max(0)..=(cy + reach).min(h as i64 - 1) {
            for xx in (cx - reach).max(0)..=(cx + reach).min(w as i64 - 1) {
                let dx = xx as f32 + 0.5 - px;
                let dy = yy as f32 + 0.5 - py;
                let q = (dx * dx + dy * dy) / (r * r);
                if q > 1.0 {
                    continue;
                }
                let z = d + r3d * (1.0 - q).sqrt();
                let o = yy as usize * w + xx as usize;
                if z > depth[o] {
                    depth[o] = z;
                    shade[o] = lit;
                }
            }
        }
    }

    // Outline: covered pixels next to background or to a much nearer pixel.
    let jump = 3.0 * r3d;
    let mut covered = 0;
    for y in 0..h {
        for x in 0..w {
            let o = y * w + x;
            let z = depth[o];
            if z == f32::NEG_INFINITY {
                continue;
            }
            covered += 1;
            let neighbours = [
                (x > 0).then(|| o - 1),
                (x + 1 < w).then(|| o + 1),
                (y > 0).then(|| o - w),
                (y + 1 < h).then(|| o + w),
            ];
            let edge = neighbours.iter().any(|n| match n {
                None => true,
                Some(n) => depth[*n] == f32::NEG_INFINITY || depth[*n] - z > jump,
            });
            let c = shade[o];
            let c = if edge {
                [
                    scale_u8(c[0], OUTLINE),
                    scale_u8(c[1], OUTLINE),
                    scale_u8(c[2], OUTLINE),
                ]
            } else {
                c
            };
            image.set(rect.x + x as i64, rect.y + y as i64, c);
        }
    }
    SplatInfo {
        scale,
        radius: r,
        covered,
    }
}

fn scale_u8(c: u8, k: f32) -> u8 {
    (c as f32 * k.clamp(0.0, 1.0)).round() as u8
}

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn normalise(a: [f32; 3]) -> [f32; 3] {
    let n = dot(a, a).sqrt();
    [a[0] / n, a[1] / n, a[2] / n]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::view::View;

    #[test]
    fn spacing_matches_a_regular_grid() {
        let mut pts = Vec::new();
        for i in 0..20 {
            for j in 0..20 {
                pts.push([i as f32 * 0.05, j as f32 * 0.05, 0.0]);
            }
        }
        let s = point_spacing(&pts).unwrap();
        assert!((s - 0.05).abs() < 1e-5, "{s}");
        assert!(point_spacing(&[[1.0; 3], [1.0; 3]]).is_none());
    }

    #[test]
    fn lambert_factor_is_applied_exactly() {
        // One point facing the viewer, lit at angle n . L.
        let cam = View::Front.camera();
        let mut img = Image::new(21, 21, [255; 3]);
        let rect = Rect {
            x: 0,
            y: 0,
            w: 21,
            h: 21,
        };
        let info = splat_cloud(
            &mut img,
            rect,
            &[[0.0; 3]],
            Some(&[[1.0, 0.0, 0.0]]),
            &[[200, 100, 50]],
            &cam,
            SplatStyle {
                margin: 0.1,
                radius: Some(4.0),
            },
        );
        assert_eq!(info.radius, 4.0);
        let l = cam.to_world(normalise([-0.45, 0.6, 0.65]));
        let k = AMBIENT + DIFFUSE * l[0].max(0.0);
        let want = [
            (200.0 * k).round() as u8,
            (100.0 * k).round() as u8,
            (50.0 * k).round() as u8,
        ];
        assert_eq!(img.get(10, 10), want);
        // The disc of radius 4 around pixel centre (10.5, 10.5) covers
        // the pixels whose centres lie within 4 pixels.
        let mut want_covered = 0;
        for y in 0..21 {
            for x in 0..21 {
                let (dx, dy) = (x as f32 - 10.0, y as f32 - 10.0);
                if dx * dx + dy * dy <= 16.0 {
                    want_covered += 1;
                }
            }
        }
        assert_eq!(info.covered, want_covered);
        // A back-facing normal is flipped: same shade.
        let mut img2 = Image::new(21, 21, [255; 3]);
        splat_cloud(
            &mut img2,
            rect,
            &[[0.0; 3]],
            Some(&[[-1.0, 0.0, 0.0]]),
            &[[200, 100, 50]],
            &cam,
            SplatStyle {
                margin: 0.1,
                radius: Some(4.0),
            },
        );
        assert_eq!(img2.get(10, 10), want);
    }
}
