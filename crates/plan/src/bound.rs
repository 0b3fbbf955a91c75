//! How large a plan's encoded reply can be, known before any selection runs.
//!
//! A carrier limits what a reply may weigh (6 MB for a synchronous invocation, 256 KB for a
//! result published to SQS or EventBridge), and a plan's size depends on its request: 4 to 30
//! weeks of seven days, each with a selected item. [`reply_bound`] adds up, from the validated
//! request and the index alone, the most every part of the plan can take when encoded:
//!
//! - the request as echoed (encoded exactly: it is known once the request is validated);
//! - the philosophy, one structure per week and one template per day, each at most the largest
//!   item of its collection as a [`Selected`](crate::Selected) (measured once per process per collection), with
//!   the longest query text the index's catalog can produce and the longest score an f32
//!   prints as;
//! - per day, its detail: the description repeats at most the template's name and structure
//!   (a rendered range is never longer than the range written) plus fixed wording, distances,
//!   a duration and three paces; per week, its volumes, flags and focus (at most the
//!   structure's own focus plus fixed wording);
//! - up to `PASSAGES` knowledge passages at the largest passage;
//! - the warnings: the request's own notes exactly, then at most a fixed count per week and per
//!   plan, each at most [`WARNING_TEXT`] of wording and numbers plus two item ids; at most one
//!   per (session type, phase) for templates; at most `MAX_LISTED_PROBLEMS` + 1 rule problems;
//! - the training summary and the envelope (keys, index hash, compute time) as constants.
//!
//! Each figure is counted twice: as plain JSON and as it costs inside another JSON string (an
//! HTTP proxy body, where every `"` and `\` takes one byte more; fixed wording is counted at
//! twice its length there). tests/plan_bound.rs checks over a grid of requests that the encoded
//! plan never exceeds the bound.
//!
//! The bound is not used to refuse a plan: over that grid it is 2.8-4.3x (median 3.4x) the
//! encoded plan, so a refusal on it would refuse plans that fit a 256 KB message. The
//! function makes the plan and refuses its encoded reply when that is over the carrier's limit
//! (`plan_index_api::action::check_encoded`); a plan whose bound fits is never refused.

use plan_index_core::BakedIndex;
use plan_index_core::search::Hit;

use crate::queries::{KNOWLEDGE, PHILOSOPHIES, SESSION_TEMPLATES, WEEK_STRUCTURES, sources_of};
use crate::request::{self, Resolved};
use crate::select::{MAX_LISTED_PROBLEMS, PASSAGES, selected};
use crate::vocab::{DAYS, PHASES, SESSION_TYPES};
use crate::{PlanError, PlanRequest, queries};

/// Bytes of a JSON text, plain and as a string inside another JSON document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    /// As plain JSON (a direct reply, a published result).
    pub plain: usize,
    /// Escaped inside a JSON string (an HTTP proxy response's body).
    pub escaped: usize,
}

impl Size {
    /// A JSON text as it is.
    pub fn of(text: &str) -> Size {
        Size {
            plain: text.len(),
            escaped: escaped_len(text),
        }
    }

    /// Fixed wording or numbers of at most `bytes` (any of which might need escaping).
    pub const fn fixed(bytes: usize) -> Size {
        Size {
            plain: bytes,
            escaped: 2 * bytes,
        }
    }

    fn times(self, n: usize) -> Size {
        Size {
            plain: self.plain * n,
            escaped: self.escaped * n,
        }
    }
}

impl std::ops::Add for Size {
    type Output = Size;
    fn add(self, other: Size) -> Size {
        Size {
            plain: self.plain + other.plain,
            escaped: self.escaped + other.escaped,
        }
    }
}

/// `text`'s length once written as (part of) a JSON string inside another JSON document, as
/// serde_json escapes it: `"`, `\`, and the control characters with a short escape (`\n`,
/// `\r`, `\t`, backspace, form feed) take one byte more, every other control character five
/// (`\u0001`). The one rule the reply budgets of every carrier use (an iCalendar body's line
/// breaks included).
pub fn escaped_len(text: &str) -> usize {
    text.len()
        + text
            .bytes()
            .map(|b| match b {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
                0..0x20 => 5,
                _ => 0,
            })
            .sum::<usize>()
}

/// The longest a score prints as (`-1.1754944e-38`), less the `0.0` items are measured with.
const SCORE_SLACK: usize = 12;
/// Any one warning's wording, numbers and vocabulary (a race, level, phase, session type,
/// relaxed constraint names), without the item ids it names: the longest, the volume note
/// about too few weeks, is about 260 bytes with its numbers.
pub const WARNING_TEXT: usize = 400;
/// Warnings a week can add besides its templates': a relaxed structure, and two from its
/// volume (no day to hold the volume or the race, a race day moved).
const WARNINGS_PER_WEEK: usize = 3;
/// Warnings a plan can add once: two about its philosophy, two about its passages, one about
/// model-embedded queries, two volume notes, one about short runs.
const WARNINGS_PER_PLAN: usize = 8;
/// A day's keys, its name and session type, date, two distances, a duration, up to three
/// paces, and the description's own wording (distance, minutes, paces, the race label).
const DAY_FIXED: usize = 640;
/// A week's keys, number, phase, days to race, four volumes, the cutback flag and the focus's
/// own wording.
const WEEK_FIXED: usize = 384;
/// A passage's `backs` member.
const PASSAGE_FIXED: usize = 40;
/// `training`: units, seven numbers, the pace source, the race time and eight paces.
const TRAINING: usize = 1024;
/// The plan's own keys, brackets, the index hash and the compute time.
const ENVELOPE: usize = 512;

/// The largest item of `collection` as a [`Selected`] with an empty query, memoised.
fn largest_selected(index: &BakedIndex, collection: &str) -> Size {
    let Ok(Some(coll)) = index.collection(collection) else {
        return Size::default();
    };
    let (plain, escaped) = index.largest_per_row(&coll, "plan selection", |row| {
        let item = selected(&coll, Hit { row, score: 0.0 }, "");
        let text = serde_json::to_string(&item).unwrap_or_default();
        (text.len(), escaped_len(&text))
    });
    Size {
        plain: plain + SCORE_SLACK,
        escaped: escaped + SCORE_SLACK,
    }
}

/// The longest id of any collection a plan reads, and the longest query text of the index's
/// catalog (as JSON strings), memoised.
fn longest_id_and_query(index: &BakedIndex) -> (Size, Size) {
    let ids = [PHILOSOPHIES, WEEK_STRUCTURES, SESSION_TEMPLATES, KNOWLEDGE]
        .iter()
        .filter_map(|name| index.collection(name).ok().flatten())
        .map(|coll| {
            index.largest_per_row(&coll, "item id", |row| {
                let id = serde_json::to_string(coll.item(row).id).unwrap_or_default();
                (id.len(), escaped_len(&id))
            })
        })
        .fold((0, 0), |(a, b), (x, y)| (a.max(x), b.max(y)));
    let query = index.memo("", "catalog query text", || {
        queries::Catalog::from_sources(&sources_of(index).unwrap_or_default())
            .texts()
            .iter()
            .map(|t| {
                let t = serde_json::to_string(t).unwrap_or_default();
                (t.len(), escaped_len(&t))
            })
            .fold((0, 0), |(a, b), (x, y)| (a.max(x), b.max(y)))
    });
    let size = |(plain, escaped)| Size { plain, escaped };
    (size(ids), size(query))
}

/// The encoded size of `value` (plain and escaped).
fn encoded<T: serde::Serialize>(value: &T) -> Size {
    Size::of(&serde_json::to_string(value).unwrap_or_default())
}

/// The most bytes the encoded plan for `request` can take, from the validated request and the
/// index alone (see the module documentation). Refuses an invalid request as [`crate::plan`]
/// would.
pub fn reply_bound(index: &BakedIndex, request: &PlanRequest) -> Result<Size, PlanError> {
    let r = request::resolve(request)?;
    Ok(bound(index, &r, request))
}

/// [`reply_bound`] for an already validated request.
pub fn bound(index: &BakedIndex, r: &Resolved, request: &PlanRequest) -> Size {
    let weeks = usize::try_from(r.weeks).unwrap_or(0);
    let (id, query) = longest_id_and_query(index);
    let with_query = |s: Size| s + query + Size::fixed(SCORE_SLACK);
    let philosophy = with_query(largest_selected(index, PHILOSOPHIES));
    let structure = with_query(largest_selected(index, WEEK_STRUCTURES));
    let template = with_query(largest_selected(index, SESSION_TEMPLATES));
    let passage = with_query(largest_selected(index, KNOWLEDGE)) + Size::fixed(PASSAGE_FIXED);
    // A day: its detail, its template, and the description, which repeats at most the
    // template's name and structure.
    let day = Size::fixed(DAY_FIXED) + template.times(2);
    // A week: its detail and focus (at most the structure's), its structure, seven days.
    let week = Size::fixed(WEEK_FIXED) + structure.times(2) + day.times(DAYS.len());
    let warning = Size::fixed(WARNING_TEXT) + id.times(2);
    let template_warnings = (weeks * DAYS.len()).min(SESSION_TYPES.len() * (PHASES.len() + 1));
    let problem = Size::fixed(WARNING_TEXT) + structure;
    let warnings = r
        .notes
        .iter()
        .map(|note| encoded(note) + Size::fixed(1))
        .fold(Size::default(), |a, b| a + b)
        + warning.times(weeks * WARNINGS_PER_WEEK + template_warnings + WARNINGS_PER_PLAN)
        + problem.times(MAX_LISTED_PROBLEMS + 1);
    let mut echo = r.echo(request);
    // The philosophy may change the days per week (one digit either way).
    echo.days_per_week = Some(9);
    Size::fixed(ENVELOPE + TRAINING)
        + encoded(&echo)
        + philosophy
        + week.times(weeks)
        + passage.times(PASSAGES)
        + warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_counts_quotes_and_backslashes() {
        assert_eq!(escaped_len(r#"{"a":"\n"}"#), 10 + 5);
        for text in ["a\r\nb\t\u{1}\u{7f}\"\\é", "plain", ""] {
            let inside = serde_json::to_string(text).expect("encodes");
            assert_eq!(escaped_len(text), inside.len() - 2, "{text:?}");
        }
        assert_eq!(
            Size::of("abc"),
            Size {
                plain: 3,
                escaped: 3
            }
        );
        assert_eq!(
            Size::fixed(4).times(2) + Size::of("\""),
            Size {
                plain: 9,
                escaped: 18
            }
        );
    }
}
