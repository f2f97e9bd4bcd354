//! What several subcommands take alike: the model and prediction flags of
//! `run` and `eval` (flattened into both), the value parsers of category
//! flags, and the fixed choices of `train` and `synth` as clap `ValueEnum`s
//! that convert to the library's types (which know nothing of clap).

use super::model_file::load_network;
use anyhow::bail;
use pcseg::categories::{category_names, find_category, Category};
use pcseg::model::{Network, Precision};
use pcseg::predict::orient::{Axis, Frame, Orientation};
use pcseg::predict::{CategoryChoice, PredictOptions};
use pcseg::render::palette::Palette;
use pcseg::synth::RealismLevel;
use pcseg::train::data::CategoryMix;
use pcseg::train::data_spec::ValSplit;
use pcseg::train::optim::DecayMode;
use pcseg::train::trainer::ScheduleKind;
use std::path::PathBuf;

/// `--model`: the network a command runs.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// Model file (.safetensors); default: the model embedded in pcseg.
    #[arg(long)]
    pub model: Option<PathBuf>,

    /// Arithmetic of the network's matrix products: f32, or bf16 (inputs and
    /// weights rounded to bfloat16, sums in f32) on Intel AMX tiles, several
    /// times faster on CPUs that have AMX (Xeon 4th generation and later,
    /// Linux) and refused elsewhere. Labels can differ from f32 on a few
    /// points; MODEL_CARD.md reports the scores of both
    #[arg(long, default_value = "f32", value_parser = precision)]
    pub precision: Precision,
}

impl ModelArgs {
    /// Load the `--model` file, or the embedded model, in `--precision`.
    pub fn load(&self, quiet: bool) -> anyhow::Result<Network> {
        let mut net = load_network(self.model.as_deref(), quiet)?;
        net.set_precision(self.precision)?;
        Ok(net)
    }
}

/// `value_parser` of `--precision`.
fn precision(s: &str) -> Result<Precision, String> {
    s.parse()
}

pub use pcseg::predict::{MAX_POINTS, MAX_VOTES};

/// `value_parser` of `--points`: 1 to [`MAX_POINTS`].
fn points(s: &str) -> Result<usize, String> {
    bounded(s, 1, MAX_POINTS, "points per forward pass")
}

/// `value_parser` of `--whole-max`: 0 to [`MAX_POINTS`].
fn whole_max(s: &str) -> Result<usize, String> {
    bounded(s, 0, MAX_POINTS, "points per forward pass")
}

/// `value_parser` of `--votes`: 1 to [`MAX_VOTES`].
fn votes(s: &str) -> Result<usize, String> {
    bounded(s, 1, MAX_VOTES, "votes")
}

/// A whole number in `min..=max`; `what` names the unit in the message.
fn bounded(s: &str, min: usize, max: usize, what: &str) -> Result<usize, String> {
    let n: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number from {min} to {max}"))?;
    check_bound(n, min, max, what)
}

fn check_bound(n: usize, min: usize, max: usize, what: &str) -> Result<usize, String> {
    if n < min {
        Err(format!("must be at least {min}"))
    } else if n > max {
        Err(format!("at most {max} {what}"))
    } else {
        Ok(n)
    }
}

/// How the network sees a cloud: [`PredictOptions`] as flags. The help texts
/// are `pcseg run`'s; `pcseg eval` rewords them with `mut_arg`. Every count is
/// bounded when parsed ([`MAX_POINTS`], [`MAX_VOTES`]).
#[derive(Debug, Clone, clap::Args)]
pub struct PredictArgs {
    /// Points the network sees of a cloud larger than --whole-max (sampled by farthest point sampling).
    #[arg(long, default_value_t = 2048, value_parser = points)]
    pub points: usize,
    /// Clouds with at most this many points are seen whole, no sampling (0: always sample).
    #[arg(long, default_value_t = pcseg::predict::DEFAULT_WHOLE_MAX, value_parser = whole_max)]
    pub whole_max: usize,
    /// Test-time votes: forward passes on different samples (odd ones mirrored left-right), logits averaged.
    #[arg(long, default_value_t = pcseg::predict::DEFAULT_VOTES, value_parser = votes)]
    pub votes: usize,
    /// Seed of the sampling (results are deterministic for a seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl PredictArgs {
    /// The options, once the counts are checked again (for values set in
    /// code rather than parsed).
    pub fn options(&self) -> anyhow::Result<PredictOptions> {
        let checks = [
            (
                "--points",
                self.points,
                1,
                MAX_POINTS,
                "points per forward pass",
            ),
            (
                "--whole-max",
                self.whole_max,
                0,
                MAX_POINTS,
                "points per forward pass",
            ),
            ("--votes", self.votes, 1, MAX_VOTES, "votes"),
        ];
        for (flag, n, min, max, what) in checks {
            if let Err(e) = check_bound(n, min, max, what) {
                bail!("{flag} {n}: {e}");
            }
        }
        Ok(PredictOptions {
            points: self.points,
            whole_max: self.whole_max,
            votes: self.votes,
            seed: self.seed,
        })
    }
}

/// `value_parser` of a category flag: a name (any case) or a synset id.
pub fn category(s: &str) -> Result<&'static Category, String> {
    find_category(s).ok_or_else(|| format!("unknown category '{s}'; valid: {}", category_names()))
}

/// `value_parser` of one entry of a comma-separated category list
/// (`value_delimiter = ','`): as [`category`], but a blank entry (`chair,`)
/// names nothing and is `None`.
pub fn category_list_entry(s: &str) -> Result<Option<&'static Category>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    category(s).map(Some)
}

/// The categories of a list parsed by [`category_list_entry`], blanks left out.
pub fn listed(entries: &[Option<&'static Category>]) -> Vec<&'static Category> {
    entries.iter().flatten().copied().collect()
}

/// `value_parser` of `pcseg run --category`: `auto` (any case) or a category.
pub fn category_choice(s: &str) -> Result<CategoryChoice, String> {
    if s.eq_ignore_ascii_case("auto") {
        return Ok(CategoryChoice::Auto);
    }
    find_category(s)
        .map(CategoryChoice::Given)
        .ok_or_else(|| format!("unknown category '{s}'; valid: auto, {}", category_names()))
}

/// `value_parser` of `--up` / `--front`: x, y, z, -x, -y, -z (a leading +
/// allowed).
fn axis(s: &str) -> Result<Axis, String> {
    Axis::parse(s).ok_or_else(|| format!("'{s}': expected x, y, z, -x, -y or -z"))
}

/// `run --up/--front/--orient`: the frame a cloud is read in.
#[derive(Debug, Clone, clap::Args)]
pub struct OrientArgs {
    /// The input axis that points up (x, y, z, -x, -y, -z) [default: y, the model's].
    ///
    /// The cloud is turned into the model's frame (y up, front +x) for the
    /// network only: the output keeps the input's coordinates.
    #[arg(long, value_name = "AXIS", value_parser = axis, allow_hyphen_values = true)]
    pub up: Option<Axis>,
    /// The input axis the front looks toward [default: x, or z when --up is along x].
    #[arg(long, value_name = "AXIS", value_parser = axis, allow_hyphen_values = true)]
    pub front: Option<Axis>,
    /// auto: try the 24 axis-aligned orientations and keep the one the
    /// network is most confident in (reported on stderr and in --json).
    #[arg(long, value_enum, value_name = "auto", conflicts_with_all = ["up", "front"])]
    pub orient: Option<OrientArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrientArg {
    Auto,
}

impl OrientArgs {
    /// The orientation asked for; `--up` along `--front` is a usage error.
    pub fn orientation(&self) -> anyhow::Result<Orientation> {
        if self.orient.is_some() {
            return Ok(Orientation::Auto);
        }
        Ok(Orientation::Given(Frame::from_flags(self.up, self.front)?))
    }
}

/// `run --probabilities`: which probabilities go into the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProbabilitiesArg {
    Max,
    All,
}

/// `run --probabilities/--palette`: what else goes into the output.
#[derive(Debug, Clone, clap::Args)]
pub struct ExtrasArgs {
    /// Add a float property confidence (the label's probability) per point;
    /// `--probabilities all` also adds prob_<part> for every part of the category.
    #[arg(long, value_enum, value_name = "max|all", num_args = 0..=1,
          default_missing_value = "max")]
    pub probabilities: Option<ProbabilitiesArg>,
    /// Part colours for --colors parts/keep from FILE: lines `PART R G B`
    /// (PART a global part id or Category/part, R G B 0-255 or #rrggbb; # comments),
    /// or JSON {"Chair/leg": [r, g, b], ...}, or the output of `pcseg categories --json`.
    /// Parts it does not name keep their usual colours.
    #[arg(long, value_name = "FILE")]
    pub palette: Option<PathBuf>,
}

impl ExtrasArgs {
    /// The palette: `--palette FILE` read and checked, or the usual colours.
    pub fn palette(&self) -> anyhow::Result<Palette> {
        Ok(match &self.palette {
            Some(path) => Palette::read(path)?,
            None => Palette::default(),
        })
    }
}

// The choices below carry no doc comments: clap would print them as a long
// "Possible values" list and switch the whole help to its long form.

/// `train --optimizer`: how weight decay enters the update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OptimizerArg {
    #[value(name = "adamw")]
    AdamW,
    #[value(name = "adam")]
    Adam,
}

impl From<OptimizerArg> for DecayMode {
    fn from(o: OptimizerArg) -> DecayMode {
        match o {
            OptimizerArg::AdamW => DecayMode::AdamW,
            OptimizerArg::Adam => DecayMode::Adam,
        }
    }
}

/// `train --schedule`: the learning-rate decay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScheduleArg {
    Step,
    Cosine,
}

impl From<ScheduleArg> for ScheduleKind {
    fn from(s: ScheduleArg) -> ScheduleKind {
        match s {
            ScheduleArg::Step => ScheduleKind::Step,
            ScheduleArg::Cosine => ScheduleKind::Cosine,
        }
    }
}

/// `train --mix`: how the categories of synthetic shapes are mixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MixArg {
    #[value(name = "shapenetpart")]
    ShapeNetPart,
    Uniform,
    Sqrt,
}

impl From<MixArg> for CategoryMix {
    fn from(m: MixArg) -> CategoryMix {
        match m {
            MixArg::ShapeNetPart => CategoryMix::ShapeNetPart,
            MixArg::Uniform => CategoryMix::Uniform,
            MixArg::Sqrt => CategoryMix::Sqrt,
        }
    }
}

/// `--realism` of `train` and `synth` (any case; `none` and `0`-`3` are
/// hidden aliases, as [`RealismLevel`]'s `FromStr` takes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RealismArg {
    #[value(alias = "none", alias = "0")]
    Off,
    #[value(alias = "1")]
    Low,
    #[value(alias = "2")]
    Medium,
    #[value(alias = "3")]
    High,
}

impl From<RealismArg> for RealismLevel {
    fn from(r: RealismArg) -> RealismLevel {
        match r {
            RealismArg::Off => RealismLevel::Off,
            RealismArg::Low => RealismLevel::Low,
            RealismArg::Medium => RealismLevel::Medium,
            RealismArg::High => RealismLevel::High,
        }
    }
}

/// `train --val-split` (any case): how a ShapeNetPart run validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ValSplitArg {
    Holdout,
    Val,
    Test,
}

impl From<ValSplitArg> for ValSplit {
    fn from(v: ValSplitArg) -> ValSplit {
        match v {
            ValSplitArg::Holdout => ValSplit::Holdout,
            ValSplitArg::Val => ValSplit::Val,
            ValSplitArg::Test => ValSplit::Test,
        }
    }
}

/// The one line `pcseg: error: ...` reports for a value a flag refuses
/// (`--schedule linear: expected step or cosine`), or `None` for the other
/// command-line errors, which clap reports itself.
pub fn value_error_line(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    // "--category <CATEGORY>" -> "--category"; a positional stays "<DATASET>".
    let arg = text(ContextKind::InvalidArg)?;
    let flag = if arg.starts_with('-') {
        arg.split(' ').next().unwrap_or(arg)
    } else {
        arg
    };
    let value = text(ContextKind::InvalidValue)?;
    let what = match e.kind() {
        ErrorKind::ValueValidation => std::error::Error::source(e)?.to_string(),
        ErrorKind::InvalidValue => {
            let Some(ContextValue::Strings(valid)) = e.get(ContextKind::ValidValue) else {
                return None;
            };
            format!("expected {}", or_list(valid))
        }
        _ => return None,
    };
    let line = if value.is_empty() {
        format!("{flag}: {what}")
    } else {
        format!("{flag} {value}: {what}")
    };
    Some(line.replace('\n', " "))
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Parse `argv` (a program name first) into one subcommand's arguments.
#[cfg(test)]
pub fn parse<A: clap::Args>(argv: &[&str]) -> Result<A, clap::Error> {
    let matches = A::augment_args(clap::Command::new("pcseg")).try_get_matches_from(argv)?;
    A::from_arg_matches(&matches)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Parser, ValueEnum};

    #[test]
    fn categories_parse_by_name_or_synset_and_bad_ones_list_the_valid_names() {
        assert_eq!(category("Chair").unwrap().synset, "03001627");
        assert_eq!(category("04379243").unwrap().name, "Table");
        let e = category("sofa").unwrap_err();
        assert!(e.starts_with("unknown category 'sofa'; valid: "), "{e}");
        assert!(e.ends_with(&category_names()), "{e}");
        assert!(!e.contains('\n'));
        assert_eq!(category_list_entry(" ").unwrap(), None);
        assert!(category_list_entry("sofa").is_err());
        assert_eq!(category_choice("AUTO").unwrap(), CategoryChoice::Auto);
        assert_eq!(
            category_choice("chair").unwrap(),
            CategoryChoice::Given(find_category("chair").unwrap())
        );
        let e = category_choice("sofa").unwrap_err();
        assert!(
            e.contains("unknown category 'sofa'; valid: auto, airplane"),
            "{e}"
        );
    }

    /// Every choice parses to the library value of the same name.
    #[test]
    fn value_enums_round_trip_to_the_library_enums() {
        fn name<T: ValueEnum>(v: &T) -> String {
            v.to_possible_value().unwrap().get_name().to_string()
        }
        for o in OptimizerArg::value_variants() {
            let lib = serde_json::to_value(DecayMode::from(*o)).unwrap();
            assert_eq!(lib, name(o).as_str());
        }
        for s in ScheduleArg::value_variants() {
            let lib = serde_json::to_value(ScheduleKind::from(*s)).unwrap();
            assert_eq!(lib, name(s).as_str());
        }
        for m in MixArg::value_variants() {
            let lib = serde_json::to_value(CategoryMix::from(*m)).unwrap();
            assert_eq!(lib, name(m).as_str());
        }
        for v in ValSplitArg::value_variants() {
            let n = name(v);
            assert_eq!(ValSplit::from(*v), n.parse::<ValSplit>().unwrap());
        }
        for r in RealismArg::value_variants() {
            let n = name(r);
            assert_eq!(RealismLevel::from(*r), n.parse::<RealismLevel>().unwrap());
            assert_eq!(RealismLevel::from(*r).to_string(), n);
        }
        assert_eq!(RealismArg::from_str("NONE", true), Ok(RealismArg::Off));
        assert_eq!(RealismArg::from_str("3", true), Ok(RealismArg::High));
    }

    #[derive(Debug, Parser)]
    struct Cmd {
        #[arg(long, value_parser = category_choice, default_value = "auto")]
        category: CategoryChoice,
        #[arg(long, value_delimiter = ',', value_parser = category_list_entry)]
        categories: Vec<Option<&'static Category>>,
        #[arg(long, value_name = "step|cosine", default_value = "step")]
        schedule: ScheduleArg,
        #[command(flatten)]
        predict: PredictArgs,
    }

    #[test]
    fn refused_values_are_reported_on_one_line() {
        let line = |args: &[&str]| {
            let e = Cmd::try_parse_from(args).unwrap_err();
            value_error_line(&e)
        };
        assert_eq!(
            line(&["c", "--schedule", "linear"]).unwrap(),
            "--schedule linear: expected step or cosine"
        );
        let l = line(&["c", "--category", "sofa"]).unwrap();
        assert!(
            l.starts_with("--category sofa: unknown category 'sofa'; valid: auto, "),
            "{l}"
        );
        let l = line(&["c", "--categories", "chair,sofa"]).unwrap();
        assert!(l.starts_with("--categories sofa: unknown category"), "{l}");
        // Not a refused value: clap's own report.
        assert_eq!(line(&["c", "--bogus"]), None);
    }

    #[test]
    fn predict_flags_parse_and_check() {
        let c = Cmd::try_parse_from(["c", "--categories", "chair,04379243, "]).unwrap();
        let names: Vec<_> = listed(&c.categories).iter().map(|c| c.name).collect();
        assert_eq!(names, ["Chair", "Table"]);
        assert_eq!(c.category, CategoryChoice::Auto);
        let o = c.predict.options().unwrap();
        assert_eq!((o.points, o.votes, o.seed), (2048, 2, 0));
        assert_eq!(o.whole_max, pcseg::predict::DEFAULT_WHOLE_MAX);
        let o = parse::<PredictArgs>(&["c", "--points", "65536", "--votes", "64"])
            .unwrap()
            .options()
            .unwrap();
        assert_eq!((o.points, o.votes), (65_536, 64));
        let o = parse::<PredictArgs>(&["c", "--whole-max", "0"]).unwrap();
        assert_eq!(o.options().unwrap().whole_max, 0);
    }

    /// Every count is bounded when the command line is parsed, so a typo
    /// cannot start a forward pass over millions of points.
    #[test]
    fn predict_counts_are_bounded_at_parse_time() {
        let refused = |args: &[&str]| {
            let e = parse::<PredictArgs>(args).unwrap_err();
            value_error_line(&e).unwrap_or_else(|| panic!("{args:?}: {e}"))
        };
        assert_eq!(
            refused(&["c", "--points", "1000000"]),
            "--points 1000000: at most 65536 points per forward pass"
        );
        assert_eq!(
            refused(&["c", "--points", "0"]),
            "--points 0: must be at least 1"
        );
        assert_eq!(
            refused(&["c", "--whole-max", "10000000"]),
            "--whole-max 10000000: at most 65536 points per forward pass"
        );
        assert_eq!(
            refused(&["c", "--votes", "65"]),
            "--votes 65: at most 64 votes"
        );
        assert_eq!(
            refused(&["c", "--votes", "0"]),
            "--votes 0: must be at least 1"
        );
        assert_eq!(
            refused(&["c", "--points", "lots"]),
            "--points lots: expected a whole number from 1 to 65536"
        );
        // Checked again for options built in code.
        let mut a = parse::<PredictArgs>(&["c"]).unwrap();
        a.points = 1 << 24;
        let e = a.options().unwrap_err().to_string();
        assert_eq!(
            e,
            "--points 16777216: at most 65536 points per forward pass"
        );
    }
}
