//! Orthographic camera views in the ShapeNetPart frame (y up, front +x).
//!
//! A view is an orthonormal right-handed camera basis: `right` and `up` span
//! the screen, `toward` points from the object to the viewer. A point `p`
//! lands at screen `(p . right, p . up)` with depth `p . toward` (larger is
//! nearer the viewer).

use std::fmt;
use std::str::FromStr;

/// A named viewing direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// Three-quarter view from `+x, +y, +z`: front, top and left side visible.
    #[default]
    Iso,
    /// From the front, looking along `-x` (`-z` to the right).
    Front,
    /// From the side, looking along `-z` (front `+x` to the right).
    Side,
    /// From above, looking down `-y` (`+x` to the right, `-z` up).
    Top,
}

/// Names accepted by [`View::from_str`], in display order.
pub const VIEW_NAMES: [&str; 4] = ["iso", "front", "side", "top"];

/// Camera basis of a view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    /// Screen x axis in world coordinates.
    pub right: [f32; 3],
    /// Screen y axis (upward) in world coordinates.
    pub up: [f32; 3],
    /// Unit vector from the object toward the viewer.
    pub toward: [f32; 3],
}

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn normalise(a: [f32; 3]) -> [f32; 3] {
    let n = dot(a, a).sqrt();
    [a[0] / n, a[1] / n, a[2] / n]
}

impl Camera {
    /// The camera looking at the object from direction `toward` with world
    /// `+y` kept upright on screen. `toward` must not be parallel to `y`.
    pub fn looking_from(toward: [f32; 3]) -> Camera {
        let toward = normalise(toward);
        let forward = [-toward[0], -toward[1], -toward[2]];
        let right = normalise(cross(forward, [0.0, 1.0, 0.0]));
        let up = cross(right, forward);
        Camera { right, up, toward }
    }

    /// Screen position `(u, v)` and depth `d` of a world point.
    pub fn project(&self, p: [f32; 3]) -> (f32, f32, f32) {
        (dot(p, self.right), dot(p, self.up), dot(p, self.toward))
    }

    /// A camera-space direction `(right, up, toward)` in world coordinates.
    pub fn to_world(&self, c: [f32; 3]) -> [f32; 3] {
        let mut w = [0.0; 3];
        for (k, wk) in w.iter_mut().enumerate() {
            *wk = c[0] * self.right[k] + c[1] * self.up[k] + c[2] * self.toward[k];
        }
        w
    }
}

impl View {
    /// All views, in [`VIEW_NAMES`] order.
    pub const ALL: [View; 4] = [View::Iso, View::Front, View::Side, View::Top];

    /// The camera of this view.
    pub fn camera(self) -> Camera {
        match self {
            // 45 degrees between front (+x) and side (+z), 30 degrees up.
            View::Iso => {
                let (az, el) = (45f32.to_radians(), 30f32.to_radians());
                Camera::looking_from([el.cos() * az.cos(), el.sin(), el.cos() * az.sin()])
            }
            View::Front => Camera::looking_from([1.0, 0.0, 0.0]),
            View::Side => Camera::looking_from([0.0, 0.0, 1.0]),
            View::Top => Camera {
                right: [1.0, 0.0, 0.0],
                up: [0.0, 0.0, -1.0],
                toward: [0.0, 1.0, 0.0],
            },
        }
    }

    /// The lower-case name of the view.
    pub fn name(self) -> &'static str {
        VIEW_NAMES[self as usize]
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for View {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        View::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown view '{s}' (expected one of: {})",
                    VIEW_NAMES.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: [f32; 3], b: [f32; 3]) -> bool {
        (0..3).all(|k| (a[k] - b[k]).abs() < 1e-6)
    }

    #[test]
    fn bases_are_orthonormal_and_right_handed() {
        for v in View::ALL {
            let c = v.camera();
            for (a, b) in [(c.right, c.up), (c.up, c.toward), (c.right, c.toward)] {
                assert!(dot(a, b).abs() < 1e-6, "{v}");
            }
            for a in [c.right, c.up, c.toward] {
                assert!((dot(a, a) - 1.0).abs() < 1e-6, "{v}");
            }
            assert!(close(cross(c.right, c.up), c.toward), "{v}");
            assert_eq!(v.name().parse::<View>().unwrap(), v);
        }
        assert!("diagonal".parse::<View>().is_err());
    }

    #[test]
    fn views_look_where_the_names_say() {
        let f = View::Front.camera();
        assert!(close(f.toward, [1.0, 0.0, 0.0]) && close(f.up, [0.0, 1.0, 0.0]));
        assert!(close(f.right, [0.0, 0.0, -1.0]));
        let s = View::Side.camera();
        assert!(close(s.toward, [0.0, 0.0, 1.0]) && close(s.right, [1.0, 0.0, 0.0]));
        let t = View::Top.camera();
        assert!(close(t.toward, [0.0, 1.0, 0.0]));
        // iso sees the front, the top and the +z side; y stays up on screen.
        let i = View::Iso.camera();
        assert!(i.toward.iter().all(|&c| c > 0.3));
        assert!(i.up[1] > 0.8 && i.right[1].abs() < 1e-6);
        // a point on +x is nearer the viewer than one on -x in the front view.
        assert!(f.project([0.5, 0.0, 0.0]).2 > f.project([-0.5, 0.0, 0.0]).2);
        assert!(close(i.to_world([0.0, 0.0, 1.0]), i.toward));
    }
}
