//! Serde helper: an `f64` written as its bit pattern (`"0x3ff0000000000000"`),
//! so checkpoint JSON round-trips every value exactly (decimal text parsing is
//! not guaranteed to be correctly rounded).

use serde::{Deserialize, Deserializer, Serializer};

/// Write `x` as a hexadecimal bit pattern.
pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{:#018x}", x.to_bits()))
}

/// Read a value written by [`serialize`].
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let text = String::deserialize(d)?;
    let hex = text.trim_start_matches("0x");
    u64::from_str_radix(hex, 16)
        .map(f64::from_bits)
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct W(#[serde(with = "super")] f64);

    #[test]
    fn every_value_round_trips() {
        for x in [
            0.1,
            -0.0,
            23.539056232891674,
            f64::MIN_POSITIVE,
            1e300,
            f64::INFINITY,
        ] {
            let json = serde_json::to_string(&W(x)).unwrap();
            let back: W = serde_json::from_str(&json).unwrap();
            assert_eq!(back.0.to_bits(), x.to_bits(), "{json}");
        }
        assert_eq!(
            serde_json::to_string(&W(1.0)).unwrap(),
            "\"0x3ff0000000000000\""
        );
    }
}
