//! `stray report`: the inventory as one self-contained HTML file a team hands its auditor.
//!
//! No network, no scripts, no fonts or images from anywhere: inline CSS, charts as inline SVG
//! drawn here, and a Content-Security-Policy that forbids everything else. Every piece of text
//! that comes from a scanned file (paths, context names) or the database is escaped. It prints
//! to PDF on white, with the credential table starting on its own page and rows kept whole.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use jiff::Timestamp;

use crate::classify::LocationKind;
use crate::inventory::query::{CredentialView, History, Metrics, Period, PlaceView, ScanRow};
use crate::inventory::render::date;
use crate::report::plural;
use crate::rules::Criticality;

/// What the report says about itself.
#[derive(Debug, Clone)]
pub struct HtmlOptions {
    pub title: String,
    /// One rotation limit for every credential, in days (`--max-age`); `None`: each
    /// credential's criticality tier sets its own (high 90, medium 180, low 365 days).
    pub max_age_days: Option<i64>,
    /// The database file, as the reader should see it named.
    pub database: String,
}

/// Colours per status; red-to-grey and distinguishable in greyscale print.
const STATUS_COLORS: [(&str, &str); 4] = [
    ("unvaulted", "#c62828"),
    ("stray-copy", "#ef8a2c"),
    ("rotated-out", "#6a51a3"),
    ("not-reconciled", "#9e9e9e"),
];
const BLUE: &str = "#2b6cb0";
const RED: &str = "#c62828";
const GREY: &str = "#9e9e9e";

/// Chart width in SVG user units; charts scale to their column.
const WIDTH: f64 = 560.0;

/// Escapes text for HTML element content and quoted attribute values (and inline SVG).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_string(), |s| format!("{:.0}%", s * 100.0))
}

fn status_color(name: &str) -> &'static str {
    STATUS_COLORS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(GREY, |(_, c)| c)
}

/// A round axis maximum at or above `max` and its tick step.
fn axis(max: usize) -> (usize, usize) {
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

fn svg_open(out: &mut String, height: f64, title: &str) {
    let _ = write!(
        out,
        "<svg viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\"><title>{}</title>",
        escape(title)
    );
}

fn empty_chart(message: &str) -> String {
    format!("<p class=\"empty\">{}</p>", escape(message))
}

/// Horizontal bars, each split into coloured segments, with a legend.
fn stacked_bars(
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
fn value_grid(
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
struct Bar {
    label: String,
    tooltip: String,
    segments: Vec<(usize, &'static str)>,
}

impl Bar {
    fn count(&self) -> usize {
        self.segments.iter().map(|s| s.0).sum()
    }
}

/// A dashed vertical line at a position measured in bars from the left edge, and its label.
type Marker = (f64, String);

/// Vertical bars with labels under them and dashed `markers`.
fn column_chart(bars: &[Bar], markers: &[Marker], title: &str) -> String {
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
fn trend_chart(metrics: &Metrics) -> String {
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

fn status_rows(present: &[&CredentialView]) -> Vec<(String, Vec<(usize, &'static str)>)> {
    let mut by_provider: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for c in present {
        let index = STATUS_COLORS
            .iter()
            .position(|(name, _)| *name == c.status_name())
            .unwrap_or(3);
        by_provider.entry(c.provider.as_str()).or_default()[index] += 1;
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

fn kind_rows(present: &[&CredentialView]) -> Vec<(String, Vec<(usize, &'static str)>)> {
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
fn tier_of(c: &CredentialView) -> Criticality {
    c.criticality
        .unwrap_or_else(|| Criticality::default_for(c.rule_class()))
}

/// Days a credential may stay unchanged: `--max-age` when given, else its tier's limit.
fn limit_of(c: &CredentialView, max_age: Option<i64>) -> i64 {
    max_age.unwrap_or_else(|| tier_of(c).max_age_days())
}

/// The age histogram's bins: `regular` bins of `width` days, then everything older, with a
/// dashed line at each rotation limit.
struct AgeScale {
    width: i64,
    regular: usize,
    limits: Vec<(i64, String)>,
}

impl AgeScale {
    /// One limit: twelve bins of a sixth of it, so it falls on a bin edge. Per tier: 30-day
    /// bins past the longest (365-day) limit.
    fn new(max_age: Option<i64>) -> AgeScale {
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
fn age_bars(ages: &[(i64, i64)], scale: &AgeScale) -> (Vec<Bar>, Vec<Marker>) {
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

fn place_item(place: &PlaceView) -> String {
    let mut item = format!(
        "<li><span class=\"machine\">{}</span> <code>{}:{}:{}</code> <span class=\"kind\">{}</span>",
        escape(&place.machine),
        escape(&place.path),
        place.line,
        place.column,
        escape(&place.kind)
    );
    if let Some(context) = &place.context {
        let _ = write!(item, " <code class=\"context\">{}</code>", escape(context));
    }
    if place.suppressed {
        item.push_str(" <span class=\"note\">(suppressed)</span>");
    }
    item.push_str("</li>");
    item
}

fn status_badge(c: &CredentialView) -> String {
    let name = c.status_name();
    let mut badge = format!(
        "<span class=\"badge\" style=\"border-color:{0};color:{0}\">{1}</span>",
        status_color(name),
        escape(name)
    );
    if c.rotation_overdue {
        badge.push_str(" <span class=\"badge overdue\">rotation overdue</span>");
    }
    if let Some(item) = &c.vault_item {
        let _ = write!(badge, "<div class=\"note\">{}</div>", escape(item));
    }
    badge
}

/// Places listed per credential; a key pasted into hundreds of log files would otherwise
/// turn one table row into pages.
const PLACES_SHOWN: usize = 25;

fn credential_table(credentials: &[&CredentialView], gone: bool) -> String {
    let mut html = String::from(
        "<table><colgroup><col class=\"c-cred\"><col class=\"c-status\"><col class=\"c-seen\">\
         <col class=\"c-places\"></colgroup><thead><tr>",
    );
    let headers: [&str; 4] = if gone {
        [
            "Credential",
            "Status",
            "Seen, gone",
            "Where it was when last seen",
        ]
    } else {
        ["Credential", "Status", "Seen", "Places now"]
    };
    for header in headers {
        let _ = write!(html, "<th>{header}</th>");
    }
    html.push_str("</tr></thead><tbody>");
    for c in credentials {
        let _ = write!(
            html,
            "<tr><td><strong>{}</strong> <code>{}</code><div class=\"note\">{} · {} · \
             <span class=\"fp\">{}</span></div></td><td>{}</td>\
             <td><span class=\"nowrap\">{} →</span> <span class=\"nowrap\">{}</span>\
             <div class=\"note\">",
            escape(&c.provider),
            escape(&c.redacted),
            escape(&c.rule),
            tier_of(c),
            escape(&c.fingerprint[..c.fingerprint.len().min(12)]),
            status_badge(c),
            date(c.first_seen),
            date(c.last_seen),
        );
        match c.gone_at {
            Some(at) if gone => {
                let _ = write!(
                    html,
                    "gone by {}, {} after first seen",
                    date(at),
                    plural(c.days_to_gone.unwrap_or(0).max(0) as usize, "day")
                );
            }
            _ => {
                let _ = write!(html, "{} old", plural(c.age_days.max(0) as usize, "day"));
            }
        }
        html.push_str("</div></td><td><ul class=\"places\">");
        for place in c.places.iter().take(PLACES_SHOWN) {
            html.push_str(&place_item(place));
        }
        if c.places.len() > PLACES_SHOWN {
            let _ = write!(
                html,
                "<li class=\"more\">… and {} more (every place: <code>stray inventory \
                 --format csv</code>)</li>",
                c.places.len() - PLACES_SHOWN
            );
        }
        html.push_str("</ul></td></tr>");
    }
    html.push_str("</tbody></table>");
    html
}

/// The audit trail: every recorded scan, newest first, with the stray and rule-pack versions
/// that judged it.
fn scan_table(scans: &[ScanRow]) -> String {
    let mut html = String::from(
        "<table class=\"scan-list\"><thead><tr><th>When (UTC)</th><th>Machine</th><th>User</th>\
         <th>Credentials</th><th>stray</th><th>Rules</th><th>Source</th></tr></thead><tbody>",
    );
    for scan in scans.iter().rev() {
        let rules = scan.rules_used().unwrap_or_else(|| "–".to_string());
        let _ = write!(
            html,
            "<tr><td class=\"nowrap\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td><code>{}</code></td><td>{}</td></tr>",
            scan.scanned_at.strftime("%Y-%m-%d %H:%M"),
            escape(&scan.machine),
            escape(&scan.user),
            scan.credentials,
            escape(&scan.stray_version),
            escape(&rules),
            escape(&scan.source),
        );
    }
    html.push_str("</tbody></table>");
    html
}

const STYLE: &str = "
:root { color-scheme: light; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 1100px; padding: 24px 28px 48px; background: #fff; color: #1a1a1a;
  font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; border-bottom: 2px solid #e2e2e2; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 0 0 6px; }
.sub { color: #555; margin: 0 0 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(138px, 1fr)); gap: 12px; }
.card { border: 1px solid #d8d8d8; border-radius: 6px; padding: 10px 12px; background: #fafafa; }
.card .value { font-size: 28px; font-weight: 700; line-height: 1.1; }
.card .label { font-weight: 600; }
.card .hint { color: #555; font-size: 12px; }
.card.alert .value { color: #c62828; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 18px; }
figure { margin: 0; border: 1px solid #e2e2e2; border-radius: 6px; padding: 12px; }
figcaption { color: #555; font-size: 12px; margin-top: 6px; }
svg { display: block; overflow: visible; }
svg text { font: 11px system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; fill: #222; }
svg text.tick { font-size: 10px; fill: #555; }
svg .grid { stroke: #e6e6e6; stroke-width: 1; }
svg .axis { stroke: #888; stroke-width: 1; }
svg .marker { stroke: #c62828; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg text.marker-label { fill: #c62828; font-weight: 600; }
.empty { color: #777; font-style: italic; }
table { width: 100%; border-collapse: collapse; font-size: 12.5px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #e2e2e2; }
th { background: #f1f1f1; font-weight: 600; }
table { table-layout: fixed; }
table.scan-list { table-layout: auto; }
col.c-cred { width: 24%; } col.c-status { width: 17%; } col.c-seen { width: 16%; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
.note { color: #666; font-size: 11.5px; }
.fp { font-family: ui-monospace, Menlo, Consolas, monospace; }
.badge { display: inline-block; border: 1.5px solid #999; border-radius: 10px; padding: 0 7px;
  font-size: 11.5px; font-weight: 600; white-space: nowrap; }
.badge.overdue { border-color: #c62828; color: #c62828; }
ul.places { margin: 0; padding-left: 16px; }
ul.places li { margin: 0 0 2px; }
ul.places li.more { color: #555; font-style: italic; }
.machine { font-weight: 600; }
.kind { color: #2b6cb0; }
dl.defs dt { font-weight: 600; margin-top: 8px; }
dl.defs dd { margin: 0 0 0 16px; color: #333; }
footer { margin-top: 36px; color: #666; font-size: 12px; border-top: 1px solid #e2e2e2; padding-top: 8px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; background: #fff; color: #000; }
  .card { background: #fff; }
  .cards { grid-template-columns: repeat(3, 1fr); }
  th { background: #fff; border-bottom: 1.5px solid #000; }
  table { font-size: 8.5pt; }
  .badge { font-size: 8pt; padding: 0 5px; }
  .charts { display: block; }
  figure { margin-bottom: 12px; }
  .cards, figure, dl.defs { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  section.inventory { break-before: page; page-break-before: always; }
  table { page-break-inside: auto; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
}
";

/// Writes the whole report.
pub fn write(
    history: &History,
    now: Timestamp,
    options: &HtmlOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let credentials = history.credentials(now);
    let metrics = history.metrics(now, Period::Month);
    let present: Vec<&CredentialView> = credentials.iter().filter(|c| c.present).collect();
    let gone: Vec<&CredentialView> = credentials.iter().filter(|c| !c.present).collect();
    let unvaulted = present.iter().filter(|c| !c.vaulted()).count();
    let not_reconciled = present.iter().filter(|c| c.status.is_none()).count();
    let ages: Vec<(i64, i64)> = present
        .iter()
        .map(|c| (c.age_days, limit_of(c, options.max_age_days)))
        .collect();
    let past_limit = ages.iter().filter(|(age, limit)| age > limit).count();

    let mut html = String::with_capacity(64 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"stray {}\">\
         <title>{}</title><style>{STYLE}</style></head><body>",
        env!("CARGO_PKG_VERSION"),
        escape(&options.title)
    );
    let span = match (history.scans.first(), history.scans.last()) {
        (Some(first), Some(last)) => format!(
            "{} recorded from {} between {} and {}",
            plural(history.scans.len(), "scan"),
            plural(metrics.machines, "machine"),
            date(first.scanned_at),
            date(last.scanned_at)
        ),
        _ => "no scans recorded yet".to_string(),
    };
    let _ = write!(
        html,
        "<header><h1>{}</h1><p class=\"sub\">As of {} · {} · database <code>{}</code> · \
         generated by stray {}. Values are redacted; no secret is in this report or in the \
         database.</p></header>",
        escape(&options.title),
        date(now),
        escape(&span),
        escape(&options.database),
        env!("CARGO_PKG_VERSION"),
    );

    // Headline numbers.
    html.push_str("<section><h2>Headline numbers</h2><div class=\"cards\">");
    let cards: Vec<(String, &str, String, bool)> = vec![
        (
            present.len().to_string(),
            "credentials outside the vault",
            format!(
                "in {} on {} now",
                plural(metrics.places_now, "place"),
                plural(metrics.machines, "machine")
            ),
            false,
        ),
        (
            unvaulted.to_string(),
            "unvaulted",
            if not_reconciled > 0 {
                format!(
                    "not known to the vault ({not_reconciled} never checked against a vault \
                     export)"
                )
            } else {
                "the vault does not know them: nobody can rotate or revoke them".to_string()
            },
            unvaulted > 0,
        ),
        (
            percent(metrics.vault_share),
            "in the vault",
            format!(
                "{} of {} credentials found",
                metrics.vaulted_present, metrics.credentials_present
            ),
            false,
        ),
        (
            percent(metrics.reference_share),
            "references",
            format!(
                "{} of {} places read the vault instead of holding a copy",
                metrics.references_now,
                metrics.references_now + metrics.places_now
            ),
            false,
        ),
        (
            percent(metrics.rotation_sla_share),
            "within rotation SLA",
            format!(
                "{} of {} vaulted credentials rotated in time",
                metrics.vaulted_present - metrics.overdue_present,
                metrics.vaulted_present
            ),
            metrics.overdue_present > 0,
        ),
        (
            metrics.credentials_gone.to_string(),
            "strays removed",
            match metrics.median_days_to_gone {
                Some(days) => format!("median {days} days from first seen to gone"),
                None => "none removed yet".to_string(),
            },
            false,
        ),
        (
            match metrics.mean_hours_to_revoke {
                Some(hours) if hours >= 48.0 => format!("{:.1} d", hours / 24.0),
                Some(hours) => format!("{hours:.1} h"),
                None => "–".to_string(),
            },
            "mean time to revoke",
            format!(
                "from revoked to gone, over {} revoked; {} revoked but still found",
                plural(metrics.revoked_gone, "credential"),
                metrics.revocations_pending
            ),
            metrics.revocations_pending > 0,
        ),
        (
            percent(metrics.owner_share),
            "with an owner",
            format!(
                "{} of {} present credentials have someone who answers for them",
                metrics.owned_present, metrics.credentials_present
            ),
            false,
        ),
    ];
    for (value, label, hint, alert) in cards {
        let _ = write!(
            html,
            "<div class=\"card{}\"><div class=\"value\">{}</div><div class=\"label\">{}</div>\
             <div class=\"hint\">{}</div></div>",
            if alert { " alert" } else { "" },
            escape(&value),
            escape(label),
            escape(&hint)
        );
    }
    html.push_str("</div></section>");

    // Charts.
    html.push_str("<section><h2>Where the credentials are</h2><div class=\"charts\">");
    let legend: Vec<(&str, &str)> = STATUS_COLORS.to_vec();
    let _ = write!(
        html,
        "<figure><h3>Credentials by provider and vault status</h3>{}<figcaption>Credentials \
         present in the latest scan of each machine.</figcaption></figure>",
        stacked_bars(
            &status_rows(&present),
            &legend,
            "Credentials by provider and vault status"
        )
    );
    let _ = write!(
        html,
        "<figure><h3>Places by location kind</h3>{}<figcaption>Every place of a present \
         credential: why it is there.</figcaption></figure>",
        stacked_bars(&kind_rows(&present), &[], "Places by location kind")
    );
    let (bars, markers) = age_bars(&ages, &AgeScale::new(options.max_age_days));
    let limit_text = match options.max_age_days {
        Some(days) => format!("older than {days} days (the dashed line)"),
        None => "older than the rotation limit of their criticality tier (dashed lines: high \
                 90, medium 180, low 365 days)"
            .to_string(),
    };
    let _ = write!(
        html,
        "<figure><h3>Credential age</h3>{}<figcaption>Credentials by days since they were \
         first seen (bins start at the day shown); in red, the {} {limit_text}: unchanged for \
         longer than their rotation SLA.</figcaption></figure>",
        if present.is_empty() {
            empty_chart("No credentials present.")
        } else {
            column_chart(&bars, &markers, "Credential age in days")
        },
        plural(past_limit, "credential"),
    );
    let _ = write!(
        html,
        "<figure><h3>Unvaulted credentials over time</h3>{}<figcaption>At the end of each \
         day with a recorded scan.</figcaption></figure>",
        trend_chart(&metrics)
    );
    let removed: Vec<Bar> = metrics
        .removed_per_period
        .iter()
        .map(|p| Bar {
            label: p.period.clone(),
            tooltip: format!("removed in {}", p.period),
            segments: vec![(p.removed, BLUE)],
        })
        .collect();
    let _ = write!(
        html,
        "<figure><h3>Strays removed per month</h3>{}<figcaption>Credentials that disappeared \
         from every machine that had them, by the month they were first seen gone.\
         </figcaption></figure>",
        column_chart(&removed, &[], "Strays removed per month")
    );
    html.push_str("</div></section>");

    // The tables.
    let _ = write!(
        html,
        "<section class=\"inventory\"><h2>Every credential present ({})</h2>",
        present.len()
    );
    if present.is_empty() {
        html.push_str(&empty_chart("No credentials present."));
    } else {
        html.push_str(&credential_table(&present, false));
    }
    html.push_str("</section>");
    if !gone.is_empty() {
        let _ = write!(
            html,
            "<section><h2>Removed credentials ({})</h2>{}</section>",
            gone.len(),
            credential_table(&gone, true)
        );
    }
    if !history.scans.is_empty() {
        let _ = write!(
            html,
            "<section class=\"scans\"><h2>Recorded scans ({})</h2>{}</section>",
            history.scans.len(),
            scan_table(&history.scans)
        );
    }

    let _ = write!(
        html,
        "<section><h2>Definitions</h2><dl class=\"defs\">\
         <dt>Present, gone</dt><dd>A credential is present when the latest recorded scan of \
         at least one machine that has ever seen it still finds it; otherwise it is gone, as \
         of the first later scan of that machine that no longer found it.</dd>\
         <dt>Status</dt><dd>From the most recent scan that reconciled the credential with a \
         vault export: <em>unvaulted</em> (the vault does not know it), <em>stray-copy</em> \
         (the vault has it; this is a plaintext copy), <em>rotated-out</em> (only the vault's \
         history has it). <em>not-reconciled</em>: no scan was given a vault; it counts as \
         not in the vault.</dd>\
         <dt>In the vault</dt><dd>Present credentials with status stray-copy or rotated-out, \
         over all present credentials.</dd>\
         <dt>References</dt><dd>Vault references (op://…, ${{{{ secrets.X }}}}, …) over \
         references plus plaintext places, in the latest scan of each machine.</dd>\
         <dt>Within rotation SLA</dt><dd>Present vaulted credentials whose vault value is \
         not older than the rotation limit, over present vaulted credentials.</dd>\
         <dt>Age</dt><dd>Whole days since the credential was first seen by any recorded \
         scan. A rotated credential is a new value with a new fingerprint, so age is how long \
         this value has lived.</dd>\
         <dt>Criticality and rotation limit</dt><dd>Each credential's tier, from its rule or \
         the team's [criticality] overrides as the scan that saw it recorded them: high (AI, \
         cloud, code-host, private keys, secret managers) rotates every 90 days, medium \
         (SaaS) every 180, low (generic passwords) every 365.</dd>\
         <dt>Mean time to revoke</dt><dd>Over credentials recorded as revoked (stray inventory \
         revoke) that are gone: hours from the revocation to the first scan that no longer \
         found them.</dd>\
         <dt>With an owner</dt><dd>Present credentials whose most recent sighting named who \
         answers for them (team config, vault, git author or the machine's user).</dd>\
         </dl></section>"
    );
    let _ = writeln!(
        html,
        "<footer>{} · stray {} · generated {}</footer></body></html>",
        escape(&options.title),
        env!("CARGO_PKG_VERSION"),
        now
    );
    out.write_all(html.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        // Why this is not an HTML-escaping crate's: a file name holding control characters
        // (an escape sequence, a NUL) must not reach the page, where some are not even valid
        // HTML; those crates escape markup only.
        assert_eq!(escape("a\u{1b}[2J\0b\tc\n"), "a\u{fffd}[2J\u{fffd}b\tc\n");
    }

    #[test]
    fn axes_are_round() {
        assert_eq!(axis(0), (1, 1));
        assert_eq!(axis(3), (3, 1));
        assert_eq!(axis(7), (8, 2));
        assert_eq!(axis(23), (25, 5));
        assert_eq!(axis(180), (200, 50));
    }

    #[test]
    fn age_bins_put_one_limit_on_a_bin_edge() {
        let (bars, markers) = age_bars(&[(0, 90), (90, 90), (91, 90)], &AgeScale::new(Some(90)));
        assert_eq!(bars.len(), 13);
        assert_eq!(bars[0].tooltip, "0–14 days");
        assert_eq!(bars[6].label, "90");
        assert_eq!(bars[6].tooltip, "90–104 days");
        assert_eq!(bars[12].label, "180+");
        assert_eq!(markers, [(6.0, "90 days".to_string())]);
        // Day 90 is within the limit, day 91 past it.
        assert_eq!(bars[6].segments, [(1, BLUE), (1, RED)]);
        assert_eq!(bars[0].segments, [(1, BLUE), (0, RED)]);
    }

    #[test]
    fn age_bins_per_tier_judge_each_credential_by_its_own_limit() {
        // 100 days old: past a high tier's 90, within a medium tier's 180.
        let ages = [(100, 90), (100, 180), (400, 365)];
        let (bars, markers) = age_bars(&ages, &AgeScale::new(None));
        assert_eq!(bars.len(), 14);
        assert_eq!(bars[3].tooltip, "90–119 days");
        assert_eq!(bars[3].segments, [(1, BLUE), (1, RED)]);
        assert_eq!(bars[13].label, "390+");
        assert_eq!(bars[13].segments, [(0, BLUE), (1, RED)]);
        let labels: Vec<&str> = markers.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["high 90 d", "medium 180 d", "low 365 d"]);
        assert_eq!(markers[1].0, 6.0);
    }
}
