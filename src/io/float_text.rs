//! Floats as text, fast: the shortest decimal that reads back to the same
//! value, written exactly as Rust's `{}` (`Display`) writes it (plain
//! decimal, never an exponent; `1` not `1.0`; `-0` for negative zero).
//!
//! The digits come from `zmij` (Schubfach, also what `serde_json` uses),
//! several times faster than `core::fmt`'s Grisu with its formatting
//! machinery, which was a quarter of the CPU time of `pcseg run` on a
//! 10-million-point text cloud; this module only moves the decimal point.
//! The text is the same as `{}` gives, digit for digit, except where two
//! shortest decimals are equally near the value (an exact tie such as
//! `1354857.25_f32`, printed `1354857.2` here and `1354857.3` by `{}`):
//! both read back to the same float, which is what pcseg promises.

/// A float `zmij` can format (`f32`, `f64`).
pub trait TextFloat: zmij::Float + Copy + std::fmt::Display {
    /// Whether the value is finite.
    fn finite(self) -> bool;
}

impl TextFloat for f32 {
    fn finite(self) -> bool {
        self.is_finite()
    }
}

impl TextFloat for f64 {
    fn finite(self) -> bool {
        self.is_finite()
    }
}

/// Append `v` to `out` as `format!("{v}")` would (up to the choice between
/// two equally near shortest decimals, see the module doc): the shortest
/// plain decimal that reads back to `v`.
///
/// ```
/// let mut s = Vec::new();
/// for v in [1.0f32, -0.0, 0.1, 1e-7, 3.5e20, 123.456] {
///     pcseg::io::float_text::push_float(&mut s, v);
///     s.push(b' ');
/// }
/// assert_eq!(s, b"1 -0 0.1 0.0000001 350000000000000000000 123.456 ");
/// ```
pub fn push_float<F: TextFloat>(out: &mut Vec<u8>, v: F) {
    if !v.finite() {
        // NaN and infinities as `{}` writes them (`NaN`, `inf`, `-inf`).
        out.extend_from_slice(v.to_string().as_bytes());
        return;
    }
    let mut buf = zmij::Buffer::new();
    let s = buf.format_finite(v).as_bytes();
    let (negative, s) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    // Split into mantissa and decimal exponent, then the mantissa into its
    // digits and the position of the decimal point among them.
    let (mantissa, exp) = match s.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => (&s[..i], parse_exponent(&s[i + 1..])),
        None => (s, 0),
    };
    // At most 17 significant digits (f64) plus zeros in the mantissa.
    let mut digits = [0u8; 32];
    let mut n = 0usize;
    let mut point = mantissa.len() as i32;
    for (i, &c) in mantissa.iter().enumerate() {
        if c == b'.' {
            point = i as i32;
        } else if n < digits.len() {
            digits[n] = c;
            n += 1;
        }
    }
    point += exp;
    // Leading zeros ("0.001" -> digits "0001") and trailing zeros of the
    // fraction carry no information: strip them, keeping the point right.
    let lead = digits[..n].iter().take_while(|&&c| c == b'0').count();
    let mut digits = &digits[lead..n];
    point -= lead as i32;
    while digits.last() == Some(&b'0') && digits.len() as i32 > point.max(0) {
        digits = &digits[..digits.len() - 1];
    }
    if negative {
        out.push(b'-');
    }
    if digits.is_empty() {
        out.push(b'0');
        return;
    }
    let n = digits.len() as i32;
    if point <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-point) as usize));
        out.extend_from_slice(digits);
    } else if point >= n {
        out.extend_from_slice(digits);
        out.extend(std::iter::repeat_n(b'0', (point - n) as usize));
    } else {
        out.extend_from_slice(&digits[..point as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[point as usize..]);
    }
}

fn parse_exponent(s: &[u8]) -> i32 {
    let (sign, s) = match s.split_first() {
        Some((b'-', rest)) => (-1, rest),
        Some((b'+', rest)) => (1, rest),
        _ => (1, s),
    };
    sign * s
        .iter()
        .fold(0i32, |acc, &c| acc * 10 + i32::from(c - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn text<F: TextFloat>(v: F) -> String {
        let mut out = Vec::new();
        push_float(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn edge_values_match_display() {
        let f32s = [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            0.5,
            10.0,
            100.0,
            1e-5,
            1e-6,
            1.5e-7,
            1e15,
            1e16,
            1.2345e17,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            1e-45, // smallest subnormal
            0.1,
            0.2,
            0.3,
            123456.79,
            16777216.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        for v in f32s {
            assert_eq!(text(v), format!("{v}"), "f32 {v:e}");
        }
        let f64s = [
            0.0f64,
            -0.0,
            1.0,
            0.1,
            1e-300,
            5e-324,
            1e300,
            f64::MAX,
            123_456_789.123_456_79,
            9007199254740993.0,
            1e21,
            1e22,
        ];
        for v in f64s {
            assert_eq!(text(v), format!("{v}"), "f64 {v:e}");
        }
    }

    /// `ours` reads back to exactly `v`, is as short as `{}`'s text and, but
    /// for the last digit of an exact tie, the same text.
    fn check<F>(v: F, ours: &str)
    where
        F: TextFloat + std::str::FromStr + PartialEq + std::fmt::Debug,
        <F as std::str::FromStr>::Err: std::fmt::Debug,
    {
        let std = format!("{v}");
        assert_eq!(
            ours.parse::<F>().unwrap(),
            v,
            "{ours} does not read back to {std}"
        );
        assert_eq!(ours.len(), std.len(), "{ours} vs {std}");
        let common = ours
            .bytes()
            .zip(std.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        assert!(common + 1 >= ours.len(), "{ours} vs {std}");
    }

    #[test]
    fn random_bit_patterns_read_back_exactly_and_match_display() {
        // Every finite f32 and f64 bit pattern is fair game: compare with the
        // standard library's `{}` (the slow, obviously correct reference).
        let mut rng = Rng::new(17);
        let mut differ = 0;
        for _ in 0..200_000 {
            let v = f32::from_bits(rng.next_u64() as u32);
            if v.is_finite() {
                let t = text(v);
                check(v, &t);
                differ += usize::from(t != format!("{v}"));
            }
            let w = f64::from_bits(rng.next_u64());
            if w.is_finite() {
                let t = text(w);
                check(w, &t);
                differ += usize::from(t != format!("{w}"));
            }
        }
        // Where the texts differ, `check` has found both the same length,
        // equal but for the last digit, and ours reading back exactly; that
        // happens about once in a thousand random bit patterns.
        assert!(differ < 4_000, "{differ} of 400,000 differ from Display");
        // The values point clouds hold: a few decimals in [-10, 10].
        for _ in 0..200_000 {
            let v = ((f64::from(rng.uniform(-10.0, 10.0)) * 1e6).round() / 1e6) as f32;
            check(v, &text(v));
        }
        // The tie found by this test: both texts read back to the float.
        let tie = f32::from_bits(0x49a5634a);
        assert_eq!(f64::from(tie), 1_354_857.25_f64);
        check(tie, &text(tie));
    }
}
