//! Inline SVG charts for the HTML report: drawn here from numbers, so the report needs no
//! script library and works offline.

use super::escape::html as h;
use crate::report::Timeline;
use std::fmt::Write as _;

const W: f64 = 960.0;
const H: f64 = 220.0;
const LEFT: f64 = 48.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;

/// Requests per interval as bars; the sensitive part of each bar in orange, and a red marker
/// above every interval with refused (401/403) requests. Each bar has a tooltip.
pub fn timeline(t: &Timeline) -> String {
    let n = t.buckets.len();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="Requests per {} seconds" preserveAspectRatio="none">"#,
        t.interval_seconds
    );
    if n == 0 {
        s.push_str(r#"<text x="480" y="110" text-anchor="middle">no timed requests</text></svg>"#);
        return s;
    }
    let max = t
        .buckets
        .iter()
        .map(|b| b.requests)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - TOP - BOTTOM;
    let step = plot_w / n as f64;
    let bar = (step * 0.8).max(0.5);
    let y = |v: f64| TOP + plot_h - v / max * plot_h;
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" class="axis"/><text x="{tx}" y="{ty}" class="lbl" text-anchor="end">{max}</text><text x="{tx}" y="{b}" class="lbl" text-anchor="end">0</text>"##,
        b = TOP + plot_h,
        r = W - 8.0,
        tx = LEFT - 4.0,
        ty = TOP + 8.0,
        max = max as u64
    );
    for (i, b) in t.buckets.iter().enumerate() {
        let x = LEFT + i as f64 * step + (step - bar) / 2.0;
        let tip = format!(
            "{}: {} requests, {} sensitive, {} refused",
            b.start, b.requests, b.sensitive, b.refused
        );
        let _ = write!(s, "<g><title>{}</title>", h(&tip));
        let _ = write!(
            s,
            r#"<rect class="req" x="{x:.2}" y="{:.2}" width="{bar:.2}" height="{:.2}"/>"#,
            y(b.requests as f64),
            b.requests as f64 / max * plot_h
        );
        if b.sensitive > 0 {
            let _ = write!(
                s,
                r#"<rect class="sens" x="{x:.2}" y="{:.2}" width="{bar:.2}" height="{:.2}"/>"#,
                y(b.sensitive as f64),
                (b.sensitive as f64 / max * plot_h).max(1.5)
            );
        }
        if b.refused > 0 {
            let cx = x + bar / 2.0;
            let top = y(b.requests as f64) - 3.0;
            let _ = write!(
                s,
                r#"<path class="ref" d="M{:.2} {:.2} l4 -7 h-8 z"/>"#,
                cx,
                top.max(TOP - 2.0) + 0.0
            );
        }
        s.push_str("</g>");
    }
    if let (Some(first), Some(last)) = (t.buckets.first(), t.buckets.last()) {
        let _ = write!(
            s,
            r#"<text x="{LEFT}" y="{ly}" class="lbl">{}</text><text x="{rx}" y="{ly}" class="lbl" text-anchor="end">{}</text>"#,
            h(&first.start),
            h(&last.start),
            ly = H - 12.0,
            rx = W - 8.0
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Bucket;

    #[test]
    fn bars_and_markers() {
        let t = Timeline {
            interval_seconds: 60,
            buckets: vec![
                Bucket {
                    start: "2026-01-01T00:00:00Z".into(),
                    requests: 10,
                    sensitive: 2,
                    refused: 0,
                },
                Bucket {
                    start: "2026-01-01T00:01:00Z".into(),
                    requests: 5,
                    sensitive: 0,
                    refused: 1,
                },
            ],
        };
        let svg = timeline(&t);
        assert_eq!(svg.matches(r#"class="req""#).count(), 2);
        assert_eq!(svg.matches(r#"class="sens""#).count(), 1);
        assert_eq!(svg.matches(r#"class="ref""#).count(), 1);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(timeline(&Timeline::default()).contains("no timed requests"));
    }
}
