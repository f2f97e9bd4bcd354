//! Orientation: which way a cloud's axes point relative to the frame the
//! network was trained in, and the search that guesses it (`--orient auto`).
//!
//! The model's frame is ShapeNetPart's (`docs/shapenetpart.md`, and every
//! synthetic generator): **y up, the front looking toward +x**, so the side
//! axis z is `front x up` (right-handed). A [`Frame`] names which input axis
//! points up and which points to the front; its [`Frame::matrix`] is the
//! proper rotation taking input coordinates to the model's frame. Only the
//! 24 axis-aligned frames exist: each is a signed permutation, so rotating is
//! exact in any precision.

use super::{choose_category, confidence, predict_full, prepare_votes, CategoryChoice};
use super::{PredictOptions, Prediction};
use crate::categories::Category;
use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use crate::model::Network;

/// A signed coordinate axis of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Axis {
    /// +x
    PosX,
    /// -x
    NegX,
    /// +y
    PosY,
    /// -y
    NegY,
    /// +z
    PosZ,
    /// -z
    NegZ,
}

impl Axis {
    /// The six axes, +x -x +y -y +z -z.
    pub const ALL: [Axis; 6] = [
        Axis::PosX,
        Axis::NegX,
        Axis::PosY,
        Axis::NegY,
        Axis::PosZ,
        Axis::NegZ,
    ];

    /// The unit vector.
    pub fn vector(self) -> [i8; 3] {
        match self {
            Axis::PosX => [1, 0, 0],
            Axis::NegX => [-1, 0, 0],
            Axis::PosY => [0, 1, 0],
            Axis::NegY => [0, -1, 0],
            Axis::PosZ => [0, 0, 1],
            Axis::NegZ => [0, 0, -1],
        }
    }

    /// `x`, `-x`, `y`, ... as the flags spell it.
    pub fn name(self) -> &'static str {
        match self {
            Axis::PosX => "x",
            Axis::NegX => "-x",
            Axis::PosY => "y",
            Axis::NegY => "-y",
            Axis::PosZ => "z",
            Axis::NegZ => "-z",
        }
    }

    /// Parse `x`, `+x`, `-x`, ... (case-insensitive).
    pub fn parse(s: &str) -> Option<Axis> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix('+').unwrap_or(&s);
        Axis::ALL.into_iter().find(|a| a.name() == s)
    }

    /// The axis along the same line (`x` and `-x`).
    fn parallel(self, other: Axis) -> bool {
        let (a, b) = (self.vector(), other.vector());
        a[0] * b[0] + a[1] * b[1] + a[2] * b[2] != 0
    }
}

impl std::fmt::Display for Axis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which input axes point up and to the front.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frame {
    /// The input axis that is up (the model's +y).
    pub up: Axis,
    /// The input axis the front looks toward (the model's +x).
    pub front: Axis,
}

impl Frame {
    /// The model's own frame: y up, front +x (no rotation).
    pub const MODEL: Frame = Frame {
        up: Axis::PosY,
        front: Axis::PosX,
    };

    /// The frame with these axes; a usage error when `up` and `front` lie
    /// along the same line.
    pub fn new(up: Axis, front: Axis) -> Result<Frame> {
        if up.parallel(front) {
            return Err(Error::usage(format!(
                "--up {up} and --front {front} lie along the same axis; the front must be \
                 perpendicular to up"
            )));
        }
        Ok(Frame { up, front })
    }

    /// The frame for `--up` and `--front` when either may be missing: a
    /// missing up is +y, a missing front is +x (+z when up is along x).
    pub fn from_flags(up: Option<Axis>, front: Option<Axis>) -> Result<Frame> {
        let up = up.unwrap_or(Axis::PosY);
        let front = front.unwrap_or(if up.parallel(Axis::PosX) {
            Axis::PosZ
        } else {
            Axis::PosX
        });
        Frame::new(up, front)
    }

    /// All 24 axis-aligned frames, the model's own first.
    pub fn all() -> Vec<Frame> {
        let mut out = vec![Frame::MODEL];
        for up in Axis::ALL {
            for front in Axis::ALL {
                if let Ok(f) = Frame::new(up, front) {
                    if f != Frame::MODEL {
                        out.push(f);
                    }
                }
            }
        }
        out
    }

    /// The rotation taking input coordinates to the model's frame, as rows:
    /// `front`, `up`, `front x up` (so `R * front = +x`, `R * up = +y`).
    pub fn matrix(&self) -> [[i8; 3]; 3] {
        let (f, u) = (self.front.vector(), self.up.vector());
        let side = [
            f[1] * u[2] - f[2] * u[1],
            f[2] * u[0] - f[0] * u[2],
            f[0] * u[1] - f[1] * u[0],
        ];
        [f, u, side]
    }

    /// `v` (input frame) in the model's frame.
    pub fn to_model<T>(&self, v: [T; 3]) -> [T; 3]
    where
        T: Copy + std::ops::Neg<Output = T>,
    {
        let m = self.matrix();
        std::array::from_fn(|r| {
            let k = m[r]
                .iter()
                .position(|&x| x != 0)
                .expect("a signed permutation");
            if m[r][k] > 0 {
                v[k]
            } else {
                -v[k]
            }
        })
    }

    /// `v` (model frame) back in the input's frame: the inverse of
    /// [`Frame::to_model`].
    pub fn from_model<T>(&self, v: [T; 3]) -> [T; 3]
    where
        T: Copy + std::ops::Neg<Output = T> + Default,
    {
        let m = self.matrix();
        let mut out = [T::default(); 3];
        for (r, row) in m.iter().enumerate() {
            let k = row
                .iter()
                .position(|&x| x != 0)
                .expect("a signed permutation");
            out[k] = if row[k] > 0 { v[r] } else { -v[r] };
        }
        out
    }

    /// `cloud` turned into the model's frame: points, normals and their exact
    /// copies rotated (exactly: a signed permutation), everything else as is.
    pub fn rotate_cloud(&self, cloud: &PointCloud) -> PointCloud {
        let mut out = cloud.clone();
        if *self == Frame::MODEL {
            return out;
        }
        out.points.iter_mut().for_each(|p| *p = self.to_model(*p));
        if let Some(n) = &mut out.normals {
            n.iter_mut().for_each(|p| *p = self.to_model(*p));
        }
        if let Some(e) = &mut out.exact_points {
            e.iter_mut().for_each(|p| *p = self.to_model(*p));
        }
        if let Some(e) = &mut out.exact_normals {
            e.iter_mut().for_each(|p| *p = self.to_model(*p));
        }
        out
    }
}

impl std::fmt::Display for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "up {} front {}", self.up, self.front)
    }
}

/// How to orient a cloud before segmenting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// The cloud's axes are this frame.
    Given(Frame),
    /// Let [`search_orientation`] pick the frame.
    Auto,
}

/// The score of one candidate frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameScore {
    /// The candidate.
    pub frame: Frame,
    /// The category the pass segmented under (given, or the most probable).
    pub category: &'static Category,
    /// The classifier's probability of that category (for a model without
    /// a classifier: the category's part confidence, as `--category auto`
    /// scores it): what is ranked.
    pub class_probability: f32,
    /// Mean over the points the network saw of the largest part
    /// probability, for the [`REFINED`] best candidates (ties are broken by
    /// it); `None` for the others.
    pub part_confidence: Option<f32>,
}

/// How many of the best candidates by class probability are decoded to
/// break ties by part confidence.
pub const REFINED: usize = 3;

/// Class probabilities this close to the best count as a tie (and are all
/// decoded, the part confidence breaking the tie).
pub const TIED: f32 = 1e-4;

/// What [`search_orientation`] decided.
#[derive(Debug, Clone, PartialEq)]
pub struct OrientChoice {
    /// The best frame.
    pub frame: Frame,
    /// Its score: the class probability (0 to 1).
    pub score: f32,
    /// Its score minus the runner-up's (0 when a tie was broken by part
    /// confidence, as for shapes with a symmetry).
    pub margin: f32,
    /// The runner-up frame.
    pub runner_up: Frame,
    /// Every candidate, best first.
    pub candidates: Vec<FrameScore>,
}

/// A prediction with the frame it was made in.
#[derive(Debug, Clone, PartialEq)]
pub struct OrientedPrediction {
    /// Labels per input point (in the input's order; coordinates untouched).
    pub prediction: Prediction,
    /// The frame the cloud was read in.
    pub frame: Frame,
    /// Present when the frame was searched.
    pub auto: Option<OrientChoice>,
    /// Per-point part probabilities when asked for (see
    /// [`super::predict_with_probabilities`]).
    pub probabilities: Option<Vec<f32>>,
}

impl OrientChoice {
    /// The stderr note line: `NAME: orientation up z front -y (auto:
    /// confidence 0.93, margin 0.12 over up y front x)`.
    pub fn note(&self, name: &str) -> String {
        format!(
            "{name}: orientation {} (auto: confidence {:.2}, margin {:.2} over {})",
            self.frame, self.score, self.margin, self.runner_up
        )
    }
}

impl OrientedPrediction {
    /// The `orientation` field of `pcseg run --json`: `up`, `front`, and for a
    /// searched frame `auto: true`, `score`, `margin` and the runner-up's
    /// `up`/`front`.
    pub fn json(&self) -> serde_json::Value {
        let round = |x: f32| ((x as f64) * 1e4).round() / 1e4;
        let mut v = serde_json::json!({
            "up": self.frame.up.name(),
            "front": self.frame.front.name(),
            "auto": self.auto.is_some(),
        });
        if let Some(a) = &self.auto {
            v["score"] = round(a.score).into();
            v["margin"] = round(a.margin).into();
            v["runner_up"] = serde_json::json!({
                "up": a.runner_up.up.name(),
                "front": a.runner_up.front.name(),
            });
        }
        v
    }
}

/// The encoding of one frame (vote 0 of `options`) and its class score.
fn score_frame(
    net: &Network,
    cloud: &PointCloud,
    frame: Frame,
    choice: CategoryChoice,
    options: &PredictOptions,
    name: &str,
) -> Result<(FrameScore, crate::model::Encoded)> {
    let rotated = frame.rotate_cloud(cloud);
    let one = PredictOptions {
        votes: 1,
        ..*options
    };
    let (_, votes) = prepare_votes(&rotated, &one, name)?;
    let vote = &votes[0];
    let index = match choice {
        CategoryChoice::Given(c) => c.index,
        CategoryChoice::Auto => 0,
    };
    let enc = net.encode(&vote.input(index))?;
    let (category, class_probability, part_confidence) =
        match (choice, enc.category_probabilities()) {
            (CategoryChoice::Given(c), Some(p)) => (c, p[c.index], None),
            (CategoryChoice::Given(c), None) => {
                let conf = confidence(&net.decode(&enc, c.index)?, c);
                (c, conf, Some(conf))
            }
            (CategoryChoice::Auto, _) => {
                let d = choose_category(net, std::slice::from_ref(&enc))?;
                let conf = (!net.has_classifier()).then(|| confidence(&d.logits[0], d.category));
                (d.category, d.choice.scores[d.category.index], conf)
            }
        };
    Ok((
        FrameScore {
            frame,
            category,
            class_probability,
            part_confidence,
        },
        enc,
    ))
}

/// Try the 24 axis-aligned frames and keep the one the network's category
/// classifier is most sure of: the probability of the given category, or
/// with `--category auto` of the most probable one. One encoder pass per
/// frame (vote 0 of `options`); the [`REFINED`] best are decoded and ties
/// broken by their part confidence, then by the order of [`Frame::all`]
/// (the model's own frame first).
///
/// Measured on the 56 real reference shapes, the class probability alone
/// finds the frame more often than adding the part confidence (which the
/// network keeps high in wrong frames too): see MODEL_CARD.md, Orientation.
pub fn search_orientation(
    net: &Network,
    cloud: &PointCloud,
    choice: CategoryChoice,
    options: &PredictOptions,
    name: &str,
) -> Result<OrientChoice> {
    let mut scored = Frame::all()
        .into_iter()
        .map(|f| score_frame(net, cloud, f, choice, options, name))
        .collect::<Result<Vec<_>>>()?;
    // Stable: equal scores keep the order of `Frame::all`.
    scored.sort_by(|a, b| b.0.class_probability.total_cmp(&a.0.class_probability));
    let top = scored[0].0.class_probability;
    for (i, (s, enc)) in scored.iter_mut().enumerate() {
        if i >= REFINED && s.class_probability < top - TIED {
            break;
        }
        if s.part_confidence.is_none() {
            s.part_confidence = Some(confidence(&net.decode(enc, s.category.index)?, s.category));
        }
    }
    let mut candidates: Vec<FrameScore> = scored.into_iter().map(|(s, _)| s).collect();
    // A saturated classifier gives several frames a probability within
    // float noise of 1 (which of them is highest then depends on rounding,
    // e.g. on the GEMM kernel): probabilities within TIED of the best are a
    // tie, which the part confidence breaks.
    let tied = |s: &FrameScore| s.class_probability >= top - TIED;
    let confidence_of = |s: &FrameScore| s.part_confidence.unwrap_or(f32::NEG_INFINITY);
    candidates.sort_by(|a, b| match (tied(a), tied(b)) {
        (true, true) => confidence_of(b).total_cmp(&confidence_of(a)),
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => b
            .class_probability
            .total_cmp(&a.class_probability)
            .then(confidence_of(b).total_cmp(&confidence_of(a))),
    });
    let (best, second) = (candidates[0], candidates[1]);
    Ok(OrientChoice {
        frame: best.frame,
        score: best.class_probability,
        margin: (best.class_probability - second.class_probability).max(0.0),
        runner_up: second.frame,
        candidates,
    })
}

/// Segment `cloud` read in the given frame, or in the frame
/// [`search_orientation`] picks. Labels are per input point; the cloud itself
/// is not changed. With `probabilities`, also the per-point part
/// probabilities of the labels.
pub fn predict_oriented(
    net: &Network,
    cloud: &PointCloud,
    choice: CategoryChoice,
    orientation: Orientation,
    options: &PredictOptions,
    name: &str,
    probabilities: bool,
) -> Result<OrientedPrediction> {
    let (frame, auto) = match orientation {
        Orientation::Given(f) => (f, None),
        Orientation::Auto => {
            let c = search_orientation(net, cloud, choice, options, name)?;
            (c.frame, Some(c))
        }
    };
    // The model's own frame needs no turned copy (a large cloud's copy is
    // as big as its points).
    let rotated;
    let seen = if frame == Frame::MODEL {
        cloud
    } else {
        rotated = frame.rotate_cloud(cloud);
        &rotated
    };
    let (prediction, probabilities) =
        predict_full(net, seen, choice, options, name, probabilities)?;
    Ok(OrientedPrediction {
        prediction,
        frame,
        auto,
        probabilities,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(m: [[i8; 3]; 3]) -> i32 {
        let m = m.map(|r| r.map(i32::from));
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    }

    #[test]
    fn the_24_frames_are_distinct_proper_rotations() {
        let all = Frame::all();
        assert_eq!(all.len(), 24);
        assert_eq!(all[0], Frame::MODEL);
        let mut mats: Vec<[[i8; 3]; 3]> = all.iter().map(Frame::matrix).collect();
        for m in &mats {
            assert_eq!(det(*m), 1, "{m:?}");
            // Orthogonal: rows are unit and pairwise perpendicular.
            for a in 0..3 {
                for b in 0..3 {
                    let dot: i32 = (0..3).map(|k| (m[a][k] * m[b][k]) as i32).sum();
                    assert_eq!(dot, i32::from(a == b), "{m:?}");
                }
            }
        }
        mats.sort();
        mats.dedup();
        assert_eq!(mats.len(), 24);
    }

    #[test]
    fn up_and_front_map_to_the_model_axes() {
        for f in Frame::all() {
            let up = f.up.vector().map(f64::from);
            let front = f.front.vector().map(f64::from);
            assert_eq!(f.to_model(up), [0.0, 1.0, 0.0], "{f}");
            assert_eq!(f.to_model(front), [1.0, 0.0, 0.0], "{f}");
            let p = [0.25f32, -2.0, 7.5];
            assert_eq!(f.from_model(f.to_model(p)), p, "{f}");
        }
    }

    #[test]
    fn hand_computed_frames() {
        assert_eq!(Frame::MODEL.matrix(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
        // z up, front +x: input z becomes y, input y becomes -z.
        let zup = Frame::from_flags(Some(Axis::PosZ), None).unwrap();
        assert_eq!(zup.front, Axis::PosX);
        assert_eq!(zup.matrix(), [[1, 0, 0], [0, 0, 1], [0, -1, 0]]);
        assert_eq!(zup.to_model([1.0, 2.0, 3.0]), [1.0, 3.0, -2.0]);
        // y up, front -z (a turn of 90 degrees about y).
        let f = Frame::new(Axis::PosY, Axis::NegZ).unwrap();
        assert_eq!(f.matrix(), [[0, 0, -1], [0, 1, 0], [1, 0, 0]]);
        assert_eq!(f.to_model([1.0, 2.0, 3.0]), [-3.0, 2.0, 1.0]);
        // y up, front -x: a half turn about y.
        let f = Frame::new(Axis::PosY, Axis::NegX).unwrap();
        assert_eq!(f.to_model([1.0, 2.0, 3.0]), [-1.0, 2.0, -3.0]);
        // up along x defaults the front to +z.
        let f = Frame::from_flags(Some(Axis::NegX), None).unwrap();
        assert_eq!(f.front, Axis::PosZ);
    }

    #[test]
    fn parallel_up_and_front_are_refused() {
        for (u, f) in [(Axis::PosZ, Axis::NegZ), (Axis::PosY, Axis::PosY)] {
            let e = Frame::new(u, f).unwrap_err().to_string();
            assert!(e.contains("same axis") && !e.contains('\n'), "{e}");
        }
        assert!(Frame::from_flags(None, Some(Axis::NegY)).is_err());
    }

    #[test]
    fn axes_parse_with_or_without_plus() {
        assert_eq!(Axis::parse("z"), Some(Axis::PosZ));
        assert_eq!(Axis::parse("+Z"), Some(Axis::PosZ));
        assert_eq!(Axis::parse("-y"), Some(Axis::NegY));
        assert_eq!(Axis::parse("w"), None);
    }

    #[test]
    fn rotating_a_cloud_turns_points_normals_and_exact_copies() {
        let mut c = PointCloud::from_points(vec![[1.0, 2.0, 3.0]]);
        c.normals = Some(vec![[0.0, 0.0, 1.0]]);
        c.exact_points = Some(vec![[1.000_000_000_1, 2.0, 3.0]]);
        let f = Frame::from_flags(Some(Axis::PosZ), None).unwrap();
        let r = f.rotate_cloud(&c);
        assert_eq!(r.points, vec![[1.0, 3.0, -2.0]]);
        assert_eq!(r.normals, Some(vec![[0.0, 1.0, -0.0]]));
        assert_eq!(r.exact_points, Some(vec![[1.000_000_000_1, 3.0, -2.0]]));
    }
}
