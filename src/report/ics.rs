//! iCalendar (RFC 5545) text, written by hand: a calendar of all-day events is a few dozen
//! lines of the format, and the crates that write it bring a second date library and a parser
//! along. What the RFC asks of every line is kept here: CRLF line ends, lines folded at 75
//! octets (never inside a UTF-8 character), TEXT values escaped (`\\`, `\;`, `\,`, `\n`),
//! a UID and a DTSTAMP on every event, and all-day dates as `DTSTART;VALUE=DATE`.

use std::io::{self, Write};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// Longest line in octets, without its CRLF (RFC 5545 §3.1).
const LINE_OCTETS: usize = 75;

/// One calendar: its name (`X-WR-CALNAME`, which Google Calendar and Apple Calendar show) and
/// its events.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub name: String,
    pub events: Vec<Event>,
}

/// One all-day event.
#[derive(Debug, Clone)]
pub struct Event {
    /// Stable across exports, so importing a newer file updates the event instead of adding
    /// a second one.
    pub uid: String,
    pub date: Date,
    pub summary: String,
    pub description: String,
    pub attendees: Vec<Attendee>,
    pub categories: Vec<String>,
}

/// Someone invited: an e-mail address (already checked with [`email`]) and a display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub name: Option<String>,
    pub email: String,
}

/// Writes `calendar`; `stamp` is every event's DTSTAMP (when the file was made).
pub fn write(calendar: &Calendar, stamp: Timestamp, out: &mut dyn Write) -> io::Result<()> {
    let stamp = stamp
        .to_zoned_datetime(TimeZone::UTC)
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        format!("PRODID:-//stray//stray {}//EN", env!("CARGO_PKG_VERSION")),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", text(&calendar.name)),
    ];
    for event in &calendar.events {
        lines.push("BEGIN:VEVENT".to_string());
        lines.push(format!("UID:{}", text(&event.uid)));
        lines.push(format!("DTSTAMP:{stamp}"));
        lines.push(format!("DTSTART;VALUE=DATE:{}", date(event.date)));
        // An all-day event ends (exclusively) the next day.
        if let Ok(next) = event.date.tomorrow() {
            lines.push(format!("DTEND;VALUE=DATE:{}", date(next)));
        }
        lines.push(format!("SUMMARY:{}", text(&event.summary)));
        lines.push(format!("DESCRIPTION:{}", text(&event.description)));
        if !event.categories.is_empty() {
            let categories: Vec<String> = event.categories.iter().map(|c| text(c)).collect();
            lines.push(format!("CATEGORIES:{}", categories.join(",")));
        }
        for attendee in &event.attendees {
            let name = attendee
                .name
                .as_deref()
                .map(|n| format!(";CN={}", param(n)))
                .unwrap_or_default();
            lines.push(format!(
                "ATTENDEE{name};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:{}",
                attendee.email
            ));
        }
        // A reminder is a task, not busy time.
        lines.push("TRANSP:TRANSPARENT".to_string());
        lines.push("END:VEVENT".to_string());
    }
    lines.push("END:VCALENDAR".to_string());
    for line in &lines {
        out.write_all(fold(line).as_bytes())?;
    }
    Ok(())
}

/// `20270301`.
fn date(date: Date) -> String {
    date.strftime("%Y%m%d").to_string()
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, every line break
/// as `\n`; other control characters, which TEXT may not hold, are dropped.
pub fn text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    escaped.push_str("\\n");
                }
            }
            '\n' => escaped.push_str("\\n"),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// A parameter value (`CN=…`): quoted when it holds `:`, `;` or `,`; a double quote and
/// control characters, which no parameter value may hold, are dropped.
fn param(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// One content line with its CRLF, folded (RFC 5545 §3.1): at most 75 octets per line, each
/// continuation starting with one space, never splitting a UTF-8 character.
///
/// A line never ends in a space before its fold: some readers (the `ical` crate among them)
/// trim each physical line's end before unfolding, so the space moves to the next line.
fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + line.len() / LINE_OCTETS * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        let width = c.len_utf8();
        if used + width > LINE_OCTETS {
            let carried = used > 2 && folded.ends_with(' ');
            if carried {
                folded.pop();
            }
            folded.push_str("\r\n ");
            used = 1;
            if carried {
                folded.push(' ');
                used += 1;
            }
        }
        folded.push(c);
        used += width;
    }
    folded.push_str("\r\n");
    folded
}

/// The e-mail address in an owner's name: the name itself (`ada@example.com`) or the part in
/// angle brackets (`Ada Lovelace <ada@example.com>`). Only plain addresses (letters, digits,
/// `.`, `_`, `%`, `+`, `-`; a domain with a dot) count, so nothing else can reach a `mailto:`.
pub fn email(owner: &str) -> Option<String> {
    let owner = owner.trim();
    let candidate = match (owner.rfind('<'), owner.strip_suffix('>')) {
        (Some(open), Some(inner)) => &inner[open + 1..],
        _ => owner,
    };
    let (local, domain) = candidate.split_once('@')?;
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let domain_ok = domain.contains('.')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c));
    (local_ok && domain_ok).then(|| candidate.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(
            text("a,b;c\\d\ne\r\nf\rg\u{7}"),
            "a\\,b\\;c\\\\d\\ne\\nf\\ng"
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let line = format!("DESCRIPTION:{}", "é".repeat(100));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        let parts: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(parts.len() > 2);
        for (index, part) in parts.iter().enumerate() {
            assert!(part.len() <= LINE_OCTETS, "{index}: {} octets", part.len());
            if index > 0 {
                assert!(part.starts_with(' '));
            }
        }
        let unfolded: String = parts
            .iter()
            .enumerate()
            .map(|(i, p)| if i == 0 { *p } else { &p[1..] })
            .collect();
        assert_eq!(unfolded, line);
        assert_eq!(fold("SHORT:x"), "SHORT:x\r\n");
        // A space at a fold moves to the continuation line.
        let spaced = format!("DESCRIPTION:{}", "word ".repeat(40));
        let folded = fold(&spaced);
        let parts: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(parts.iter().all(|p| p.len() <= LINE_OCTETS));
        assert!(parts[..parts.len() - 1].iter().all(|p| !p.ends_with(' ')));
        let unfolded: String = parts
            .iter()
            .enumerate()
            .map(|(i, p)| if i == 0 { *p } else { &p[1..] })
            .collect();
        assert_eq!(unfolded, spaced);
    }

    #[test]
    fn only_plain_addresses_are_e_mail() {
        assert_eq!(email("ada@example.com").as_deref(), Some("ada@example.com"));
        assert_eq!(
            email("Ada Lovelace <ada.l+ops@mail.example.org>").as_deref(),
            Some("ada.l+ops@mail.example.org")
        );
        for not in [
            "ada",
            "@example.com",
            "ada@localhost",
            "ada@example.com\r\nATTENDEE:x",
            "a:b@example.com",
            "ada@.example.com",
            "team-platform",
        ] {
            assert_eq!(email(not), None, "{not:?}");
        }
    }

    #[test]
    fn parameters_are_quoted_when_they_must_be() {
        assert_eq!(param("Ada"), "Ada");
        assert_eq!(param("Lovelace, Ada"), "\"Lovelace, Ada\"");
        assert_eq!(param("a\"b\nc"), "abc");
    }

    #[test]
    fn a_calendar_has_the_required_properties() {
        let calendar = Calendar {
            name: "Rotations".to_string(),
            events: vec![Event {
                uid: "x@stray".to_string(),
                date: jiff::civil::date(2027, 3, 1),
                summary: "Rotate, now".to_string(),
                description: "one\ntwo".to_string(),
                attendees: vec![Attendee {
                    name: Some("Ada".to_string()),
                    email: "ada@example.com".to_string(),
                }],
                categories: vec!["high".to_string()],
            }],
        };
        let mut out = Vec::new();
        write(&calendar, "2026-12-01T10:00:00Z".parse().unwrap(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        for line in [
            "UID:x@stray",
            "DTSTAMP:20261201T100000Z",
            "DTSTART;VALUE=DATE:20270301",
            "DTEND;VALUE=DATE:20270302",
            "SUMMARY:Rotate\\, now",
            "DESCRIPTION:one\\ntwo",
            "ATTENDEE;CN=Ada;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:ada@example",
        ] {
            assert!(
                text.replace("\r\n ", "").contains(line),
                "{line} in\n{text}"
            );
        }
    }
}
