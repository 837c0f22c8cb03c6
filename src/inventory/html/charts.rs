//! The report's charts: inline SVG drawn from the inventory's numbers (no script, no external
//! resource: the page's Content-Security-Policy forbids both).

#[allow(unused_imports)]
use super::*;

/// Colours per status; red-to-grey and distinguishable in greyscale print.
pub(super) const STATUS_COLORS: [(&str, &str); 4] = [
    ("unvaulted", "#c62828"),
    ("stray-copy", "#ef8a2c"),
    ("rotated-out", "#6a51a3"),
    ("not-reconciled", "#9e9e9e"),
];

pub(super) const BLUE: &str = "#2b6cb0";

pub(super) const RED: &str = "#c62828";

pub(super) const GREY: &str = "#9e9e9e";

/// Chart width in SVG user units; charts scale to their column.
pub(super) const WIDTH: f64 = 560.0;

pub(super) fn status_color(name: &str) -> &'static str {
    STATUS_COLORS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(GREY, |(_, c)| c)
}

/// A round axis maximum at or above `max` and its tick step.
pub(super) fn axis(max: usize) -> (usize, usize) {
    let max = max.max(1);
    let mut step = 1;
    loop {
        for factor in [1, 2, 5] {
            let candidate = step * factor;
            if candidate * 5 >= max {
                return (max.div_ceil(candidate) * candidate, candidate);
            }
        }
        step *= 10;
    }
}

pub(super) fn svg_open(out: &mut String, height: f64, title: &str) {
    let _ = write!(
        out,
        "<svg viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\"><title>{}</title>",
        escape(title)
    );
}

pub(super) fn empty_chart(message: &str) -> String {
    format!("<p class=\"empty\">{}</p>", escape(message))
}

/// Horizontal bars, each split into coloured segments, with a legend.
pub(super) fn stacked_bars(
    rows: &[(String, Vec<(usize, &'static str)>)],
    legend: &[(&str, &str)],
    title: &str,
) -> String {
    if rows.is_empty() {
        return empty_chart("No credentials present.");
    }
    let label_width = 150.0;
    let bar_area = WIDTH - label_width - 40.0;
    let row_height = 22.0;
    let top = 28.0;
    let height = top + rows.len() as f64 * row_height + 8.0;
    let max = rows
        .iter()
        .map(|(_, segments)| segments.iter().map(|s| s.0).sum::<usize>())
        .max()
        .unwrap_or(1);
    let (axis_max, _) = axis(max);
    let mut svg = String::new();
    svg_open(&mut svg, height, title);
    let mut x = 0.0;
    for (name, color) in legend {
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"4\" width=\"12\" height=\"12\" fill=\"{color}\"/>\
             <text x=\"{}\" y=\"14\">{}</text>",
            x + 16.0,
            escape(name)
        );
        x += 30.0 + 7.0 * name.len() as f64;
    }
    for (i, (label, segments)) in rows.iter().enumerate() {
        let y = top + i as f64 * row_height;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_width - 8.0,
            y + 14.0,
            escape(label)
        );
        let mut offset = label_width;
        let mut total = 0;
        for &(count, color) in segments {
            if count == 0 {
                continue;
            }
            let width = bar_area * count as f64 / axis_max as f64;
            let _ = write!(
                svg,
                "<rect x=\"{offset:.1}\" y=\"{}\" width=\"{width:.1}\" height=\"16\" \
                 fill=\"{color}\"><title>{} {count}</title></rect>",
                y + 2.0,
                escape(label)
            );
            offset += width;
            total += count;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\">{total}</text>",
            offset + 6.0,
            y + 14.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The value axis: at every `step` from 0 to `axis_max`, a grid line from `left` to `right` at
/// the height `y_of` gives, with the value written left of it.
pub(super) fn value_grid(
    svg: &mut String,
    axis_max: usize,
    step: usize,
    left: f64,
    right: f64,
    y_of: impl Fn(usize) -> f64,
) {
    let mut tick = 0;
    while tick <= axis_max {
        let y = y_of(tick);
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{right}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{tick}</text>",
            left - 6.0,
            y + 4.0
        );
        tick += step;
    }
}

/// One column: its axis label, the longer text of its tooltip, and its coloured parts from the
/// bottom up.
pub(super) struct Bar {
    pub(super) label: String,
    pub(super) tooltip: String,
    pub(super) segments: Vec<(usize, &'static str)>,
}

impl Bar {
    pub(super) fn count(&self) -> usize {
        self.segments.iter().map(|s| s.0).sum()
    }
}

/// A dashed vertical line at a position measured in bars from the left edge, and its label.
pub(super) type Marker = (f64, String);

/// Vertical bars with labels under them and dashed `markers`.
pub(super) fn column_chart(bars: &[Bar], markers: &[Marker], title: &str) -> String {
    if bars.is_empty() {
        return empty_chart("Nothing recorded yet.");
    }
    let left = 36.0;
    let bottom = 44.0;
    let top = 18.0;
    let height = 220.0;
    let plot_height = height - top - bottom;
    let plot_width = WIDTH - left - 8.0;
    let max = bars.iter().map(Bar::count).max().unwrap_or(0);
    let (axis_max, step) = axis(max);
    let slot = plot_width / bars.len() as f64;
    let mut svg = String::new();
    svg_open(&mut svg, height, title);
    value_grid(&mut svg, axis_max, step, left, WIDTH - 8.0, |v| {
        top + plot_height * (1.0 - v as f64 / axis_max as f64)
    });
    let every = (bars.len() / 12).max(1);
    for (i, bar) in bars.iter().enumerate() {
        let x = left + i as f64 * slot;
        let mut base = top + plot_height;
        for &(count, color) in &bar.segments {
            if count == 0 {
                continue;
            }
            let h = plot_height * count as f64 / axis_max as f64;
            base -= h;
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{base:.1}\" width=\"{:.1}\" height=\"{h:.1}\" \
                 fill=\"{color}\"><title>{}: {count}</title></rect>",
                x + slot * 0.12,
                slot * 0.76,
                escape(&bar.tooltip)
            );
        }
        if i % every == 0 {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"tick\">{}</text>",
                x + slot / 2.0,
                top + plot_height + 16.0,
                escape(&bar.label)
            );
        }
    }
    for (position, label) in markers {
        let x = left + position * slot;
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{:.1}\" class=\"marker\"/>\
             <text x=\"{:.1}\" y=\"{}\" class=\"marker-label\">{}</text>",
            top - 6.0,
            top + plot_height,
            x + 4.0,
            top + 4.0,
            escape(label)
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"axis\"/></svg>",
        WIDTH - 8.0,
        top + plot_height,
        top + plot_height
    );
    svg
}

/// Lines over recorded scan dates: unvaulted (red) and all present (grey, dashed).
pub(super) fn trend_chart(metrics: &Metrics) -> String {
    let points = &metrics.unvaulted_over_time;
    if points.is_empty() {
        return empty_chart("No scans recorded yet.");
    }
    let left = 36.0;
    let top = 24.0;
    let bottom = 44.0;
    let height = 220.0;
    let plot_height = height - top - bottom;
    let plot_width = WIDTH - left - 16.0;
    let max = points.iter().map(|p| p.present).max().unwrap_or(0);
    let (axis_max, step) = axis(max);
    let x_of = |i: usize| {
        if points.len() == 1 {
            left + plot_width / 2.0
        } else {
            left + plot_width * i as f64 / (points.len() - 1) as f64
        }
    };
    let y_of = |v: usize| top + plot_height * (1.0 - v as f64 / axis_max as f64);
    let mut svg = String::new();
    svg_open(
        &mut svg,
        height,
        "Unvaulted credentials across recorded scans",
    );
    let _ = write!(
        svg,
        "<rect x=\"{left}\" y=\"2\" width=\"12\" height=\"3\" fill=\"{RED}\"/>\
         <text x=\"{}\" y=\"9\">unvaulted</text>\
         <rect x=\"{}\" y=\"2\" width=\"12\" height=\"3\" fill=\"{GREY}\"/>\
         <text x=\"{}\" y=\"9\">all present</text>",
        left + 16.0,
        left + 100.0,
        left + 116.0
    );
    value_grid(&mut svg, axis_max, step, left, WIDTH - 16.0, y_of);
    for (values, color, dashed) in [
        (
            points.iter().map(|p| p.present).collect::<Vec<_>>(),
            GREY,
            true,
        ),
        (points.iter().map(|p| p.unvaulted).collect(), RED, false),
    ] {
        let path: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, &v)| format!("{:.1},{:.1}", x_of(i), y_of(v)))
            .collect();
        let _ = write!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{}/>",
            path.join(" "),
            if dashed {
                " stroke-dasharray=\"5 4\""
            } else {
                ""
            }
        );
    }
    let every = (points.len() / 8).max(1);
    for (i, point) in points.iter().enumerate() {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{RED}\">\
             <title>{}: {} unvaulted of {}</title></circle>",
            x_of(i),
            y_of(point.unvaulted),
            escape(&point.date),
            point.unvaulted,
            point.present
        );
        if i % every == 0 || i + 1 == points.len() {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"tick\">{}</text>",
                x_of(i),
                top + plot_height + 16.0,
                escape(&point.date)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

pub(super) fn status_rows(
    present: &[&CredentialView],
) -> Vec<(String, Vec<(usize, &'static str)>)> {
    let mut by_provider: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for c in present {
        let index = STATUS_COLORS
            .iter()
            .position(|(name, _)| *name == c.status_name())
            .unwrap_or(3);
        by_provider.entry(c.id.provider.as_str()).or_default()[index] += 1;
    }
    let mut rows: Vec<(String, Vec<(usize, &'static str)>)> = by_provider
        .into_iter()
        .map(|(provider, counts)| {
            (
                provider.to_string(),
                counts
                    .iter()
                    .zip(STATUS_COLORS.iter())
                    .map(|(&n, (_, color))| (n, *color))
                    .collect(),
            )
        })
        .collect();
    rows.sort_by_key(|(name, segments)| {
        (
            std::cmp::Reverse(segments.iter().map(|s| s.0).sum::<usize>()),
            name.clone(),
        )
    });
    rows
}

pub(super) fn kind_rows(present: &[&CredentialView]) -> Vec<(String, Vec<(usize, &'static str)>)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for place in present.iter().flat_map(|c| &c.places) {
        *counts.entry(place.kind.as_str()).or_default() += 1;
    }
    let mut rows: Vec<(String, Vec<(usize, &'static str)>)> = LocationKind::ALL
        .iter()
        .map(|k| k.as_str())
        .chain(
            counts
                .keys()
                .copied()
                .filter(|k| !LocationKind::ALL.iter().any(|l| l.as_str() == *k))
                .collect::<Vec<_>>(),
        )
        .filter_map(|kind| {
            counts
                .get(kind)
                .map(|&n| (kind.to_string(), vec![(n, BLUE)]))
        })
        .collect();
    rows.sort_by_key(|(name, segments)| (std::cmp::Reverse(segments[0].0), name.clone()));
    rows
}

/// A credential's criticality tier: as recorded, or the default for its class when the scan
/// that saw it predates recorded tiers.
pub(super) fn tier_of(c: &CredentialView) -> Criticality {
    c.custody
        .criticality
        .unwrap_or_else(|| Criticality::default_for(c.rule_class()))
}

/// Days a credential may stay unchanged: `--max-age` when given, else its tier's limit.
pub(super) fn limit_of(c: &CredentialView, max_age: Option<i64>) -> i64 {
    max_age.unwrap_or_else(|| tier_of(c).max_age_days())
}

/// The age histogram's bins: `regular` bins of `width` days, then everything older, with a
/// dashed line at each rotation limit.
pub(super) struct AgeScale {
    pub(super) width: i64,
    pub(super) regular: usize,
    pub(super) limits: Vec<(i64, String)>,
}

impl AgeScale {
    /// One limit: twelve bins of a sixth of it, so it falls on a bin edge. Per tier: 30-day
    /// bins past the longest (365-day) limit.
    pub(super) fn new(max_age: Option<i64>) -> AgeScale {
        match max_age {
            Some(days) => AgeScale {
                width: (days.max(6) as f64 / 6.0).ceil() as i64,
                regular: 12,
                limits: vec![(days, format!("{days} days"))],
            },
            None => AgeScale {
                width: 30,
                regular: 13,
                limits: Criticality::ALL
                    .iter()
                    .map(|t| (t.max_age_days(), format!("{} {} d", t, t.max_age_days())))
                    .collect(),
            },
        }
    }
}

/// Bars of credentials by age: blue within their rotation limit, red past it. `ages` holds
/// (age in days, that credential's limit in days).
pub(super) fn age_bars(ages: &[(i64, i64)], scale: &AgeScale) -> (Vec<Bar>, Vec<Marker>) {
    let mut counts = vec![[0usize; 2]; scale.regular + 1];
    for &(age, limit) in ages {
        let bin = ((age.max(0) / scale.width) as usize).min(scale.regular);
        counts[bin][usize::from(age > limit)] += 1;
    }
    let bars = counts
        .iter()
        .enumerate()
        .map(|(i, &[within, over])| {
            let low = i as i64 * scale.width;
            let (label, range) = if i == scale.regular {
                (format!("{low}+"), format!("{low} days or more"))
            } else {
                (
                    low.to_string(),
                    format!("{low}–{} days", low + scale.width - 1),
                )
            };
            Bar {
                label,
                tooltip: range,
                segments: vec![(within, BLUE), (over, RED)],
            }
        })
        .collect();
    let markers = scale
        .limits
        .iter()
        .map(|(days, label)| (*days as f64 / scale.width as f64, label.clone()))
        .collect();
    (bars, markers)
}
