//! A small RFC 5545 (iCalendar) writer for all-day events: CRLF line ends, TEXT escaping
//! (backslash, semicolon, comma, newline) and folding of content lines longer than 75 octets
//! (never inside a UTF-8 character). Output depends only on the events given: no clock, no
//! random UIDs, so the same plan gives the same bytes.

use std::fmt::Write as _;

use time::{Date, Duration};

/// PRODID of every calendar written here.
pub const PRODID: &str = "-//plan-index//training plan//EN";
/// Longest content line, in octets, before it is folded.
pub const MAX_LINE_OCTETS: usize = 75;

/// One all-day event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Stable unique id (re-importing an event with the same UID updates it).
    pub uid: String,
    /// The day.
    pub date: Date,
    /// One line.
    pub summary: String,
    /// Any text.
    pub description: String,
}

/// Escapes a TEXT value (RFC 5545 section 3.3.11).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded to lines of at most [`MAX_LINE_OCTETS`] octets (a continuation line
/// starts with one space, which counts), each ended by CRLF.
pub fn push_folded(out: &mut String, line: &str) {
    let mut width = 0;
    let mut limit = MAX_LINE_OCTETS;
    for c in line.chars() {
        if width + c.len_utf8() > limit {
            out.push_str("\r\n ");
            width = 1;
            limit = MAX_LINE_OCTETS;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// `YYYYMMDD`.
pub fn date_value(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// A calendar named `name` holding `events`; every DTSTAMP is `stamp` at midnight UTC (a fixed
/// value, so the output stays deterministic).
pub fn write(name: &str, stamp: Date, events: &[Event]) -> String {
    let mut out = String::with_capacity(256 + events.len() * 512);
    let stamp = format!("{}T000000Z", date_value(stamp));
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        &format!("PRODID:{PRODID}"),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        &format!("X-WR-CALNAME:{}", escape(name)),
    ] {
        push_folded(&mut out, line);
    }
    let mut line = String::new();
    for event in events {
        let end = event
            .date
            .checked_add(Duration::days(1))
            .unwrap_or(event.date);
        push_folded(&mut out, "BEGIN:VEVENT");
        for (key, value) in [
            ("UID", escape(&event.uid)),
            ("DTSTAMP", stamp.clone()),
            ("DTSTART;VALUE=DATE", date_value(event.date)),
            ("DTEND;VALUE=DATE", date_value(end)),
            ("SUMMARY", escape(&event.summary)),
            ("DESCRIPTION", escape(&event.description)),
            ("TRANSP", "TRANSPARENT".to_string()),
        ] {
            line.clear();
            let _ = write!(line, "{key}:{value}");
            push_folded(&mut out, &line);
        }
        push_folded(&mut out, "END:VEVENT");
    }
    push_folded(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let line = format!("DESCRIPTION:{}", "é".repeat(100));
        push_folded(&mut out, &line);
        for part in out.split("\r\n").filter(|p| !p.is_empty()) {
            assert!(part.len() <= MAX_LINE_OCTETS, "{} octets", part.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{line}\r\n"));
    }

    #[test]
    fn events_are_all_day() {
        let date = Date::from_calendar_date(2026, time::Month::December, 31).unwrap_or(Date::MIN);
        let ics = write(
            "x",
            date,
            &[Event {
                uid: "u@x".into(),
                date,
                summary: "Run".into(),
                description: "10 km".into(),
            }],
        );
        assert!(ics.contains("DTSTART;VALUE=DATE:20261231\r\n"));
        assert!(ics.contains("DTEND;VALUE=DATE:20270101\r\n"));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
    }
}
