//! `plan-index inspect`: what is baked into this binary.

use clap::Args;
use plan_index_api::action::{CollectionInfo, collection_infos};
use serde::Serialize;

use crate::{baked_index, print_json};
use plan_index_api::{ApiError, Code};

/// Arguments of `inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Also re-hash every byte and check the content hash.
    #[arg(long)]
    pub verify: bool,
}

/// A collection as `inspect` shows it: the listing of `/v1/collections`, its storage and
/// what its rows take in the blob.
#[derive(Serialize)]
struct Inspected<'a> {
    #[serde(flatten)]
    info: CollectionInfo<'a>,
    storage: &'static str,
    /// The f32 rows (always kept: the exact rescoring reads them).
    f32_bytes: u64,
    /// The compact rows with their scales, bounds and norms (0 for f32 storage).
    compact_bytes: u64,
}

#[derive(Serialize)]
struct Inspection<'a> {
    collections: Vec<Inspected<'a>>,
    dim: usize,
    metric: &'static str,
    model: &'a str,
    blob_bytes: usize,
    content_hash: String,
    format_version: u32,
    decode_us: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<bool>,
}

/// Runs `inspect`.
pub fn run(args: InspectArgs) -> Result<(), ApiError> {
    let index = baked_index()?;
    let report = Inspection {
        collections: collection_infos(index)
            .into_iter()
            .zip(index.entries())
            .map(|(info, entry)| Inspected {
                info,
                storage: entry.storage.as_str(),
                f32_bytes: u64::from(entry.len) * u64::from(entry.dim) * 4,
                compact_bytes: entry.compact.as_ref().map_or(0, |c| c.extent.len),
            })
            .collect(),
        dim: index.dim(),
        metric: index.metric().as_str(),
        model: index.model(),
        blob_bytes: index.blob_bytes(),
        content_hash: index.content_hash(),
        format_version: index.format_version(),
        decode_us: index.decode_time().as_secs_f64() * 1e6,
        verified: args.verify.then(|| index.verify()),
    };
    if report.verified == Some(false) {
        return Err(ApiError::new(
            Code::IndexCorrupt,
            "the baked blob does not match its content hash",
        ));
    }
    if args.json {
        return print_json(&report);
    }
    println!("model         {}", report.model);
    println!("dimension     {}", report.dim);
    println!("metric        {}", report.metric);
    println!("blob bytes    {}", report.blob_bytes);
    println!("content hash  {}", report.content_hash);
    println!("format        v{}", report.format_version);
    println!("decode        {:.0} us", report.decode_us);
    if let Some(ok) = report.verified {
        println!("verified      {ok}");
    }
    println!();
    println!(
        "{:<24} {:>8}  {:<7} {:>12} {:>12}  fields",
        "collection", "items", "storage", "f32 bytes", "compact"
    );
    for c in &report.collections {
        println!(
            "{:<24} {:>8}  {:<7} {:>12} {:>12}  {}",
            c.info.name,
            c.info.count,
            c.storage,
            c.f32_bytes,
            c.compact_bytes,
            c.info.fields.join(", ")
        );
    }
    Ok(())
}
