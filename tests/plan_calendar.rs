//! The iCalendar output: one all-day event per running day on the right date, stable UIDs,
//! RFC 5545 line rules, parsed by a real iCalendar library (Python `icalendar` from PyPI, in
//! the `.venv` that scripts/test.sh installs; skipped, saying why, without it), and served by
//! `POST /v1/plan` with `Accept: text/calendar`.

mod plan_common;

use std::path::PathBuf;
use std::process::Command;

use plan_common::{plan_index, request};
use plan_index::lambda::{self, Context, Publisher};
use plan_index::plan::detail::event_uid;
use plan_index::plan::{Plan, PlanRequest, ics, plan};
use serde_json::{Value, json};

fn requests() -> Vec<PlanRequest> {
    vec![
        PlanRequest {
            race_date: Some("2026-10-04".into()),
            start_date: Some("2026-06-01".into()),
            weeks: None,
            goal_time: Some("3:30:00".into()),
            ..request("marathon", "intermediate", 5, 16, "strict")
        },
        PlanRequest {
            start_date: Some("2027-01-04".into()),
            units: Some("mi".into()),
            ..request("10k", "beginner", 3, 8, "strict")
        },
        PlanRequest {
            start_date: Some("2026-12-28".into()),
            weekly_km: Some(70.0),
            ..request("ultra", "advanced", 7, 30, "semantic")
        },
    ]
}

/// (uid, date) of every running day.
fn running_days(plan: &Plan) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for week in &plan.weeks {
        for day in &week.days {
            if day.detail.distance_km.is_some() {
                let uid = event_uid(plan, week.week, day.day).expect("a dated plan");
                out.push((uid, day.detail.date.clone().expect("a date")));
            }
        }
    }
    out
}

#[test]
fn calendar_lines_follow_rfc_5545() {
    let Some(index) = plan_index("calendar_lines_follow_rfc_5545") else {
        return;
    };
    for req in requests() {
        let p = plan(index, &req).expect("plan");
        let text = ics(&p).expect("a dated plan has a calendar");
        assert!(text.ends_with("\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "bare LF");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let events = text.matches("BEGIN:VEVENT").count();
        assert_eq!(events, running_days(&p).len());
        assert_eq!(ics(&plan(index, &req).expect("plan")), Some(text.clone()));
    }
    let undated = plan(index, &request("5k", "beginner", 4, 6, "strict")).expect("plan");
    assert!(ics(&undated).is_none());
}

#[test]
fn uids_stay_when_the_plan_is_revised() {
    let Some(index) = plan_index("uids_stay_when_the_plan_is_revised") else {
        return;
    };
    let first = requests().remove(0);
    let revised = PlanRequest {
        weekly_km: Some(55.0),
        level: Some("advanced".into()),
        ..first.clone()
    };
    let uid_lines = |req: &PlanRequest| -> Vec<String> {
        let text = ics(&plan(index, req).expect("plan")).expect("calendar");
        text.lines()
            .filter(|l| l.starts_with("UID:"))
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (uid_lines(&first), uid_lines(&revised));
    let shared = a.iter().filter(|u| b.contains(u)).count();
    assert!(
        shared * 10 >= a.len() * 8,
        "{shared} of {} UIDs kept",
        a.len()
    );
}

fn python() -> Option<PathBuf> {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    python.exists().then_some(python)
}

#[test]
fn calendar_parses_with_python_icalendar_into_one_event_per_running_day() {
    let Some(index) = plan_index("calendar_parses_with_python_icalendar") else {
        return;
    };
    let Some(python) = python() else {
        eprintln!(
            "skipping calendar_parses_with_python_icalendar: no .venv/bin/python; run \
             scripts/test.sh (it installs icalendar from scripts/requirements-test.txt)"
        );
        return;
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/check_ics.py");
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, req) in requests().iter().enumerate() {
        let p = plan(index, req).expect("plan");
        let ics_path = dir.path().join(format!("plan{i}.ics"));
        let expected_path = dir.path().join(format!("plan{i}.json"));
        std::fs::write(&ics_path, ics(&p).expect("calendar")).expect("write ics");
        let expected: Vec<Value> = running_days(&p)
            .into_iter()
            .map(|(uid, date)| json!({"uid": uid, "date": date}))
            .collect();
        std::fs::write(&expected_path, Value::from(expected).to_string()).expect("write json");
        let out = Command::new(&python)
            .arg(&script)
            .arg(&ics_path)
            .arg(&expected_path)
            .output()
            .expect("run python");
        let said = String::from_utf8_lossy(&out.stdout);
        if out.status.code() == Some(3) {
            eprintln!("skipping calendar_parses_with_python_icalendar: {said}");
            return;
        }
        assert!(
            out.status.success(),
            "{req:?}: {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn http_plan(accept: Option<&str>, body: &str) -> Value {
    let mut headers = serde_json::Map::new();
    headers.insert("content-type".into(), json!("application/json"));
    if let Some(accept) = accept {
        headers.insert("Accept".into(), json!(accept));
    }
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/v1/plan",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "http": {"method": "POST", "path": "/v1/plan", "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "test"},
            "requestId": "r", "stage": "$default", "domainName": "example.com"
        },
        "body": body,
        "isBase64Encoded": false
    })
}

#[tokio::test]
async fn the_plan_route_serves_a_calendar_when_asked() {
    let Some(index) = plan_index("the_plan_route_serves_a_calendar_when_asked") else {
        return;
    };
    let publisher = Publisher::disabled();
    let mut ctx = Context::new("test-request", &publisher);
    ctx.metrics = false;
    let body = r#"{"race": "half_marathon", "race_date": "2026-10-04", "start_date": "2026-07-01",
                   "level": "intermediate", "recent_race": {"distance": "10k", "time": "00:45:00"}}"#;
    let response = lambda::handle(index, &ctx, http_plan(Some("text/calendar"), body))
        .await
        .expect("answered");
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(
        response["headers"]["content-type"],
        "text/calendar; charset=utf-8"
    );
    let text = response["body"].as_str().expect("body");
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    assert!(text.contains("DTSTART;VALUE=DATE:20261004\r\n"));

    // Without the header: JSON, with the same days.
    let response = lambda::handle(index, &ctx, http_plan(None, body))
        .await
        .expect("answered");
    assert_eq!(response["headers"]["content-type"], "application/json");
    let plan: Value = serde_json::from_str(response["body"].as_str().expect("body")).expect("json");
    assert_eq!(plan["weeks"][0]["days"][0]["date"], "2026-06-29");
    assert!(plan["weeks"][0]["volume_km"].as_f64().is_some());

    // Errors stay JSON.
    let bad = r#"{"race": "marathon", "weeks": 16, "level": "beginner", "weekly_km": 500}"#;
    let response = lambda::handle(index, &ctx, http_plan(Some("text/calendar"), bad))
        .await
        .expect("answered");
    assert_eq!(response["statusCode"], 422);
    assert_eq!(response["headers"]["content-type"], "application/json");

    // No dates in the request: the calendar starts on a Monday.
    let undated = r#"{"race": "5k", "weeks": 6, "level": "beginner"}"#;
    let response = lambda::handle(index, &ctx, http_plan(Some("text/calendar"), undated))
        .await
        .expect("answered");
    assert_eq!(response["statusCode"], 200, "{response}");
    assert!(
        response["body"]
            .as_str()
            .is_some_and(|b| b.contains("BEGIN:VEVENT"))
    );
}
