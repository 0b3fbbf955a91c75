//! `plan-index plan`: a whole training plan.

use clap::Args;

use super::CliError;
use crate::error::ErrorKind;

/// Arguments of `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Race: 5k, 10k, half_marathon, marathon, ultra.
    #[arg(long)]
    pub race: String,
    /// Weeks until the race (4-30).
    #[arg(long)]
    pub weeks: Option<i64>,
    /// beginner, intermediate or advanced.
    #[arg(long)]
    pub level: Option<String>,
    /// Running days per week (3-7).
    #[arg(long)]
    pub days_per_week: Option<i64>,
    /// Philosophy id to use.
    #[arg(long)]
    pub philosophy: Option<String>,
    /// strict (default) or semantic.
    #[arg(long)]
    pub mode: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `plan`.
pub fn run(_args: PlanArgs) -> Result<(), CliError> {
    Err(CliError::new(
        "not_implemented",
        ErrorKind::Unavailable,
        "plan is not implemented yet",
    ))
}
