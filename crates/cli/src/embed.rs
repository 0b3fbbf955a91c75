//! `plan-index embed`: the query embedding the function would use.

use clap::Args;
use serde::Serialize;

use crate::{baked_index, print_json};
use plan_index_api::ApiError;
use plan_index_embed::{self as embed, EmbeddedBy};

/// Arguments of `embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Text to embed.
    pub text: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// What `embed --json` prints.
#[derive(Debug, Serialize)]
struct EmbedOutput<'a> {
    model: &'a str,
    dim: usize,
    embedding: Vec<f32>,
    embedded: EmbeddedBy,
}

/// Runs `embed`.
pub fn run(args: EmbedArgs) -> Result<(), ApiError> {
    let index = baked_index()?;
    let found = embed::embed_query(index, &args.text)?;
    // A computed vector is only returned when the embedder's model is the index's, so the
    // index's model names both.
    let output = EmbedOutput {
        model: index.model(),
        dim: found.vector.len(),
        embedding: found.vector,
        embedded: found.embedded,
    };
    if args.json {
        return print_json(&output);
    }
    let how = match output.embedded {
        EmbeddedBy::Baked => "baked",
        EmbeddedBy::Model => "model",
    };
    println!("model {} dim {} ({how})", output.model, output.dim);
    let shown: Vec<String> = output.embedding.iter().map(|x| format!("{x:.6}")).collect();
    println!("[{}]", shown.join(", "));
    Ok(())
}
