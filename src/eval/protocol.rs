//! Which points of a test shape are scored, and how the network sees them.

use crate::categories::Category;
use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use crate::model::Network;
use crate::predict::{predict, AutoChoice, CategoryChoice, PredictOptions};
use crate::rng::Rng;

/// An evaluation protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Score every original point; the network sees N sampled points and its
    /// prediction is transferred to all points (PointNet's protocol).
    AllPoints,
    /// Draw this many points with replacement, run the network on them and
    /// score those (the PointNet++ reference code's protocol).
    Resample(usize),
}

impl Protocol {
    /// The name used in reports and on the command line.
    pub fn name(self) -> String {
        match self {
            Protocol::AllPoints => "all-points".into(),
            Protocol::Resample(n) => format!("resample-{n}"),
        }
    }
}

impl std::str::FromStr for Protocol {
    type Err = Error;
    fn from_str(s: &str) -> Result<Protocol> {
        if s == "all-points" {
            return Ok(Protocol::AllPoints);
        }
        match s.strip_prefix("resample-").map(str::parse::<usize>) {
            Some(Ok(n)) if n > 0 => Ok(Protocol::Resample(n)),
            _ => Err(Error::usage(format!(
                "unknown protocol '{s}' (expected all-points or resample-2048)"
            ))),
        }
    }
}

/// Predicted and true global part ids of the scored points of one shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The category the shape was segmented under (given or chosen).
    pub category: &'static Category,
    /// Prediction per scored point.
    pub pred: Vec<u32>,
    /// Truth per scored point.
    pub truth: Vec<u32>,
    /// How the category was chosen, when the network chose it.
    pub auto: Option<AutoChoice>,
}

/// Run the network on test shape number `index` of an evaluation under
/// `protocol`, with its category given (as the benchmark does) or chosen by
/// the network (`CategoryChoice::Auto`). The
/// resampling, if any, is seeded by `(options.seed, index)`, so results do not
/// depend on the order or parallelism of the evaluation.
pub fn run_shape(
    net: &Network,
    cloud: &PointCloud,
    choice: CategoryChoice,
    protocol: Protocol,
    options: &PredictOptions,
    index: usize,
    name: &str,
) -> Result<Scored> {
    let Some(truth) = &cloud.labels else {
        return Err(Error::Data {
            path: name.to_string(),
            line: None,
            message: "no labels to score against".into(),
        });
    };
    let shape_options = PredictOptions {
        seed: Rng::for_item(options.seed, index as u64).next_u64(),
        ..*options
    };
    match protocol {
        Protocol::AllPoints => {
            let p = predict(net, cloud, choice, &shape_options, name)?;
            Ok(Scored {
                category: p.category,
                pred: p.labels,
                truth: truth.clone(),
                auto: p.auto,
            })
        }
        Protocol::Resample(n) => {
            if cloud.is_empty() {
                crate::predict::check_cloud(cloud, name)?;
            }
            let mut rng = Rng::for_item(options.seed ^ 0x5EED, index as u64);
            let picks: Vec<usize> = (0..n).map(|_| rng.below(cloud.len())).collect();
            let sub = cloud.select(&picks);
            // The network sees exactly the n drawn points.
            let options = PredictOptions {
                points: n,
                whole_max: 0,
                ..shape_options
            };
            let p = predict(net, &sub, choice, &options, name)?;
            Ok(Scored {
                category: p.category,
                pred: p.labels,
                truth: sub.labels.expect("selected from a labelled cloud"),
                auto: p.auto,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_names_round_trip() {
        for p in [Protocol::AllPoints, Protocol::Resample(2048)] {
            assert_eq!(p.name().parse::<Protocol>().unwrap(), p);
        }
        assert!("resample-0".parse::<Protocol>().is_err());
        assert!("all".parse::<Protocol>().is_err());
    }
}
