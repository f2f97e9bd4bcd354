//! The arithmetic of an inference network's matrix products.

use std::fmt;
use std::str::FromStr;

/// How an inference [`crate::model::Network`] multiplies: `F32` (the
/// default; the same bits on every machine with the same kernels) or `Bf16`:
/// inputs and weights of every linear layer rounded to bfloat16 and their
/// products summed in f32 on Intel AMX tiles, several times faster where the
/// CPU has AMX (Xeon 4th generation and later) and unavailable elsewhere.
/// The bottlenecks' neighbour maxima are then taken on bf16-rounded values
/// (16-bit keys, half the bytes to gather; the projection after them rounds
/// to bf16 anyway). Everything else (geometry, BatchNorm, activations)
/// stays in f32 either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// f32 products (AVX-512 or AVX2 + FMA kernels, chosen at run time).
    #[default]
    F32,
    /// bf16 products with f32 sums on AMX tiles.
    Bf16,
}

impl Precision {
    /// The names `FromStr` accepts.
    pub const NAMES: [&'static str; 2] = ["f32", "bf16"];

    /// Whether this CPU (and operating system) can run `self`.
    pub fn available(self) -> bool {
        match self {
            Precision::F32 => true,
            Precision::Bf16 => super::amx::Amx::detect().is_some(),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
        })
    }
}

impl FromStr for Precision {
    type Err = String;

    fn from_str(s: &str) -> Result<Precision, String> {
        match s {
            "f32" | "fp32" => Ok(Precision::F32),
            "bf16" => Ok(Precision::Bf16),
            _ => Err(format!("unknown precision `{s}` (expected f32 or bf16)")),
        }
    }
}
