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

/// Powers of ten in `u64`.
const POW10_U64: [u64; 20] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000,
    10_000_000_000_000_000_000,
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
        // Zeros are folded into the mantissa only when a non-zero digit
        // follows, so trailing zeros ("45.000000") cost nothing and keep the
        // mantissa small enough for the fast path.
        let mut pending: u32 = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            let d = (s[i] - b'0') as u64;
            any_digit = true;
            if d == 0 {
                pending = pending.saturating_add(1);
            } else {
                if mantissa == 0 {
                    digits = 1;
                    mantissa = d;
                } else {
                    digits += pending + 1;
                    if digits > 19 {
                        return None;
                    }
                    mantissa = mantissa * POW10_U64[pending as usize + 1] + d;
                }
                exp = exp.saturating_sub(pending.saturating_add(1).min(i32::MAX as u32) as i32);
                pending = 0;
            }
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

/// Scan a plain decimal number (`[+-]digits[.digits][(e|E)[+-]digits]`) at
/// `s[i..]`, stopping at the first byte that cannot continue it. Returns the
/// value and the position after it, or `None` when the text there is not a
/// number this fast path handles exactly (no digit, more than 19 digits, a
/// value outside Clinger's exact range): the caller then takes the general
/// path ([`parse_f32`]). The value, when given, is the nearest `f32` to the
/// decimal text, bit-for-bit what `str::parse::<f32>` returns for the same
/// bytes (including `-0.0`), and always finite.
///
/// ```
/// use pcseg::io::numparse::scan_f32;
/// assert_eq!(scan_f32(b"x -0.424420 1", 2), Some((-0.42442, 11)));
/// assert_eq!(scan_f32(b"2.5e-1,", 0), Some((0.25, 6)));
/// assert_eq!(scan_f32(b"nan", 0), None);
/// ```
#[inline]
pub fn scan_f32(s: &[u8], i: usize) -> Option<(f32, usize)> {
    scan_f32_fit(s, i).map(|(v, next, _)| (v, next))
}

/// [`scan_f32`], also telling whether the `f32` holds the decimal exactly
/// enough to give it back: `true` when the number has at most 6 significant
/// digits (see [`decimal_fits_f32`]).
///
/// ```
/// use pcseg::io::numparse::scan_f32_fit;
/// assert_eq!(scan_f32_fit(b"-0.424420", 0), Some((-0.42442, 9, true)));
/// assert_eq!(scan_f32_fit(b"1234.567", 0).map(|r| r.2), Some(false));
/// ```
#[inline]
pub fn scan_f32_fit(s: &[u8], mut i: usize) -> Option<(f32, usize, bool)> {
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    // Every digit goes into the mantissa; more than 19 would overflow and go
    // to the general path (wrapping arithmetic keeps debug builds quiet).
    let mut m: u64 = 0;
    let int_start = i;
    while let Some(&c) = s.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        m = m.wrapping_mul(10).wrapping_add(d as u64);
        i += 1;
    }
    let mut digits = i - int_start;
    let mut exp: i32 = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while let Some(&c) = s.get(i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            m = m.wrapping_mul(10).wrapping_add(d as u64);
            i += 1;
        }
        digits += i - frac_start;
        exp = -((i - frac_start).min(64) as i32);
    }
    if digits == 0 || digits > 19 {
        return None;
    }
    if let Some(b'e' | b'E') = s.get(i) {
        i += 1;
        let eneg = match s.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let (e, next) = scan_digits(s, i, 4)?;
        i = next;
        let e = e as i32;
        exp += if eneg { -e } else { e };
    }
    if m == 0 {
        return Some((if neg { -0.0 } else { 0.0 }, i, true));
    }
    // Trailing zeros of the digits ("0.061450", "1.500000e3") cost range.
    while (m >= 1 << 24 || exp < -10) && m.is_multiple_of(10) {
        m /= 10;
        exp += 1;
    }
    if m >= 1 << 24 || !(-10..=10).contains(&exp) {
        return None;
    }
    let mut short = m;
    while short >= 1_000_000 && short.is_multiple_of(10) {
        short /= 10;
    }
    let fits = short < 1_000_000;
    // Clinger's fast path: m and 10^|exp| are exact in f32, so one correctly
    // rounded operation gives the nearest f32 to m * 10^exp.
    let mf = m as f32;
    let v = if exp < 0 {
        mf / POW10_F32[(-exp) as usize]
    } else {
        mf * POW10_F32[exp as usize]
    };
    Some((if neg { -v } else { v }, i, fits))
}

/// Whether the nearest `f32` to the decimal text `s` prints back (in its
/// shortest form, as pcseg writes it) as the same number. `false` means
/// storing the value as `f32` would lose some of the text's digits, so a
/// reader keeps the `f64` too. Plain decimals of at most 6 significant digits
/// inside `f32`'s normal range always fit (`FLT_DIG`) and are decided without
/// formatting; the rest are checked by printing the `f32`.
///
/// ```
/// use pcseg::io::numparse::decimal_fits_f32;
/// assert!(decimal_fits_f32(b"-0.424420"));
/// assert!(decimal_fits_f32(b"1200"));
/// assert!(decimal_fits_f32(b"1426.4823")); // what f32 prints for itself
/// assert!(!decimal_fits_f32(b"500000.125"));
/// assert!(!decimal_fits_f32(b"0.1234567891"));
/// ```
pub fn decimal_fits_f32(s: &[u8]) -> bool {
    if short_decimal(s) {
        return true;
    }
    match (parse_f32(s), parse_f64(s)) {
        (Some(v32), Some(v64)) if v32.is_finite() => {
            format!("{v32}").parse::<f64>().ok() == Some(v64)
        }
        (Some(v32), _) => !v32.is_finite(), // nan / inf: no digits to keep
        _ => false,
    }
}

/// A plain decimal of at most 6 significant digits in `f32`'s normal range.
fn short_decimal(s: &[u8]) -> bool {
    let Some(d) = decimal(s) else {
        return false;
    };
    if d.mantissa == 0 {
        return true;
    }
    let (mut m, mut e) = (d.mantissa, d.exp as i64);
    while m.is_multiple_of(10) {
        m /= 10;
        e += 1;
    }
    let digits = m.ilog10() as i64 + 1;
    let magnitude = e + digits - 1; // the value is about 10^magnitude
    digits <= 6 && (-37..=37).contains(&magnitude)
}

/// Scan 1 to `max` (<= 9) decimal digits at `s[i..]`: their value and the
/// position after them, or `None` when there are none or more than `max`.
#[inline]
fn scan_digits(s: &[u8], mut i: usize, max: usize) -> Option<(u32, usize)> {
    let start = i;
    let mut v: u32 = 0;
    while let Some(&c) = s.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if i - start >= max {
            return None;
        }
        v = v * 10 + d as u32;
        i += 1;
    }
    (i > start).then_some((v, i))
}

/// Scan a label at `s[i..]` written as unsigned digits, optionally followed
/// by `.` and zeros only (`45`, `45.000000`). Returns the label and the
/// position after it, or `None` for anything else (the caller then uses
/// [`parse_label`], which also produces the error message). At most 9 integer
/// digits, so the value always fits a `u32`.
///
/// ```
/// use pcseg::io::numparse::scan_label;
/// assert_eq!(scan_label(b"45.000000\n", 0), Some((45, 9)));
/// assert_eq!(scan_label(b"45.5", 0), None);
/// ```
#[inline]
pub fn scan_label(s: &[u8], i: usize) -> Option<(u32, usize)> {
    let (v, mut i) = scan_digits(s, i, 9)?;
    if s.get(i) == Some(&b'.') {
        i += 1;
        while s.get(i) == Some(&b'0') {
            i += 1;
        }
        if s.get(i).is_some_and(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    Some((v, i))
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
        assert_eq!(parse_f32(b"1.5000000000000000000000000000"), Some(1.5));
        assert_eq!(parse_f64(b"-0.000000000000000000000001"), Some(-1e-24));
        assert_eq!(parse_f32(b"100.000100"), Some(100.0001));
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

    /// `scan_f32` on the whole of `text` against the standard parser: when
    /// the fast path answers for all of it, the bits must agree; it must never
    /// answer for text the standard parser rejects. Returns whether it
    /// answered.
    fn check_scan(text: &str) -> bool {
        let std = text.parse::<f32>().ok();
        match scan_f32(text.as_bytes(), 0) {
            Some((v, end)) if end == text.len() => {
                let want = std.unwrap_or_else(|| panic!("{text}: std rejects, scan gave {v}"));
                assert_eq!(v.to_bits(), want.to_bits(), "{text}: {v} vs {want}");
                assert!(v.is_finite(), "{text}");
                true
            }
            _ => false,
        }
    }

    #[test]
    fn scan_matches_std_bit_for_bit() {
        let mut rng = Rng::new(11);
        let mut fast = 0;
        let total = 300_000;
        for i in 0..total {
            let text = match i % 6 {
                // The ShapeNetPart style, at several scales and precisions.
                0 => {
                    let d = rng.below(10);
                    let scale = [1.0, 1e-3, 1e3, 1e6][rng.below(4)];
                    format!("{:.d$}", rng.uniform(-2.0, 2.0) as f64 * scale)
                }
                1 => format!("{}", f32::from_bits(rng.next_u64() as u32)),
                2 => format!("{:e}", rng.normal() * 1e5),
                3 => format!("{}", (rng.normal() as f64) * 1e-3),
                // Random digit strings: up to 22 digits, a dot anywhere,
                // a signed exponent, a sign.
                4 => {
                    let n = 1 + rng.below(22);
                    let mut t: String = (0..n)
                        .map(|_| char::from(b'0' + rng.below(10) as u8))
                        .collect();
                    if rng.chance(0.7) {
                        t.insert(rng.below(n + 1), '.');
                    }
                    if rng.chance(0.4) {
                        let e = rng.below(30) as i32 - 15;
                        t.push_str(&format!("{}{e}", ["e", "E"][rng.below(2)]));
                    }
                    let sign = ["", "-", "+"][rng.below(3)];
                    format!("{sign}{t}")
                }
                // Values near f32 rounding boundaries: halfway between two
                // neighbouring floats, written with 9-17 digits.
                _ => {
                    let x = f32::from_bits((rng.next_u64() as u32) & 0x3fff_ffff);
                    let y = f32::from_bits(x.to_bits() + 1);
                    let mid = (x as f64 + y as f64) / 2.0;
                    format!("{:.*e}", 8 + rng.below(9), mid)
                }
            };
            if check_scan(&text) {
                fast += 1;
            }
        }
        // The fast path must actually carry the common case.
        assert!(
            fast > total / 5,
            "only {fast} of {total} took the fast path"
        );
        for i in 0..10_000 {
            let text = format!("{:.6}", -2.0 + i as f64 * 4e-4);
            assert!(check_scan(&text), "{text} missed the fast path");
        }
    }

    #[test]
    fn scan_edge_cases() {
        for text in [
            "0",
            "-0",
            "+0",
            "-0.000000",
            "0.0e5",
            "-0e-99",
            ".5",
            "5.",
            "-.5",
            "+2.5e-1",
            "1e10",
            "1e11",
            "16777215",
            "16777216",
            "16777217",
            "0.16777217",
            "1e-10",
            "1.5e-11",
            "100.000100",
            "0.061450",
            "45.000000",
            "123456789012345678e-18",
            "1234567890123456789",
            "12345678901234567890",
            "0.3",
            "3.4028235e38",
            "1e-45",
            "00000000000000000001",
            "0.0000000001",
            "0.00000000001",
            "1.000000000e-1",
            "99999999999999999999e-20",
            "7e0",
            "7E+0",
            "7e-0",
        ] {
            check_scan(text);
        }
        assert_eq!(
            scan_f32(b"-0.000000", 0).map(|(v, _)| v.to_bits()),
            Some((-0f32).to_bits())
        );
        assert_eq!(scan_f32(b"0.061450", 0), Some((0.06145, 8)));
        assert_eq!(scan_f32(b"1.5 2", 0), Some((1.5, 3)));
        // Where scanning stops: at the first byte that cannot continue.
        assert_eq!(scan_f32(b"1.5.3", 0), Some((1.5, 3)));
        assert_eq!(scan_f32(b"12x", 0), Some((12.0, 2)));
        for bad in [
            &b""[..],
            b"-",
            b"+",
            b".",
            b"-.",
            b"e5",
            b"1e",
            b"1e+",
            b"nan",
            b"inf",
            b"-inf",
            b"1e99999",
            b"1e100",
            b"\xff",
            b" 1",
        ] {
            assert_eq!(scan_f32(bad, 0), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn scan_labels() {
        assert_eq!(scan_label(b"45.000000", 0), Some((45, 9)));
        assert_eq!(scan_label(b"0", 0), Some((0, 1)));
        assert_eq!(scan_label(b"7.", 0), Some((7, 2)));
        assert_eq!(scan_label(b"999999999 ", 0), Some((999_999_999, 9)));
        assert_eq!(scan_label(b"1234567890", 0), None);
        assert_eq!(scan_label(b"45.000001", 0), None);
        assert_eq!(scan_label(b"-1", 0), None);
        assert_eq!(scan_label(b".0", 0), None);
        // Whatever it accepts, the general parser agrees with.
        for text in ["45.000000", "0.0", "12", "3."] {
            let (v, end) = scan_label(text.as_bytes(), 0).unwrap();
            assert_eq!(end, text.len());
            assert_eq!(parse_label(text.as_bytes()), Ok(v), "{text}");
        }
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
