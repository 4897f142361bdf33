//! The pieces of the Prometheus text exposition format (version 0.0.4) `/metrics` is written
//! in: escaped label values and help texts, and numbers.
//!
//! `/metrics` is the product's hot path, and a center of 1,000 queues has some 70,000 series:
//! going through the prometheus crate's protobuf `MetricFamily` (two owned strings per label
//! of every series) and its `TextEncoder` took ten times the budget. The format is simple, so
//! the text is written here directly, byte for byte as that encoder writes it (the golden file
//! of `/metrics` checks it): label values escape backslash, double quote and newline; help
//! texts backslash and newline; numbers are Rust's `Display` of `f64` (`1`, not `1.0`; `NaN`,
//! `inf`), which is what the encoder prints too.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `v` escaped as a label value (`quote`) or as a help text: `\` as `\\`, a newline as `\n`,
/// and (label values only) `"` as `\"`.
pub(super) fn escape(v: &str, quote: bool) -> Cow<'_, str> {
    let first = if quote {
        memchr::memchr3(b'\\', b'\n', b'"', v.as_bytes())
    } else {
        memchr::memchr2(b'\\', b'\n', v.as_bytes())
    };
    let Some(first) = first else {
        return Cow::Borrowed(v);
    };
    let mut out = String::with_capacity(v.len() + 8);
    out.push_str(&v[..first]);
    for c in v[first..].chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quote => out.push_str("\\\""),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Appends `v` as the encoder prints a sample value: `f64`'s `Display`. Integers (most
/// samples are counts) take the shorter path of `itoa`, which prints them the same.
pub(super) fn number(buf: &mut String, v: f64) {
    // Below 2^53 every integer is exact, and both print its digits alone.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if v.fract() == 0.0 && v.abs() < EXACT && !(v == 0.0 && v.is_sign_negative()) {
        buf.push_str(itoa::Buffer::new().format(v as i64));
    } else {
        let _ = write!(buf, "{v}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_printed_as_f64_display() {
        let values = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            42.0,
            0.5,
            0.1,
            1.0 / 3.0,
            2970.0,
            1e15,
            1e16,
            9_007_199_254_740_991.0,
            9_007_199_254_740_992.0,
            -9_007_199_254_740_993.0,
            1e300,
            -1e-300,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            u64::MAX as f64,
        ];
        for v in values {
            let mut buf = String::new();
            number(&mut buf, v);
            assert_eq!(buf, v.to_string(), "{v:?}");
        }
    }

    #[test]
    fn escapes_as_the_text_format_says() {
        assert_eq!(escape("plain", true), "plain");
        assert_eq!(escape(r#"a\b"c"#, true), r#"a\\b\"c"#);
        assert_eq!(escape("a\nb", true), r"a\nb");
        assert_eq!(escape(r#"a\b"c"#, false), r#"a\\b"c"#);
        assert_eq!(escape("ü\n\"", true), "ü\\n\\\"");
    }
}
