//! Durations as SCXML writes them (CSS2 `<time>`: `1s`, `.5s`, `200ms`) and
//! as traces print them.
use std::time::Duration;

/// Parses `"1.5s"`, `"200ms"`, `"2m"`, `"1h"`, or a bare number of milliseconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    if let Some(whole) = whole_duration(text) {
        return Some(whole);
    }
    let text = text.trim();
    let (number, scale_ms) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3_600_000.0)
    } else {
        (text, 1.0)
    };
    let number = number.trim();
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let micros = value * scale_ms * 1000.0;
    if !micros.is_finite() || micros < 0.0 || micros > u64::MAX as f64 {
        return None;
    }
    Some(Duration::from_micros(micros.round() as u64))
}

/// The common form of a delay, a whole number of seconds or milliseconds
/// (`3s`, `200ms`), read without trimming or the number parsers: a
/// strategy's timeouts are often strings in variables, parsed on each send.
fn whole_duration(text: &str) -> Option<Duration> {
    let (digits, millis) = match text.as_bytes() {
        [digits @ .., b'm', b's'] => (digits, true),
        [digits @ .., b's'] => (digits, false),
        _ => return None,
    };
    // Nine digits cannot overflow, in either unit.
    if digits.is_empty() || digits.len() > 9 {
        return None;
    }
    let mut n = 0u64;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(if millis { Duration::from_millis(n) } else { Duration::from_secs(n) })
}

/// `0s`, `200ms`, `1.4s`, `33.7s`: milliseconds below a second, else seconds.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_micros() as f64 / 1000.0;
    if ms < 1000.0 {
        if ms == 0.0 {
            "0s".to_string()
        } else {
            format!("{}ms", crate::value::format_number(ms))
        }
    } else {
        format!("{}s", crate::value::format_number(ms / 1000.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_css_times() {
        assert_eq!(parse_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_duration(".5s"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("200ms"), Some(Duration::from_millis(200)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("33s"), Some(Duration::from_secs(33)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("99999999999ms"), Some(Duration::from_millis(99_999_999_999)));
        assert_eq!(parse_duration("abc"), None);
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn whole_durations_read_as_the_general_parser_reads_them() {
        for text in ["3s", "0s", "007ms", "200ms", "999999999s", "9999999999s", "s", "ms", "3 s", "3x", "1.5s", "-3s"] {
            // A leading space takes the general path.
            assert_eq!(parse_duration(text), parse_duration(&format!(" {text}")), "{text}");
        }
        assert_eq!(whole_duration("3s"), Some(Duration::from_secs(3)));
        assert_eq!(whole_duration("200ms"), Some(Duration::from_millis(200)));
        assert_eq!(whole_duration("1.5s"), None);
    }

    #[test]
    fn formats_like_traces() {
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_millis(200)), "200ms");
        assert_eq!(format_duration(Duration::from_millis(1400)), "1.4s");
        assert_eq!(format_duration(Duration::from_millis(33700)), "33.7s");
    }
}
