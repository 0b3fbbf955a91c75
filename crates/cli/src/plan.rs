//! `plan-index plan`: a whole training plan, as a table or as the JSON the Lambda returns.
//! `--list-queries` prints the canonical query texts of the baked index instead (what
//! `prepare` must embed), so a development index can be built without the model.

use clap::Args;

use crate::{baked_index, print_json};
use plan_index_api::{ApiError, Code};
use plan_index_plan::queries::{canonical_query_texts, sources_of};
use plan_index_plan::vocab::DAYS;
use plan_index_plan::{self as plan, Plan, PlanRequest, RaceDistance, RecentRace};

/// Arguments of `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Race: 5k, 10k, half_marathon, marathon, ultra.
    #[arg(long, required_unless_present = "list_queries")]
    pub race: Option<String>,
    /// Weeks until the race (4-30).
    #[arg(long, allow_negative_numbers = true)]
    pub weeks: Option<i64>,
    /// Race day, YYYY-MM-DD (instead of --weeks).
    #[arg(long)]
    pub race_date: Option<String>,
    /// First day of the plan, YYYY-MM-DD (default today; used with --race-date).
    #[arg(long)]
    pub start_date: Option<String>,
    /// beginner, intermediate or advanced.
    #[arg(long)]
    pub level: Option<String>,
    /// Chronic training load (sets the level when --level is absent).
    #[arg(long, allow_negative_numbers = true)]
    pub ctl: Option<f64>,
    /// Running days per week (3-7).
    #[arg(long, allow_negative_numbers = true)]
    pub days_per_week: Option<i64>,
    /// Philosophy id to use.
    #[arg(long)]
    pub philosophy: Option<String>,
    /// strict (default) or semantic.
    #[arg(long)]
    pub mode: Option<String>,
    /// Km the athlete runs a week now (default by level: 20, 40, 60).
    #[arg(long, allow_negative_numbers = true)]
    pub weekly_km: Option<f64>,
    /// The athlete's current longest run, km (default 30% of --weekly-km).
    #[arg(long, allow_negative_numbers = true)]
    pub long_run_km: Option<f64>,
    /// A recent race, DISTANCE=TIME: 10k=00:45:00, half_marathon=1:39:00 or 21.1=1:39:00.
    #[arg(long, value_name = "DISTANCE=TIME")]
    pub recent_race: Option<String>,
    /// Goal time of the target race, HH:MM:SS.
    #[arg(long)]
    pub goal_time: Option<String>,
    /// km (default) or mi.
    #[arg(long)]
    pub units: Option<String>,
    /// table (default), json or ics (an iCalendar file; without --start-date or --race-date
    /// the plan starts next Monday).
    #[arg(long)]
    pub format: Option<String>,
    /// Print the canonical query texts of the baked index instead of a plan.
    #[arg(long)]
    pub list_queries: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `DISTANCE=TIME` of --recent-race.
fn recent_race(text: &str) -> Result<RecentRace, ApiError> {
    let (distance, time) = text.split_once('=').ok_or_else(|| {
        ApiError::new(
            Code::MalformedField,
            format!(
                "--recent-race {text:?} is not DISTANCE=TIME (e.g. 10k=00:45:00 or 21.1=1:39:00)"
            ),
        )
    })?;
    Ok(RecentRace {
        distance: RaceDistance::Name(distance.trim().to_string()),
        time: time.trim().to_string(),
    })
}

impl PlanArgs {
    fn request(&self) -> Result<PlanRequest, ApiError> {
        Ok(PlanRequest {
            race: self.race.clone().unwrap_or_default(),
            weeks: self.weeks,
            race_date: self.race_date.clone(),
            start_date: self.start_date.clone(),
            level: self.level.clone(),
            ctl: self.ctl,
            days_per_week: self.days_per_week,
            philosophy: self.philosophy.clone(),
            mode: self.mode.clone(),
            weekly_km: self.weekly_km,
            long_run_km: self.long_run_km,
            recent_race: self.recent_race.as_deref().map(recent_race).transpose()?,
            goal_time: self.goal_time.clone(),
            units: self.units.clone(),
        })
    }
}

/// Runs `plan`.
pub fn run(args: PlanArgs) -> Result<(), ApiError> {
    let index = baked_index()?;
    if args.list_queries {
        let texts = canonical_query_texts(&sources_of(index).map_err(|e| ApiError::from(&e))?);
        if args.json {
            return print_json(&texts);
        }
        texts.iter().for_each(|t| println!("{t}"));
        return Ok(());
    }
    let format = match (args.format.as_deref(), args.json) {
        (None | Some("table"), false) => "table",
        (None | Some("json"), true) | (Some("json"), false) => "json",
        (Some("ics"), _) => "ics",
        (Some(other), _) => {
            return Err(ApiError::new(
                Code::InvalidValue,
                format!("unknown --format {other:?}; use table, json or ics"),
            ));
        }
    };
    let mut request = args.request()?;
    if format == "ics" {
        request = plan::detail::calendar_request_today(&request);
    }
    let plan = plan::plan(index, &request)?;
    match format {
        "json" => print_json(&plan),
        "ics" => {
            let ics = plan::ics(&plan).ok_or_else(|| {
                ApiError::new(Code::Internal, "the plan has no dates for a calendar")
            })?;
            print!("{ics}");
            Ok(())
        }
        _ => {
            print!("{}", table(&plan));
            Ok(())
        }
    }
}

/// Short name of a template for the table: its id without the session type part.
fn short(id: &str) -> &str {
    id.rsplit("__").next().unwrap_or(id)
}

/// The plan as a readable table: one row per week, one column per day.
pub fn table(plan: &Plan) -> String {
    let mut out = String::new();
    let r = &plan.request;
    out += &format!(
        "{} plan, {} weeks, {} level, {} days per week ({} mode)\n",
        r.race,
        r.weeks.unwrap_or_default(),
        r.level.as_deref().unwrap_or("?"),
        r.days_per_week.unwrap_or_default(),
        r.mode.as_deref().unwrap_or("strict"),
    );
    out += &format!(
        "philosophy: {} (score {:.3})\n",
        plan.philosophy.id, plan.philosophy.score
    );
    let miles = plan.training.as_ref().is_some_and(|t| t.units == "mi");
    let unit = if miles { "mi" } else { "km" };
    if let Some(t) = &plan.training {
        out += &format!(
            "volume: from {} km a week (long run {} km) to a peak of {} km (target {} km); \
             longest run {} km; VDOT {} ({})\n",
            t.weekly_km,
            t.long_run_km,
            t.peak_km,
            t.target_peak_km,
            t.longest_run_km,
            t.vdot,
            t.pace_source
        );
        if let Some(paces) = &t.paces {
            let listed: Vec<String> = paces.iter().map(|(n, p)| format!("{n} {p}")).collect();
            out += &format!("paces: {}\n", listed.join(", "));
        }
    }
    out += "\n";
    out += &format!("{:>4} {:<6} {:>4} {:>6}", "week", "phase", "days", unit);
    for day in DAYS {
        out += &format!("  {day:<16}");
    }
    out += "  structure\n";
    for week in &plan.weeks {
        let volume = if miles {
            week.detail.volume_mi.unwrap_or_default()
        } else {
            week.detail.volume_km
        };
        let cutback = if week.detail.cutback { "*" } else { " " };
        out += &format!(
            "{:>4} {:<6} {:>4} {:>5.1}{cutback}",
            week.week, week.phase, week.days_to_race, volume
        );
        for day in &week.days {
            out += &format!("  {:<16}", day.session_type);
        }
        out += &format!("  {} ({:.3})\n", week.structure.id, week.structure.score);
        out += &format!("{:23}", "");
        for day in &week.days {
            let name = day.template.as_ref().map_or("-", |t| short(&t.id));
            out += &format!("  {:<16}", truncate(name, 16));
        }
        out += "\n";
        out += &format!("{:23}", "");
        for day in &week.days {
            let distance = if miles {
                day.detail.distance_mi
            } else {
                day.detail.distance_km
            };
            let cell = match (distance, day.detail.duration_min) {
                (Some(d), Some(m)) => format!("{d:.1} {unit} {m}'"),
                (Some(d), None) => format!("{d:.1} {unit}"),
                _ => "-".to_string(),
            };
            out += &format!("  {cell:<16}");
        }
        out += "\n";
    }
    out += "\n(* cutback week; distances and minutes per day)\n";
    out += "\nknowledge:\n";
    for p in &plan.knowledge {
        out += &format!(
            "  {:<40} {:.3}  backs {}\n",
            p.item.id, p.item.score, p.backs
        );
    }
    if !plan.warnings.is_empty() {
        out += "\nwarnings:\n";
        for w in &plan.warnings {
            out += &format!("  - {w}\n");
        }
    }
    out += &format!(
        "\nindex {}, {:.1} us of compute\n",
        &plan.index_hash[..plan.index_hash.len().min(12)],
        plan.compute_us
    );
    out
}

fn truncate(text: &str, width: usize) -> &str {
    match text.char_indices().nth(width) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}
