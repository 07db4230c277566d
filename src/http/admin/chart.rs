//! Charts drawn on the server as inline SVG: no JavaScript, no third party, readable
//! by screen readers through the title, the description and the table beside them.

use std::fmt::Write;

/// Vertical bars, one per (label, value), with the largest value scaled to the height.
pub fn bars(title: &str, points: &[(String, i64)]) -> String {
    const WIDTH: f64 = 640.0;
    const HEIGHT: f64 = 160.0;
    const BOTTOM: f64 = 20.0;
    let max = points.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let step = WIDTH / points.len().max(1) as f64;
    let total: i64 = points.iter().map(|(_, v)| *v).sum();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {h}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{t}</title><desc id="chart-desc">{n} days, {total} in all, at most {m} on one day.</desc>"#,
        h = HEIGHT + BOTTOM,
        t = escape(title),
        n = points.len(),
        m = max as i64,
    );
    for (i, (label, value)) in points.iter().enumerate() {
        let bar = (*value as f64 / max) * HEIGHT;
        let x = i as f64 * step + step * 0.15;
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{bar:.1}" fill="#2f4f4f"><title>{l}: {value}</title></rect>"##,
            y = HEIGHT - bar,
            w = step * 0.7,
            l = escape(label),
        );
    }
    if let (Some((first, _)), Some((last, _))) = (points.first(), points.last()) {
        let _ = write!(
            svg,
            r##"<text x="0" y="{y}" font-size="11" fill="#5a5a55">{a}</text><text x="{WIDTH}" y="{y}" font-size="11" fill="#5a5a55" text-anchor="end">{b}</text>"##,
            y = HEIGHT + BOTTOM - 4.0,
            a = escape(first),
            b = escape(last),
        );
    }
    svg.push_str("</svg>");
    svg
}

fn escape(text: &str) -> String {
    crate::publish::templates::escape_html(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_escape_labels() {
        let svg = bars(
            "Signups <per> day",
            &[("2026-11-01".into(), 2), ("2026-11-02".into(), 4)],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Signups &lt;per&gt; day"));
        assert!(
            svg.contains(r#"height="160.0""#),
            "the largest bar is full height: {svg}"
        );
        assert!(svg.contains(r#"height="80.0""#));
        assert!(svg.contains("6 in all"));
        assert!(!bars("x", &[]).is_empty());
    }
}
