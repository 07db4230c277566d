//! How commands show numbers and progress: thousands separated, rates rounded, and a
//! progress bar on standard error only when that is a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// `60000` as `60,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate rounded to a whole number per second (`22,514/s`), or one decimal below 10.
pub fn rate(count: u64, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    if seconds <= 0.0 {
        return "-".into();
    }
    let per_second = count as f64 / seconds;
    if per_second < 10.0 {
        format!("{per_second:.1}/s")
    } else {
        format!("{}/s", thousands(per_second.round() as u64))
    }
}

/// A bar over `total_bytes` of input with percentage and time left, the rows done as its
/// message; hidden when standard error is not a terminal (scripts, pipes, logs).
pub fn byte_bar(total_bytes: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total_bytes), target);
    let style = ProgressStyle::with_template("{bar:30} {percent:>3}%  {msg}  {eta_rounded} left")
        .map(|s| {
            s.with_key(
                "eta_rounded",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}", rounded_duration(state.eta()));
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// `3 s`, `1 min 05 s`.
pub fn rounded_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 10 {
        format!("{:.1} s", d.as_secs_f64())
    } else if secs < 60 {
        format!("{secs} s")
    } else {
        format!("{} min {:02} s", secs / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(60_000), "60,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn rates_are_rounded() {
        assert_eq!(rate(22_514, Duration::from_millis(1000)), "22,514/s");
        assert_eq!(rate(45_028, Duration::from_millis(2000)), "22,514/s");
        assert_eq!(rate(3, Duration::from_secs(2)), "1.5/s");
    }
}
