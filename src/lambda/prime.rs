//! Warming the process in the init, when the init runs ahead of the first request.
//!
//! A fresh process's first plan costs two to three warm ones (README, "Performance"): page
//! faults on the blob's pages and on fresh heap, CPU feature detection on the first search,
//! each collection's tables checksummed on its first use, cold caches. On an on-demand cold
//! start the caller waits for the init and the first request together, so doing that work in
//! the init would only move it, and the first request may not even be a plan. Under
//! provisioned concurrency (and SnapStart) Lambda runs the init ahead of any request, and there
//! the first request should find a warm process: so the bootstrap primes when
//! `AWS_LAMBDA_INITIALIZATION_TYPE` says the init is ahead of time, or when
//! `PLAN_INDEX_PRIME=on` asks for it (`off` never primes; `auto`, the default, decides by the
//! initialization type).
//!
//! Priming sends requests down the same path a direct invocation takes
//! ([`plan_index_api::action::run`], then the one encoder), but logs nothing per request and
//! publishes nothing: one search of each collection (its tables checked, its rows scanned and
//! their blocks checked, the kernels picked) and, when the index has the plan collections, one
//! 16-week plan. Its cost is about one scan of the blob plus a plan (docs/lambda.md, "Priming").
//! An error is logged and leaves the process as it was: a corrupt collection is refused by the
//! requests that use it, with the error they would have had anyway.

use std::sync::OnceLock;
use std::time::Instant;

use plan_index_api::action::{self, Action, Publishing, Runtime};
use plan_index_api::{ApiError, encode};
use plan_index_core::BakedIndex;
use plan_index_plan::PlanRequest;

use super::guard;

/// The variable that turns priming on or off.
pub const PRIME_ENV: &str = "PLAN_INDEX_PRIME";

/// Lambda's variable naming how this execution environment was initialised.
pub const INITIALIZATION_TYPE_ENV: &str = "AWS_LAMBDA_INITIALIZATION_TYPE";

/// When the init primes the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priming {
    /// When the init runs ahead of any request (provisioned concurrency, SnapStart).
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

impl Priming {
    /// Reads `PLAN_INDEX_PRIME` (`auto`, `on` or `off`; unset or empty is `auto`).
    pub fn parse(value: Option<&str>) -> Result<Priming, String> {
        match value.map(str::trim).unwrap_or_default() {
            "" | "auto" => Ok(Priming::Auto),
            "on" => Ok(Priming::On),
            "off" => Ok(Priming::Off),
            other => Err(format!(
                "{PRIME_ENV}={other:?} is not one of auto, on, off; priming as for auto"
            )),
        }
    }

    /// Whether to prime, given `AWS_LAMBDA_INITIALIZATION_TYPE`.
    pub fn applies(self, initialization_type: Option<&str>) -> bool {
        match self {
            Priming::On => true,
            Priming::Off => false,
            Priming::Auto => matches!(
                initialization_type.map(str::trim),
                Some("provisioned-concurrency" | "snap-start")
            ),
        }
    }
}

/// What priming did.
#[derive(Clone, Debug, PartialEq)]
pub struct Primed {
    /// Wall time of the whole priming, microseconds.
    pub us: f64,
    /// Collections searched without error.
    pub collections: usize,
    /// Whether a plan was made.
    pub plan: bool,
}

static PRIMED: OnceLock<Primed> = OnceLock::new();

/// What the init's priming did, when it primed (reported by `health`).
pub fn primed() -> Option<&'static Primed> {
    PRIMED.get()
}

/// The init's step: primes `index` when the environment asks for it (see the module docs),
/// logging one line either way, and remembers the result for `health`.
pub fn at_init(
    index: impl FnOnce() -> Result<&'static BakedIndex, &'static plan_index_core::FormatError>,
) {
    let setting = std::env::var(PRIME_ENV).ok();
    let priming = Priming::parse(setting.as_deref()).unwrap_or_else(|message| {
        tracing::warn!(code = "invalid_setting", "{message}");
        Priming::Auto
    });
    let initialization_type = std::env::var(INITIALIZATION_TYPE_ENV).ok();
    if !priming.applies(initialization_type.as_deref()) {
        return;
    }
    let index = match index() {
        Ok(index) => index,
        Err(e) => {
            tracing::error!(error = %e, "not primed: the baked index cannot be read");
            return;
        }
    };
    let done = prime(index);
    tracing::info!(
        primed_us = done.us,
        collections = done.collections,
        plan = done.plan,
        initialization_type = initialization_type.as_deref().unwrap_or("unset"),
        "primed before the first request"
    );
    let _ = PRIMED.set(done);
}

/// Primes the process with `index`: one search of each collection, then one plan.
pub fn prime(index: &BakedIndex) -> Primed {
    let started = Instant::now();
    let publishing = Publishing::default();
    let runtime = Runtime {
        cold_start: true,
        primed_us: None,
        publishing: &publishing,
    };
    // Each request is answered and encoded inside the guard; a refused or failed one is logged.
    let answer = |action: Result<Action, ApiError>, what: &str| -> bool {
        let done = guard::sync(|| {
            let reply = action::run(index, runtime, action?)?;
            encode(&reply).map(|text| text.len())
        });
        if let Err(e) = &done {
            tracing::warn!(code = e.code.as_str(), error = %e.message, "priming: {what} failed");
        }
        done.is_ok()
    };
    let collections = index
        .entries()
        .iter()
        .filter(|entry| {
            let Some(first) = first_id(index, &entry.name) else {
                return false;
            };
            let search = action::from_value(
                serde_json::json!({"action": "search", "collection": entry.name, "like": first, "k": 1}),
                false,
            );
            answer(search, &format!("a search of {:?}", entry.name))
        })
        .count();
    let plan =
        has_plan_collections(index) && answer(Ok(Action::Plan(default_plan())), "a 16-week plan");
    Primed {
        us: (started.elapsed().as_secs_f64() * 1e7).round() / 10.0,
        collections,
        plan,
    }
}

/// The id of `name`'s first item (`None` when it has none or cannot be read).
fn first_id(index: &BakedIndex, name: &str) -> Option<String> {
    let collection = index.collection(name).ok().flatten()?;
    (!collection.is_empty()).then(|| collection.item(0).id.to_string())
}

/// Whether `index` has what a plan selects from (a vector-only index has not).
fn has_plan_collections(index: &BakedIndex) -> bool {
    use plan_index_plan::queries::{PHILOSOPHIES, SESSION_TEMPLATES, WEEK_STRUCTURES};
    [PHILOSOPHIES, WEEK_STRUCTURES, SESSION_TEMPLATES]
        .iter()
        .all(|name| index.entries().iter().any(|entry| entry.name == *name))
}

/// The plan priming makes: the README's first command.
fn default_plan() -> PlanRequest {
    PlanRequest {
        race: "marathon".into(),
        weeks: Some(16),
        level: Some("intermediate".into()),
        ..PlanRequest::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_reads_auto_on_and_off_and_refuses_the_rest() {
        assert_eq!(Priming::parse(None), Ok(Priming::Auto));
        assert_eq!(Priming::parse(Some(" ")), Ok(Priming::Auto));
        assert_eq!(Priming::parse(Some("auto")), Ok(Priming::Auto));
        assert_eq!(Priming::parse(Some("on")), Ok(Priming::On));
        assert_eq!(Priming::parse(Some(" off\n")), Ok(Priming::Off));
        let refused = Priming::parse(Some("yes")).err().unwrap_or_default();
        assert!(refused.contains("PLAN_INDEX_PRIME=\"yes\""), "{refused}");
        assert!(refused.contains("auto, on, off"), "{refused}");
    }

    #[test]
    fn auto_primes_only_when_the_init_runs_ahead_of_requests() {
        for (kind, expected) in [
            (None, false),
            (Some("on-demand"), false),
            (Some("provisioned-concurrency"), true),
            (Some("snap-start"), true),
            (Some("something-new"), false),
        ] {
            assert_eq!(Priming::Auto.applies(kind), expected, "{kind:?}");
            assert!(Priming::On.applies(kind));
            assert!(!Priming::Off.applies(kind));
        }
    }
}
