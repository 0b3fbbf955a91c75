//! `plan-index prepare`: rebuild index/*.json from index/sources/.

use clap::Args;

use super::CliError;
use crate::error::ErrorKind;

/// Arguments of `prepare`.
#[derive(Debug, Args)]
pub struct PrepareArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `prepare`.
pub fn run(_args: PrepareArgs) -> Result<(), CliError> {
    Err(CliError::new(
        "not_implemented",
        ErrorKind::Unavailable,
        "prepare is not implemented yet",
    ))
}
