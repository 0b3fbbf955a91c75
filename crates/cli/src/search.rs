//! `plan-index search`: the same search the HTTP route runs.

use std::path::PathBuf;

use clap::Args;

use crate::{baked_index, print_json};
use plan_index_api::search::{self, QueryInput, SearchSpec};
use plan_index_api::{ApiError, Code};
use plan_index_api::{Rows, VectorInput, f32_rows};
use plan_index_core::search::{Filter, Query, check_k};

/// Arguments of `search`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("query").required(true).args(["vector_file", "text", "like"])))]
pub struct SearchArgs {
    /// Collection to search.
    pub collection: String,
    /// JSON file with one vector, or an array of vectors (a batch); or a `.f32` file of raw
    /// little-endian f32, one or more vectors of the index's dimension back to back.
    #[arg(long)]
    pub vector_file: Option<PathBuf>,
    /// A text query (baked embedding, or the local model).
    #[arg(long)]
    pub text: Option<String>,
    /// Search for items like the item with this id.
    #[arg(long)]
    pub like: Option<String>,
    /// Results per query.
    #[arg(long, default_value_t = 10, allow_negative_numbers = true)]
    pub k: i64,
    /// Metadata filter key=value (repeatable; all must match).
    #[arg(long = "where", value_name = "KEY=VALUE")]
    pub filters: Vec<String>,
    /// Drop results scoring below this.
    #[arg(long, allow_negative_numbers = true)]
    pub min_score: Option<f32>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn read_vector_file(path: &PathBuf, dim: usize) -> Result<Query, ApiError> {
    let cannot_read =
        |e: std::io::Error| ApiError::new(Code::Io, format!("cannot read {}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "f32") {
        let bytes = std::fs::read(path).map_err(cannot_read)?;
        let at = path.display().to_string();
        let mut rows = f32_rows(&bytes, Rows::Dim(dim), &at)?;
        return Ok(match rows.len() {
            1 => Query::Vector(rows.pop().unwrap_or_default()),
            _ => Query::Batch(rows),
        });
    }
    let text = std::fs::read_to_string(path).map_err(cannot_read)?;
    let value = serde_json::from_str(&text).map_err(|e| {
        ApiError::new(
            Code::MalformedJson,
            format!("{} is not JSON: {e}", path.display()),
        )
    })?;
    Ok(VectorInput::from_value(&value).into_query()?)
}

/// Runs `search`.
pub fn run(args: SearchArgs) -> Result<(), ApiError> {
    let query = match (&args.vector_file, &args.text, &args.like) {
        (Some(path), _, _) => QueryInput::Engine(read_vector_file(path, baked_index()?.dim())?),
        (_, Some(text), _) => QueryInput::Text(text.clone()),
        (_, _, Some(id)) => QueryInput::Engine(Query::Like(id.clone())),
        // clap requires one of the query arguments.
        _ => {
            return Err(ApiError::new(
                Code::InvalidRequest,
                "give one of --vector-file, --text or --like",
            ));
        }
    };
    let filters = args
        .filters
        .iter()
        .map(|f| f.parse::<Filter>())
        .collect::<Result<_, _>>()?;
    let spec = SearchSpec {
        collection: args.collection,
        query,
        k: check_k(args.k as f64)?,
        filters,
        min_score: args.min_score,
    };
    let response = search::run(baked_index()?, spec)?;
    if args.json {
        return print_json(&response);
    }
    let lists: Vec<&Vec<search::SearchResult>> = match (&response.results, &response.queries) {
        (Some(results), _) => vec![results],
        (_, Some(queries)) => queries.iter().map(|q| &q.results).collect(),
        _ => Vec::new(),
    };
    for (i, results) in lists.iter().enumerate() {
        if lists.len() > 1 {
            println!("query {i}");
        }
        println!("{:>4}  {:>9}  id", "rank", "score");
        for (rank, r) in results.iter().enumerate() {
            println!("{:>4}  {:>9.6}  {}", rank + 1, r.score, r.id);
        }
    }
    println!(
        "searched {} in {:.1} us",
        response.collection, response.search_us
    );
    Ok(())
}
