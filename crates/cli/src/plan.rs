//! `plan-index plan`: a whole training plan, as a table or as the JSON the Lambda returns.
//! `--list-queries` prints the canonical query texts of the baked index instead (what
//! `prepare` must embed), so a development index can be built without the model.

use clap::Args;

use crate::{baked_index, print_json};
use plan_index_api::ApiError;
use plan_index_plan::queries::{canonical_query_texts, sources_of};
use plan_index_plan::vocab::DAYS;
use plan_index_plan::{self as plan, Plan, PlanRequest};

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
    /// Print the canonical query texts of the baked index instead of a plan.
    #[arg(long)]
    pub list_queries: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

impl PlanArgs {
    fn request(&self) -> PlanRequest {
        PlanRequest {
            race: self.race.clone().unwrap_or_default(),
            weeks: self.weeks,
            race_date: self.race_date.clone(),
            start_date: self.start_date.clone(),
            level: self.level.clone(),
            ctl: self.ctl,
            days_per_week: self.days_per_week,
            philosophy: self.philosophy.clone(),
            mode: self.mode.clone(),
        }
    }
}

/// Runs `plan`.
pub fn run(args: PlanArgs) -> Result<(), ApiError> {
    let index = baked_index()?;
    if args.list_queries {
        let texts = canonical_query_texts(&sources_of(index));
        if args.json {
            return print_json(&texts);
        }
        texts.iter().for_each(|t| println!("{t}"));
        return Ok(());
    }
    let plan = plan::plan(index, &args.request())?;
    if args.json {
        return print_json(&plan);
    }
    print!("{}", table(&plan));
    Ok(())
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
        "philosophy: {} (score {:.3})\n\n",
        plan.philosophy.id, plan.philosophy.score
    );
    out += &format!("{:>4} {:<6} {:>4}", "week", "phase", "days");
    for day in DAYS {
        out += &format!("  {day:<16}");
    }
    out += "  structure\n";
    for week in &plan.weeks {
        out += &format!(
            "{:>4} {:<6} {:>4}",
            week.week, week.phase, week.days_to_race
        );
        for day in &week.days {
            out += &format!("  {:<16}", day.session_type);
        }
        out += &format!("  {} ({:.3})\n", week.structure.id, week.structure.score);
        out += &format!("{:16}", "");
        for day in &week.days {
            let name = day.template.as_ref().map_or("-", |t| short(&t.id));
            out += &format!("  {:<16}", truncate(name, 16));
        }
        out += "\n";
    }
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
