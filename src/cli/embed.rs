//! `plan-index embed`: the query embedding the function would use.

use clap::Args;

use super::CliError;
use crate::error::ErrorKind;

/// Arguments of `embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Text to embed.
    pub text: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `embed`.
pub fn run(_args: EmbedArgs) -> Result<(), CliError> {
    Err(CliError::new(
        "not_implemented",
        ErrorKind::Unavailable,
        "embed is not implemented yet",
    ))
}
