//! Floats as text, fast: the shortest decimal that reads back to the same
//! value, written exactly as Rust's `{}` (`Display`) writes it (plain
//! decimal, never an exponent; `1` not `1.0`; `-0` for negative zero).
//!
//! The digits come from `zmij` (Schubfach, also what `serde_json` uses),
//! several times faster than `core::fmt`'s Grisu with its formatting
//! machinery, which was a quarter of the CPU time of `pcseg run` on a
//! 10-million-point text cloud; this module only moves the decimal point.
//! The text is the same as `{}` gives, digit for digit: where two shortest
//! decimals are equally near the value (an exact tie such as
//! `1354857.25_f32`), zmij picks the even last digit and `{}` the larger
//! magnitude, so ties are found exactly (integer arithmetic on the float's
//! bits) and moved up. `f64` values (rare: columns with more digits than
//! `f32` holds) are written by `{}` itself.

/// A float [`push_float`] can write (`f32`, `f64`).
pub trait TextFloat: Copy + std::fmt::Display {
    /// `Some((negative, m, e))` with `|v| = m * 10^e` the shortest decimal
    /// that reads back to `v`, ties as `{}` breaks them; `None` to let `{}`
    /// write the value (non-finite values, `f64`).
    fn shortest(self) -> Option<(bool, u64, i32)>;
}

impl TextFloat for f32 {
    fn shortest(self) -> Option<(bool, u64, i32)> {
        if !self.is_finite() {
            return None;
        }
        let mut buf = zmij::Buffer::new();
        let (negative, mut m, mut e) = parse_decimal(buf.format_finite(self).as_bytes())?;
        if m == 0 {
            return Some((negative, 0, 0));
        }
        while m % 10 == 0 {
            m /= 10;
            e += 1;
        }
        if is_tie_below(self.abs(), m, e)? {
            m += 1;
            while m % 10 == 0 {
                m /= 10;
                e += 1;
            }
        }
        Some((negative, m, e))
    }
}

impl TextFloat for f64 {
    fn shortest(self) -> Option<(bool, u64, i32)> {
        None
    }
}

/// Whether `v >= 0` is exactly `(m + 1/2) * 10^e`: the midpoint between the
/// decimal `m * 10^e` and the next one, where `{}` takes the upper one.
/// `None` when the check would overflow (then `{}` writes the value).
fn is_tie_below(v: f32, m: u64, e: i32) -> Option<bool> {
    // v = M * 2^E exactly.
    let bits = v.to_bits();
    let (raw_exp, frac) = ((bits >> 23) & 0xff, bits & 0x7f_ffff);
    let (big_m, big_e) = if raw_exp == 0 {
        (u128::from(frac), -149)
    } else {
        (u128::from(frac | 0x80_0000), raw_exp as i32 - 150)
    };
    // The tie is v = (10 m + 5) * 10^(e - 1). With k = 1 - e >= 0 that is
    // v * 10^k = M * 5^k * 2^(E + k) = 10 m + 5, in integers.
    let k = 1 - e;
    if k >= 0 {
        // Cheap filter first: M * 2^E written in decimal has exactly -E'
        // fractional digits (E' = E after dropping M's trailing zero bits,
        // the last one a 5), so a tie at the k-th fractional digit needs
        // -E' = k (or an integer v, k = 0).
        if big_m == 0 {
            return Some(false);
        }
        let e_eff = big_e + big_m.trailing_zeros() as i32;
        if (e_eff >= 0 && k != 0) || (e_eff < 0 && -e_eff != k) {
            return Some(false);
        }
        let p5 = 5u128.checked_pow(k as u32)?;
        // v * 10^k = M * 5^k * 2^(E + k)
        let a = big_m.checked_mul(p5)?;
        let shift = big_e + k;
        let target = u128::from(m).checked_mul(10)?.checked_add(5)?;
        if shift >= 0 {
            Some(
                a.checked_shl(shift as u32)
                    .filter(|x| x >> shift as u32 == a)?
                    == target,
            )
        } else {
            let s = (-shift) as u32;
            if s >= 128 {
                return Some(false);
            }
            Some(a & ((1u128 << s) - 1) == 0 && a >> s == target)
        }
    } else {
        // e >= 2: the tie is an integer (10 m + 5) * 10^(e - 1).
        let p = 10u128.checked_pow((e - 1) as u32)?;
        let target = u128::from(m)
            .checked_mul(10)?
            .checked_add(5)?
            .checked_mul(p)?;
        if big_e < 0 {
            return Some(false);
        }
        let value = big_m
            .checked_shl(big_e as u32)
            .filter(|x| x >> big_e as u32 == big_m)?;
        Some(value == target)
    }
}

/// `(negative, m, e)` with value `m * 10^e` from zmij's text
/// (`-1.25e-7`, `123.0`, `0.001`).
fn parse_decimal(s: &[u8]) -> Option<(bool, u64, i32)> {
    let (negative, s) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let (mantissa, exp) = match s.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => (&s[..i], parse_exponent(&s[i + 1..])),
        None => (s, 0),
    };
    let mut m = 0u64;
    let mut e = exp;
    let mut after_point = false;
    for &c in mantissa {
        match c {
            b'.' => after_point = true,
            b'0'..=b'9' => {
                m = m.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
                if after_point {
                    e -= 1;
                }
            }
            _ => return None,
        }
    }
    Some((negative, m, e))
}

/// Append `v` to `out` exactly as `format!("{v}")` would: the shortest
/// plain decimal that reads back to `v`.
///
/// ```
/// let mut s = Vec::new();
/// for v in [1.0f32, -0.0, 0.1, 1e-7, 3.5e20, 123.456, 405.265625] {
///     pcseg::io::float_text::push_float(&mut s, v);
///     s.push(b' ');
/// }
/// assert_eq!(s, b"1 -0 0.1 0.0000001 350000000000000000000 123.456 405.26563 ");
/// ```
pub fn push_float<F: TextFloat>(out: &mut Vec<u8>, v: F) {
    let Some((negative, m, e)) = v.shortest() else {
        use std::io::Write;
        write!(out, "{v}").expect("write to a Vec");
        return;
    };
    if negative {
        out.push(b'-');
    }
    if m == 0 {
        out.push(b'0');
        return;
    }
    let mut digits = [0u8; 20];
    let mut n = 0;
    let mut rest = m;
    while rest > 0 {
        digits[19 - n] = b'0' + (rest % 10) as u8;
        rest /= 10;
        n += 1;
    }
    let digits = &digits[20 - n..];
    let n = n as i32;
    let point = n + e;
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

    #[test]
    fn random_bit_patterns_match_display() {
        // Every finite f32 and f64 bit pattern is fair game: compare with the
        // standard library's `{}` (the slow, obviously correct reference).
        let mut rng = Rng::new(17);
        for _ in 0..200_000 {
            let v = f32::from_bits(rng.next_u64() as u32);
            assert_eq!(text(v), format!("{v}"), "f32 bits {:#x}", v.to_bits());
            let w = f64::from_bits(rng.next_u64());
            assert_eq!(text(w), format!("{w}"), "f64 bits {:#x}", w.to_bits());
        }
        // The values point clouds hold: a few decimals in [-10, 10], and
        // values near the f32 grid's ties (multiples of 2^-5 with few digits).
        for _ in 0..200_000 {
            let v = ((f64::from(rng.uniform(-10.0, 10.0)) * 1e6).round() / 1e6) as f32;
            assert_eq!(text(v), format!("{v}"));
            let t = (rng.normal() * 3000.0 * 32.0).round() / 32.0;
            assert_eq!(text(t), format!("{t}"));
        }
        // Exact ties, where zmij alone would pick the even digit.
        for (bits, want) in [(0x49a5634a_u32, "1354857.3"), (0x43caa200, "405.26563")] {
            let v = f32::from_bits(bits);
            assert_eq!(text(v), want);
            assert_eq!(format!("{v}"), want);
        }
    }
}
