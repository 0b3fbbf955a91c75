//! A plan's reply bound (plan_index_plan::bound) is an upper bound: over a grid of requests
//! (every race x level x days per week x plan lengths 4-30, both modes, km and miles, with and
//! without paces, dates and a requested philosophy) the encoded plan, plain and escaped as an
//! HTTP body, never exceeds it (the ratio bound/plan is printed). And a plan is refused by
//! its encoded size, never by its bound.

mod plan_common;

use plan_common::{plan_index, request};
use plan_index_api::Code;
use plan_index_api::action::{Action, Publishing, Runtime, check_encoded, run_within};
use plan_index_api::search::ReplyBudget;
use plan_index_plan::bound::{Size, escaped_len, reply_bound};
use plan_index_plan::queries::PHILOSOPHIES;
use plan_index_plan::vocab::{LEVELS, MAX_DAYS, MAX_WEEKS, MIN_DAYS, RACES};
use plan_index_plan::{PlanRequest, plan};

const WEEKS: [i64; 6] = [4, 9, 16, 22, 27, MAX_WEEKS];

fn grid(philosophies: &[String]) -> Vec<PlanRequest> {
    let mut out = Vec::new();
    let mut n = 0usize;
    for race in RACES {
        for level in LEVELS {
            for days in MIN_DAYS..=MAX_DAYS {
                for weeks in WEEKS {
                    for mode in ["strict", "semantic"] {
                        n += 1;
                        // Rotate the optional fields so every combination shows up.
                        let mut r = request(race, level, days, weeks, mode);
                        if n.is_multiple_of(2) {
                            r.units = Some("mi".into());
                        }
                        if n.is_multiple_of(3) {
                            r.goal_time = Some("03:59:59".into());
                        }
                        if n.is_multiple_of(5) {
                            r.start_date = Some("2026-01-05".into());
                        }
                        if n % 10 == 5 {
                            // 25 weeks, ending on a Sunday; a Saturday race adds a note.
                            r.weeks = None;
                            r.start_date = Some("2026-07-06".into());
                            r.race_date = Some(
                                if n % 20 == 5 {
                                    "2026-12-27"
                                } else {
                                    "2026-12-26"
                                }
                                .into(),
                            );
                        }
                        if n.is_multiple_of(7) {
                            r.ctl = Some(1e300);
                        }
                        if n % 4 == 1 && !philosophies.is_empty() {
                            r.philosophy = Some(philosophies[n % philosophies.len()].clone());
                        }
                        out.push(r);
                    }
                }
            }
        }
    }
    out
}

#[test]
fn the_encoded_plan_never_exceeds_its_bound() {
    let Some(index) = plan_index("the_encoded_plan_never_exceeds_its_bound") else {
        return;
    };
    let philosophies: Vec<String> = index
        .collection(PHILOSOPHIES)
        .ok()
        .flatten()
        .map(|c| c.items().map(|i| i.id.to_string()).collect())
        .unwrap_or_default();
    let mut ratios = Vec::new();
    let (mut largest, mut calendars) = (0, 0);
    for request in grid(&philosophies) {
        let Ok(bound) = reply_bound(index, &request) else {
            // The bound refuses exactly what the plan refuses.
            assert!(plan(index, &request).is_err(), "{request:?}");
            continue;
        };
        let Ok(plan) = plan(index, &request) else {
            continue;
        };
        let text = plan_index_api::encode(&plan).expect("encodes");
        let got = Size::of(&text);
        assert!(
            got.plain <= bound.plain && got.escaped <= bound.escaped,
            "{request:?}: encoded {got:?} over the bound {bound:?}"
        );
        assert_eq!(got.escaped, escaped_len(&text));
        // The iCalendar body (Accept: text/calendar) fits the same bound.
        if let Some(ics) = plan_index_plan::ics(&plan) {
            assert!(
                escaped_len(&ics) <= bound.escaped,
                "{request:?}: iCalendar over the bound"
            );
            calendars += 1;
        }
        ratios.push(bound.plain as f64 / got.plain as f64);
        largest = largest.max(got.plain);
    }
    let checked = ratios.len();
    assert!(checked > 500, "only {checked} plans were made");
    ratios.sort_by(f64::total_cmp);
    assert!(calendars > 50, "only {calendars} plans had dates");
    eprintln!(
        "{checked} plans within their bounds; the largest plan {largest} bytes; bound/plan min {:.3} median {:.3} max {:.3}",
        ratios[0],
        ratios[checked / 2],
        ratios[checked - 1]
    );
}

#[test]
fn a_plan_is_refused_by_its_encoding_not_by_its_bound() {
    let Some(index) = plan_index("a_plan_is_refused_by_its_encoding_not_by_its_bound") else {
        return;
    };
    let long = request("marathon", "advanced", MAX_DAYS, 16, "strict");
    let bound = reply_bound(index, &long).expect("valid");
    let runtime = Runtime {
        cold_start: false,
        primed_us: None,
        publishing: &Publishing::default(),
    };
    let reply = run_within(index, runtime, Action::Plan(long.clone()), &budget(1000))
        .expect("a plan is not refused before it is made");
    let text = plan_index_api::encode(&reply).expect("encodes");
    let actual = text.len();
    assert!(actual < bound.plain, "{actual} vs {bound:?}");
    // A budget under the bound but at the encoded size: the plan is answered.
    assert!(check_encoded(&reply, &text, &budget(actual)).is_ok());
    // One byte less: refused, saying by how much and what to reduce.
    let refused = check_encoded(&reply, &text, &budget(actual - 1)).expect_err("over");
    assert_eq!(refused.code, Code::ReplyTooLarge);
    assert!(
        refused.message.contains("a test carrier")
            && refused.message.contains(&format!("{actual} bytes"))
            && refused.message.contains("16-week plan")
            && refused.message.contains("about 15 weeks would fit"),
        "{}",
        refused.message
    );
    // Far too small for any plan: says so instead of naming a length.
    let none = check_encoded(&reply, &text, &budget(1000)).expect_err("over");
    assert!(
        none.message.contains("even the shortest plan may not fit"),
        "{}",
        none.message
    );
    // An invalid request is refused for what is wrong with it, not for its size.
    let bad = PlanRequest {
        weeks: Some(99),
        ..long
    };
    let refused =
        run_within(index, runtime, Action::Plan(bad), &budget(1000)).expect_err("invalid");
    assert_eq!(refused.code, Code::InvalidValue);
}

fn budget(max_bytes: usize) -> ReplyBudget {
    ReplyBudget {
        max_bytes,
        escaped: false,
        carrier: "a test carrier",
    }
}
