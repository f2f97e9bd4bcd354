//! Small 3-vector helpers and the affine [`Transform`] used to place
//! primitives. Vectors are plain `[f32; 3]` so they drop straight into
//! [`crate::PointCloud`].

/// A 3-vector (point or direction).
pub type V3 = [f32; 3];

/// `a + b`.
#[inline]
pub fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// `a - b`.
#[inline]
pub fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `a * s`.
#[inline]
pub fn mul(a: V3, s: f32) -> V3 {
    [a[0] * s, a[1] * s, a[2] * s]
}

/// `a + b * s`.
#[inline]
pub fn add_mul(a: V3, b: V3, s: f32) -> V3 {
    [a[0] + b[0] * s, a[1] + b[1] * s, a[2] + b[2] * s]
}

/// Dot product.
#[inline]
pub fn dot(a: V3, b: V3) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Cross product.
#[inline]
pub fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Euclidean length.
#[inline]
pub fn length(a: V3) -> f32 {
    dot(a, a).sqrt()
}

/// `a` scaled to unit length; `+y` for a zero (or non-finite) vector.
#[inline]
pub fn normalize(a: V3) -> V3 {
    let l = length(a);
    if l > 1e-20 && l.is_finite() {
        mul(a, 1.0 / l)
    } else {
        [0.0, 1.0, 0.0]
    }
}

/// Linear interpolation `a + (b - a) t`.
#[inline]
pub fn lerp(a: V3, b: V3, t: f32) -> V3 {
    add_mul(a, sub(b, a), t)
}

/// Two unit vectors completing unit `n` to a right-handed orthonormal basis.
pub fn basis(n: V3) -> (V3, V3) {
    let helper = if n[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let u = normalize(cross(helper, n));
    let v = cross(n, u);
    (u, v)
}

/// A uniformly distributed unit vector.
pub fn random_unit(rng: &mut crate::rng::Rng) -> V3 {
    loop {
        let v = [rng.normal(), rng.normal(), rng.normal()];
        let l = length(v);
        if l > 1e-6 {
            return mul(v, 1.0 / l);
        }
    }
}

/// An affine map `p -> m p + t` (`m` row-major). Rotations, translations and
/// non-uniform scales compose with [`Transform::then`]; normals go through the
/// inverse transpose of `m` ([`Transform::apply_normal`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transform {
    /// Linear part, row-major.
    pub m: [[f32; 3]; 3],
    /// Translation.
    pub t: V3,
}

impl Default for Transform {
    fn default() -> Self {
        Transform::identity()
    }
}

impl Transform {
    /// The identity.
    pub fn identity() -> Self {
        Transform {
            m: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            t: [0.0; 3],
        }
    }

    /// A pure translation.
    pub fn translate(t: V3) -> Self {
        Transform {
            t,
            ..Transform::identity()
        }
    }

    /// A scale along the axes (may be non-uniform; components must be non-zero).
    pub fn scale(s: V3) -> Self {
        Transform {
            m: [[s[0], 0.0, 0.0], [0.0, s[1], 0.0], [0.0, 0.0, s[2]]],
            t: [0.0; 3],
        }
    }

    /// Rotation by `angle` radians about the unit `axis` (right-handed).
    pub fn rotate(axis: V3, angle: f32) -> Self {
        let [x, y, z] = normalize(axis);
        let (s, c) = angle.sin_cos();
        let k = 1.0 - c;
        Transform {
            m: [
                [c + x * x * k, x * y * k - z * s, x * z * k + y * s],
                [y * x * k + z * s, c + y * y * k, y * z * k - x * s],
                [z * x * k - y * s, z * y * k + x * s, c + z * z * k],
            ],
            t: [0.0; 3],
        }
    }

    /// Rotation about +x.
    pub fn rotate_x(angle: f32) -> Self {
        Transform::rotate([1.0, 0.0, 0.0], angle)
    }

    /// Rotation about +y (`+x` turns toward `-z`).
    pub fn rotate_y(angle: f32) -> Self {
        Transform::rotate([0.0, 1.0, 0.0], angle)
    }

    /// Rotation about +z (`+y` turns toward `-x`: positive angles lean a
    /// vertical part backwards for shapes facing `+x`).
    pub fn rotate_z(angle: f32) -> Self {
        Transform::rotate([0.0, 0.0, 1.0], angle)
    }

    /// A rotation taking `+y` to the direction `dir`.
    pub fn align_y(dir: V3) -> Self {
        let d = normalize(dir);
        let c = d[1].clamp(-1.0, 1.0);
        let axis = cross([0.0, 1.0, 0.0], d);
        if length(axis) < 1e-6 {
            if c > 0.0 {
                Transform::identity()
            } else {
                Transform::rotate_x(std::f32::consts::PI)
            }
        } else {
            Transform::rotate(axis, c.acos())
        }
    }

    /// The map "apply `self`, then `next`".
    pub fn then(&self, next: &Transform) -> Transform {
        let mut m = [[0.0f32; 3]; 3];
        for (i, row) in m.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (0..3).map(|k| next.m[i][k] * self.m[k][j]).sum();
            }
        }
        Transform {
            m,
            t: add(next.apply_vector(self.t), next.t),
        }
    }

    /// Followed by a translation.
    pub fn then_translate(&self, t: V3) -> Transform {
        self.then(&Transform::translate(t))
    }

    /// Image of a point.
    #[inline]
    pub fn apply_point(&self, p: V3) -> V3 {
        add(self.apply_vector(p), self.t)
    }

    /// Image of a direction (no translation).
    #[inline]
    pub fn apply_vector(&self, v: V3) -> V3 {
        let m = &self.m;
        [
            m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
            m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
            m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
        ]
    }

    /// Determinant of the linear part.
    pub fn det(&self) -> f32 {
        let m = &self.m;
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    }

    /// Inverse transpose of the linear part (cofactor matrix / det): the
    /// matrix that maps surface normals.
    pub fn normal_matrix(&self) -> [[f32; 3]; 3] {
        let m = &self.m;
        let det = self.det();
        let inv = if det.abs() > 1e-30 { 1.0 / det } else { 0.0 };
        let cof = |r0: usize, r1: usize, c0: usize, c1: usize| {
            (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) * inv
        };
        [
            [cof(1, 2, 1, 2), -cof(1, 2, 0, 2), cof(1, 2, 0, 1)],
            [-cof(0, 2, 1, 2), cof(0, 2, 0, 2), -cof(0, 2, 0, 1)],
            [cof(0, 1, 1, 2), -cof(0, 1, 0, 2), cof(0, 1, 0, 1)],
        ]
    }

    /// Image of a unit surface normal (inverse transpose, renormalised; a
    /// mirroring transform keeps normals outward too).
    pub fn apply_normal(&self, n: V3) -> V3 {
        let nm = self.normal_matrix();
        let v = [
            nm[0][0] * n[0] + nm[0][1] * n[1] + nm[0][2] * n[2],
            nm[1][0] * n[0] + nm[1][1] * n[1] + nm[1][2] * n[2],
            nm[2][0] * n[0] + nm[2][1] * n[1] + nm[2][2] * n[2],
        ];
        let v = if self.det() < 0.0 { mul(v, -1.0) } else { v };
        normalize(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: V3, b: V3) -> bool {
        (0..3).all(|k| (a[k] - b[k]).abs() < 1e-5)
    }

    #[test]
    fn rotations_follow_the_documented_sense() {
        let r = Transform::rotate_z(std::f32::consts::FRAC_PI_2);
        assert!(close(r.apply_vector([0.0, 1.0, 0.0]), [-1.0, 0.0, 0.0]));
        let r = Transform::rotate_y(std::f32::consts::FRAC_PI_2);
        assert!(close(r.apply_vector([1.0, 0.0, 0.0]), [0.0, 0.0, -1.0]));
        for d in [[1.0, 2.0, 3.0], [0.0, -1.0, 0.0], [0.0, 1.0, 0.0]] {
            let a = Transform::align_y(d);
            assert!(close(a.apply_vector([0.0, 1.0, 0.0]), normalize(d)));
        }
    }

    #[test]
    fn composition_and_normals() {
        let a = Transform::scale([2.0, 1.0, 0.5]);
        let b = Transform::rotate_x(0.3).then_translate([1.0, 2.0, 3.0]);
        let ab = a.then(&b);
        let p = [0.3, -0.7, 1.1];
        assert!(close(ab.apply_point(p), b.apply_point(a.apply_point(p))));
        // A tangent stays perpendicular to the mapped normal.
        let n = normalize([1.0, 1.0, 0.0]);
        let tangent = [1.0, -1.0, 0.0];
        let nn = ab.apply_normal(n);
        assert!(dot(nn, ab.apply_vector(tangent)).abs() < 1e-5);
        assert!((length(nn) - 1.0).abs() < 1e-6);
        // Outward stays outward.
        assert!(dot(nn, ab.apply_vector(n)) > 0.0);
    }
}
