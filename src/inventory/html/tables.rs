//! The report's tables: every credential with its places, and the recorded scans.

#[allow(unused_imports)]
use super::*;

pub(super) fn place_item(place: &PlaceView) -> String {
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

pub(super) fn status_badge(c: &CredentialView) -> String {
    let name = c.status_name();
    let mut badge = format!(
        "<span class=\"badge\" style=\"border-color:{0};color:{0}\">{1}</span>",
        status_color(name),
        escape(name)
    );
    if c.vault.rotation_overdue {
        badge.push_str(" <span class=\"badge overdue\">rotation overdue</span>");
    }
    if let Some(live) = c.live.describe() {
        let _ = write!(badge, "<div class=\"note\">{}</div>", escape(&live));
    }
    if let Some(vault) = c.vault.describe() {
        let _ = write!(badge, "<div class=\"note\">{}</div>", escape(&vault));
    }
    badge
}

/// Places listed per credential; a key pasted into hundreds of log files would otherwise
/// turn one table row into pages.
pub(super) const PLACES_SHOWN: usize = 25;

pub(super) fn credential_table(credentials: &[&CredentialView], gone: bool) -> String {
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
            escape(&c.id.provider),
            escape(&c.id.redacted),
            escape(&c.id.rule),
            tier_of(c),
            escape(&c.id.fingerprint[..c.id.fingerprint.len().min(12)]),
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
pub(super) fn scan_table(scans: &[ScanRow]) -> String {
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
