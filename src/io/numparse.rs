//! Allocation-free number parsing on byte slices, for the text readers.
//!
//! Decimal numbers such as `-0.424420` (the ShapeNetPart text format) take a
//! fast exact path: the digits are gathered into an integer `m` and the value
//! is `m * 10^e` computed with ONE correctly rounded operation (Clinger's fast
//! path: `m` and `10^|e|` are both exact in the target type). Everything else
//! (long mantissas, large exponents, `nan`, `inf`) falls back to the standard
//! library parser, which is also correctly rounded, so the result is always the
//! nearest float to the decimal text.

/// Exact powers of ten in `f32` (10^0 ..= 10^10 are exact in 24 bits).
const POW10_F32: [f32; 11] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
/// Exact powers of ten in `f64` (10^0 ..= 10^22 are exact in 53 bits).
const POW10_F64: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A decimal `(-1)^neg * mantissa * 10^exp` with at most 19 significant digits.
struct Decimal {
    neg: bool,
    mantissa: u64,
    exp: i32,
}

/// Split plain decimal text (`[+-]digits[.digits][(e|E)[+-]digits]`) into a
/// [`Decimal`]. Returns `None` for anything else or more than 19 digits, in
/// which case the caller uses the standard parser.
fn decimal(s: &[u8]) -> Option<Decimal> {
    let mut i = 0;
    let neg = match s.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0u32; // significant digits gathered (leading zeros skipped)
    let mut exp: i32 = 0;
    let mut any_digit = false;
    while i < s.len() && s[i].is_ascii_digit() {
        let d = (s[i] - b'0') as u64;
        any_digit = true;
        if mantissa != 0 || d != 0 {
            digits += 1;
            if digits > 19 {
                return None;
            }
            mantissa = mantissa * 10 + d;
        }
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            let d = (s[i] - b'0') as u64;
            any_digit = true;
            if mantissa != 0 || d != 0 {
                digits += 1;
                if digits > 19 {
                    return None;
                }
                mantissa = mantissa * 10 + d;
            }
            exp = exp.saturating_sub(1);
            i += 1;
        }
    }
    if !any_digit {
        return None;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        i += 1;
        let mut eneg = false;
        if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
            eneg = s[i] == b'-';
            i += 1;
        }
        let start = i;
        let mut e: i32 = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            if e > 10_000 {
                return None;
            }
            e = e * 10 + (s[i] - b'0') as i32;
            i += 1;
        }
        if i == start {
            return None;
        }
        exp = exp.saturating_add(if eneg { -e } else { e });
    }
    if i != s.len() {
        return None;
    }
    // "12.500000" -> 125e-1: keeps the mantissa small enough for the fast path.
    while mantissa != 0 && exp < 0 && mantissa.is_multiple_of(10) {
        mantissa /= 10;
        exp += 1;
    }
    Some(Decimal { neg, mantissa, exp })
}

fn std_parse<T: std::str::FromStr>(s: &[u8]) -> Option<T> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Parse an `f32`, correctly rounded. `None` when the text is not a number.
///
/// ```
/// use pcseg::io::numparse::parse_f32;
/// assert_eq!(parse_f32(b"-0.424420"), Some(-0.424420));
/// assert_eq!(parse_f32(b"1e3"), Some(1000.0));
/// assert_eq!(parse_f32(b"1.2.3"), None);
/// ```
pub fn parse_f32(s: &[u8]) -> Option<f32> {
    if let Some(d) = decimal(s) {
        if d.mantissa == 0 {
            return Some(if d.neg { -0.0 } else { 0.0 });
        }
        if d.mantissa < (1 << 24) && d.exp.unsigned_abs() <= 10 {
            let m = d.mantissa as f32;
            let v = if d.exp < 0 {
                m / POW10_F32[(-d.exp) as usize]
            } else {
                m * POW10_F32[d.exp as usize]
            };
            return Some(if d.neg { -v } else { v });
        }
    }
    std_parse(s)
}

/// Parse an `f64`, correctly rounded. `None` when the text is not a number.
///
/// ```
/// use pcseg::io::numparse::parse_f64;
/// assert_eq!(parse_f64(b"45.000000"), Some(45.0));
/// assert_eq!(parse_f64(b"abc"), None);
/// ```
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if let Some(d) = decimal(s) {
        if d.mantissa == 0 {
            return Some(if d.neg { -0.0 } else { 0.0 });
        }
        if d.mantissa < (1 << 53) && d.exp.unsigned_abs() <= 22 {
            let m = d.mantissa as f64;
            let v = if d.exp < 0 {
                m / POW10_F64[(-d.exp) as usize]
            } else {
                m * POW10_F64[d.exp as usize]
            };
            return Some(if d.neg { -v } else { v });
        }
    }
    std_parse(s)
}

/// Parse a label written as an integer (`45`) or as an integral float
/// (`45.000000`, the ShapeNetPart text convention). `Err` carries a short
/// reason when the text is a number but not a valid label.
pub fn parse_label(s: &[u8]) -> std::result::Result<u32, String> {
    let v = parse_f64(s).ok_or_else(|| format!("'{}' is not a number", show(s)))?;
    if !v.is_finite() || v.fract() != 0.0 {
        return Err(format!("label '{}' is not an integer", show(s)));
    }
    if v < 0.0 || v > u32::MAX as f64 {
        return Err(format!("label '{}' is out of range", show(s)));
    }
    Ok(v as u32)
}

/// Bytes shown in a message: lossy UTF-8, cut to 40 characters.
pub fn show(s: &[u8]) -> String {
    let text = String::from_utf8_lossy(s);
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push_str("...");
    }
    out.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn matches_std_on_random_decimals() {
        let mut rng = Rng::new(3);
        for i in 0..200_000 {
            let text = match i % 4 {
                0 => format!("{:.6}", rng.uniform(-2.0, 2.0)),
                1 => format!("{}", f32::from_bits(rng.next_u64() as u32)),
                2 => format!("{:e}", rng.normal() * 1e5),
                _ => format!("{}", (rng.normal() as f64) * 1e-3),
            };
            let want32: f32 = text.parse().unwrap();
            let got32 = parse_f32(text.as_bytes()).unwrap();
            assert!(
                got32 == want32 || (got32.is_nan() && want32.is_nan()),
                "{text}: {got32} vs {want32}"
            );
            let want64: f64 = text.parse().unwrap();
            let got64 = parse_f64(text.as_bytes()).unwrap();
            assert!(
                got64 == want64 || (got64.is_nan() && want64.is_nan()),
                "{text}"
            );
        }
    }

    #[test]
    fn shortest_f32_text_round_trips() {
        let mut rng = Rng::new(9);
        for _ in 0..100_000 {
            let x = f32::from_bits(rng.next_u64() as u32);
            if !x.is_finite() {
                continue;
            }
            assert_eq!(parse_f32(x.to_string().as_bytes()), Some(x));
        }
    }

    #[test]
    fn edge_cases() {
        assert_eq!(parse_f32(b"0"), Some(0.0));
        assert!(parse_f32(b"-0.0").unwrap().is_sign_negative());
        assert_eq!(parse_f32(b".5"), Some(0.5));
        assert_eq!(parse_f32(b"5."), Some(5.0));
        assert_eq!(parse_f32(b"+2.5e-1"), Some(0.25));
        assert!(parse_f32(b"nan").unwrap().is_nan());
        assert_eq!(parse_f32(b"inf"), Some(f32::INFINITY));
        assert_eq!(parse_f32(b"1e100"), Some(f32::INFINITY));
        for bad in [&b""[..], b"-", b".", b"e5", b"1e", b"1x", b"--1", b"\xff"] {
            assert_eq!(parse_f32(bad), None, "{:?}", bad);
            assert_eq!(parse_f64(bad), None, "{:?}", bad);
        }
        assert_eq!(
            parse_f64(b"0.1000000000000000000000001"),
            "0.1000000000000000000000001".parse::<f64>().ok()
        );
    }

    #[test]
    fn labels() {
        assert_eq!(parse_label(b"45.000000"), Ok(45));
        assert_eq!(parse_label(b"7"), Ok(7));
        assert!(parse_label(b"45.5").unwrap_err().contains("not an integer"));
        assert!(parse_label(b"-1").unwrap_err().contains("out of range"));
        assert!(parse_label(b"x").unwrap_err().contains("not a number"));
        assert!(parse_label(b"nan").is_err());
    }
}
