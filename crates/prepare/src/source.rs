//! Reading `index/sources/<collection>/**/*.md` into items (docs/sources.md is the format).
//!
//! Everything a mistake in a hand-written document can cause is reported here with the file
//! name, before any embedding time is spent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::PrepareError;

/// Metadata key added to every chunk: the section heading.
pub const SECTION_KEY: &str = "section";

/// One item to embed, before it has a vector.
#[derive(Clone, Debug, PartialEq)]
pub struct DocItem {
    /// Unique within the collection.
    pub id: String,
    /// The text that is embedded.
    pub text: String,
    /// Whether `text` is stored in the collection file (chunked documents).
    pub store_text: bool,
    /// Filterable metadata.
    pub metadata: Option<Map<String, Value>>,
    /// Returned with results.
    pub payload: Option<Value>,
}

/// A document's front matter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: Option<String>,
    #[serde(default)]
    metadata: Option<serde_yaml::Value>,
    #[serde(default)]
    payload: Option<serde_yaml::Value>,
    #[serde(default)]
    chunk: Option<String>,
}

/// The collections under `sources`: each sub-folder name with its `.md` files, sorted.
pub fn collection_dirs(sources: &Path) -> Result<Vec<(String, PathBuf)>, PrepareError> {
    let entries = std::fs::read_dir(sources).map_err(|e| PrepareError::io(sources, e))?;
    let mut dirs = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| PrepareError::io(sources, e))?.path();
        if !path.is_dir() {
            continue;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return Err(PrepareError::source(&path, "folder name is not UTF-8"));
        };
        if !valid_name(name) {
            return Err(PrepareError::source(
                &path,
                "a collection folder name must match [a-z0-9_]+",
            ));
        }
        dirs.push((name.to_string(), path));
    }
    dirs.sort();
    Ok(dirs)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Whether `id` matches `[a-z0-9_.-]+`, the ids docs/sources.md allows.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        })
}

/// Whether `path` names a document (`*.md`).
pub fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "md")
}

/// Every file under `dir` (folders descended into), in sorted path order.
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>, PrepareError> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| PrepareError::io(&folder, e))?;
        for entry in entries {
            let path = entry.map_err(|e| PrepareError::io(&folder, e))?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Every `.md` file under `dir`, in sorted path order.
pub fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>, PrepareError> {
    let mut files = files_under(dir)?;
    files.retain(|f| is_markdown(f));
    Ok(files)
}

/// The items of one collection folder, in file order, ids checked for uniqueness.
pub fn read_collection(dir: &Path) -> Result<Vec<DocItem>, PrepareError> {
    let mut items = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for file in markdown_files(dir)? {
        for item in read_document(&file)? {
            if let Some(first) = seen.get(&item.id) {
                return Err(PrepareError::source(
                    &file,
                    format!("duplicate id {:?} (also in {})", item.id, first.display()),
                ));
            }
            seen.insert(item.id.clone(), file.clone());
            items.push(item);
        }
    }
    Ok(items)
}

/// A document as written: its front matter (metadata and payload already checked to be what
/// the index can hold) and its body.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// `id`, as written (not yet checked against `[a-z0-9_.-]+`).
    pub id: Option<String>,
    /// `metadata`.
    pub metadata: Option<Map<String, Value>>,
    /// `payload`.
    pub payload: Option<Value>,
    /// `chunk`.
    pub chunk: Option<String>,
    /// Everything after the front matter, trimmed.
    pub body: String,
}

/// Reads one document: its front matter (unknown keys refused) and its body.
pub fn parse_document(file: &Path) -> Result<Document, PrepareError> {
    let raw = std::fs::read_to_string(file).map_err(|e| PrepareError::io(file, e))?;
    let (front, body) = split_front_matter(&raw).ok_or_else(|| {
        PrepareError::source(
            file,
            "no YAML front matter (the file must start with a line `---` and close it with `---`)",
        )
    })?;
    let front: FrontMatter = serde_yaml::from_str(front)
        .map_err(|e| PrepareError::source(file, format!("invalid front matter: {e}")))?;
    let fail = |message: String| PrepareError::source(file, message);
    let metadata = front
        .metadata
        .map(read_metadata)
        .transpose()
        .map_err(fail)?;
    let payload = front
        .payload
        .map(|p| yaml_to_json(p).map_err(|e| format!("payload: {e}")))
        .transpose()
        .map_err(fail)?;
    Ok(Document {
        id: front.id,
        metadata,
        payload,
        chunk: front.chunk,
        body: body.trim().to_string(),
    })
}

impl Document {
    /// The item(s) `prepare` makes of it: one, or one per `## ` section with
    /// `chunk: sections`; or why it cannot make any.
    pub fn into_items(self) -> Result<Vec<DocItem>, String> {
        let id = self.id.ok_or("front matter has no `id`")?;
        if !valid_id(&id) {
            return Err(format!("id {id:?} must match [a-z0-9_.-]+"));
        }
        match self.chunk.as_deref() {
            None => {
                if self.body.is_empty() {
                    return Err("the body is empty: there is nothing to embed".into());
                }
                Ok(vec![DocItem {
                    id,
                    text: self.body,
                    store_text: false,
                    metadata: self.metadata,
                    payload: self.payload,
                }])
            }
            Some("sections") => chunk_sections(
                &id,
                &self.body,
                self.metadata.as_ref(),
                self.payload.as_ref(),
            ),
            Some(other) => Err(format!(
                "unknown chunk mode {other:?} (the only one is `sections`)"
            )),
        }
    }
}

/// The item(s) of one document: one, or one per `## ` section with `chunk: sections`.
pub fn read_document(file: &Path) -> Result<Vec<DocItem>, PrepareError> {
    parse_document(file)?
        .into_items()
        .map_err(|message| PrepareError::source(file, message))
}

/// Splits `---\n<yaml>\n---\n<body>` into the YAML and the body.
fn split_front_matter(raw: &str) -> Option<(&str, &str)> {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let rest = raw
        .strip_prefix("---\n")
        .or_else(|| raw.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

/// Checks metadata against what the index can filter on: scalars and lists of strings.
fn read_metadata(raw: serde_yaml::Value) -> Result<Map<String, Value>, String> {
    let Value::Object(map) = yaml_to_json(raw).map_err(|e| format!("metadata: {e}"))? else {
        return Err("metadata must be a mapping of keys to values".into());
    };
    for (key, value) in &map {
        let ok = match value {
            Value::String(_) | Value::Bool(_) | Value::Number(_) => true,
            Value::Array(list) => list.iter().all(Value::is_string),
            Value::Null | Value::Object(_) => false,
        };
        if !ok {
            return Err(format!(
                "metadata {key:?} must be a string, integer, float, bool or list of strings, got {value}"
            ));
        }
    }
    Ok(map)
}

/// YAML to JSON; refuses what JSON cannot hold (non-string keys, NaN, tags).
fn yaml_to_json(value: serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let x = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(x)
                    .map(Value::Number)
                    .ok_or_else(|| format!("{x} is not a finite number"))?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(list) => Value::Array(
            list.into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let Y::String(key) = k else {
                    return Err(format!("mapping key {k:?} is not a string"));
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => return Err(format!("YAML tag {} is not supported", t.tag)),
    })
}

/// A body cut at its `## ` headings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sections<'a> {
    /// The `# ` title line, when the body has one before its first section.
    pub title: Option<&'a str>,
    /// Other text before the first section.
    pub preamble: String,
    /// Each section's heading (without `## `) and body lines.
    pub sections: Vec<(&'a str, String)>,
}

/// Cuts `body` at its `## ` headings.
pub fn split_sections(body: &str) -> Sections<'_> {
    let mut title: Option<&str> = None;
    let mut preamble: Vec<&str> = Vec::new();
    let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in body.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            sections.push((heading.trim(), Vec::new()));
        } else if let Some(section) = sections.last_mut() {
            section.1.push(line);
        } else if title.is_none() && line.starts_with("# ") {
            title = Some(line.trim_end());
        } else {
            preamble.push(line);
        }
    }
    Sections {
        title,
        preamble: preamble.join("\n"),
        sections: sections
            .into_iter()
            .map(|(heading, lines)| (heading, lines.join("\n")))
            .collect(),
    }
}

/// `## ` sections of a body; text before the first one belongs to the first section.
fn chunk_sections(
    id: &str,
    body: &str,
    metadata: Option<&Map<String, Value>>,
    payload: Option<&Value>,
) -> Result<Vec<DocItem>, String> {
    let Sections {
        title,
        preamble,
        sections,
    } = split_sections(body);
    if sections.is_empty() {
        return Err("`chunk: sections` but the body has no `## ` heading".into());
    }
    let mut seen = HashMap::new();
    let mut items = Vec::with_capacity(sections.len());
    for (n, (heading, section_body)) in sections.into_iter().enumerate() {
        let slug = slug(heading);
        if slug.is_empty() {
            return Err(format!(
                "section heading {heading:?} has no letters or digits"
            ));
        }
        if let Some(other) = seen.insert(slug.clone(), heading) {
            return Err(format!(
                "sections {other:?} and {heading:?} give the same id {id}--{slug}"
            ));
        }
        let mut parts: Vec<&str> = title.into_iter().collect();
        if n == 0 && !preamble.trim().is_empty() {
            parts.push(preamble.trim());
        }
        let heading_line = format!("## {heading}");
        parts.push(&heading_line);
        if section_body.trim().is_empty() {
            return Err(format!("section {heading:?} is empty"));
        }
        parts.push(section_body.trim());
        let mut meta = metadata.cloned().unwrap_or_default();
        meta.insert(SECTION_KEY.into(), Value::String(heading.to_string()));
        items.push(DocItem {
            id: format!("{id}--{slug}"),
            text: parts.join("\n\n"),
            store_text: true,
            metadata: Some(meta),
            payload: payload.cloned(),
        });
    }
    Ok(items)
}

/// Lower-case ASCII letters and digits, runs of anything else as one `-`.
pub fn slug(heading: &str) -> String {
    let mut out = String::with_capacity(heading.len());
    for c in heading.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_and_dashed() {
        assert_eq!(slug("Race-week details"), "race-week-details");
        assert_eq!(slug("  A two-week  reduction!"), "a-two-week-reduction");
        assert_eq!(slug("Über 10 km"), "ber-10-km");
    }

    #[test]
    fn sections_carry_title_preamble_and_heading() {
        let body = "# Title\n\nIntro.\n\n## First part\n\nOne.\n\n## Second\n\nTwo.";
        let items = chunk_sections("doc", body, None, None).expect("chunks");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].id, "doc--first-part");
        assert_eq!(items[0].text, "# Title\n\nIntro.\n\n## First part\n\nOne.");
        assert_eq!(items[1].text, "# Title\n\n## Second\n\nTwo.");
        let section = &items[1].metadata.as_ref().expect("metadata")[SECTION_KEY];
        assert_eq!(section, "Second");
    }

    #[test]
    fn front_matter_is_split_at_the_closing_line() {
        let (front, body) = split_front_matter("---\nid: a\n---\nbody\n").expect("split");
        assert_eq!(front, "id: a\n");
        assert_eq!(body, "body\n");
        assert!(split_front_matter("id: a\n---\n").is_none());
        assert!(split_front_matter("---\nid: a\n").is_none());
    }
}
