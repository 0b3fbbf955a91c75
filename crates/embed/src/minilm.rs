//! all-MiniLM-L6-v2 in pure Rust: the BERT encoder with candle, the WordPiece tokenizer with
//! tokenizers, masked mean pooling and L2 normalisation, as sentence-transformers does it.
//!
//! The model files come from `scripts/fetch-model.sh`; nothing is downloaded at run time. The
//! encoder is small enough (6 layers, 384 wide) that writing it out here costs less than a
//! dependency on candle-transformers, and keeps every step visible for the parity test.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Embedding, LayerNorm, VarBuilder};
use serde::Deserialize;
use tokenizers::{Tokenizer, TruncationParams};

use super::{EmbedError, Embedder};

/// The model id written to `manifest.json`.
pub const MODEL_ID: &str = "sentence-transformers/all-MiniLM-L6-v2";
/// Length of its vectors.
pub const DIM: usize = 384;
/// sentence-transformers' `max_seq_length` for this model; longer texts are truncated.
pub const MAX_TOKENS: usize = 256;
/// Where `scripts/fetch-model.sh` puts the files, relative to the repository.
pub const DEFAULT_MODEL_DIR: &str = "models/all-MiniLM-L6-v2";
/// Environment variable naming another model folder.
pub const MODEL_DIR_ENV: &str = "PLAN_INDEX_MODEL_DIR";
/// The files the embedder reads.
pub const MODEL_FILES: [&str; 3] = ["model.safetensors", "tokenizer.json", "config.json"];
/// Texts per forward pass when embedding many (prepare); bounds padding waste and memory.
const BATCH: usize = 16;

/// The command that puts the model files in place, named in every error about them.
const FETCH_HINT: &str = "run `bash scripts/fetch-model.sh` (or point PLAN_INDEX_MODEL_DIR at a folder holding model.safetensors, tokenizer.json and config.json)";

/// The folder holding the model files: `$PLAN_INDEX_MODEL_DIR`, else `models/all-MiniLM-L6-v2`
/// under the working directory, else under this crate's source tree (for tests and benches).
pub fn model_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(MODEL_DIR_ENV) {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from(DEFAULT_MODEL_DIR);
    if local.is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_MODEL_DIR)
}

/// Whether every model file exists in `dir` (tests skip on this, nothing else should).
pub fn model_files_present(dir: &Path) -> bool {
    MODEL_FILES.iter().all(|f| dir.join(f).is_file())
}

/// The process-wide model, loaded on first use. A failed load is remembered too, so every
/// later text query gets the same clear error instead of retrying a slow load.
pub fn shared() -> Result<&'static MiniLm, EmbedError> {
    SHARED
        .get_or_init(|| MiniLm::load(&model_dir()))
        .as_ref()
        .map_err(Clone::clone)
}

/// The shared model behind the [`Embedder`] trait, loaded by the first `embed_batch` call: a
/// `prepare` run with nothing to embed never reads the 90 MB of weights.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shared;

impl Embedder for Shared {
    fn model_id(&self) -> &str {
        MODEL_ID
    }

    fn dim(&self) -> usize {
        DIM
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        shared()?.embed_batch(texts)
    }
}

/// Whether the shared model has been loaded (to check that vector queries never load it).
pub fn is_loaded() -> bool {
    SHARED.get().is_some()
}

static SHARED: OnceLock<Result<MiniLm, EmbedError>> = OnceLock::new();

/// The fields of `config.json` the encoder needs.
#[derive(Debug, Deserialize)]
struct BertConfig {
    vocab_size: usize,
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    max_position_embeddings: usize,
    type_vocab_size: usize,
    layer_norm_eps: f64,
    hidden_act: String,
}

/// The loaded model: tokenizer and encoder weights.
pub struct MiniLm {
    tokenizer: Tokenizer,
    bert: Bert,
}

impl std::fmt::Debug for MiniLm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLm").finish_non_exhaustive()
    }
}

fn files_error(dir: &Path, what: impl std::fmt::Display) -> EmbedError {
    EmbedError::ModelFiles(format!(
        "cannot load the embedding model from {}: {what}; {FETCH_HINT}",
        dir.display()
    ))
}

fn failed(e: impl std::fmt::Display) -> EmbedError {
    EmbedError::Failed(e.to_string())
}

impl MiniLm {
    /// Loads the model files from `dir`; a missing or unreadable file names the fix.
    pub fn load(dir: &Path) -> Result<MiniLm, EmbedError> {
        for file in MODEL_FILES {
            if !dir.join(file).is_file() {
                return Err(files_error(dir, format!("{file} is missing")));
            }
        }
        let config = read_config(dir)?;
        let tokenizer = load_tokenizer(dir)?;
        let weights = dir.join("model.safetensors");
        // SAFETY: the file is mapped only while the weights are copied out below, and the
        // fetch script replaces model files by rename, never by writing into them in place.
        let vb =
            unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, &Device::Cpu) }
                .map_err(|e| files_error(dir, format!("model.safetensors: {e}")))?;
        let bert = Bert::load(vb, &config)
            .map_err(|e| files_error(dir, format!("model.safetensors: {e}")))?;
        Ok(MiniLm { tokenizer, bert })
    }

    /// Token ids of `text`: `[CLS] ... [SEP]`, truncated at [`MAX_TOKENS`], not padded.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, EmbedError> {
        let encoding = self.tokenizer.encode(text, true).map_err(failed)?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Embeds texts whose token ids are known, padding each batch to its longest member.
    fn embed_tokens(&self, batch: &[Vec<u32>]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let longest = batch.iter().map(Vec::len).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(batch.len() * longest);
        let mut mask = Vec::with_capacity(batch.len() * longest);
        for row in batch {
            ids.extend_from_slice(row);
            ids.resize(ids.len() + longest - row.len(), 0);
            mask.extend(std::iter::repeat_n(1f32, row.len()));
            mask.resize(mask.len() + longest - row.len(), 0.0);
        }
        let shape = (batch.len(), longest);
        let ids = Tensor::from_vec(ids, shape, &Device::Cpu).map_err(failed)?;
        let mask = Tensor::from_vec(mask, shape, &Device::Cpu).map_err(failed)?;
        let pooled = self
            .bert
            .forward(&ids, &mask)
            .and_then(|hidden| mean_pool_normalise(&hidden, &mask))
            .map_err(failed)?;
        pooled.to_vec2::<f32>().map_err(failed)
    }
}

impl Embedder for MiniLm {
    fn model_id(&self) -> &str {
        MODEL_ID
    }

    fn dim(&self) -> usize {
        DIM
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let tokens = texts
            .iter()
            .map(|t| self.token_ids(t))
            .collect::<Result<Vec<_>, _>>()?;
        // Texts of similar length share a batch, so little time goes into padding.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| tokens[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for group in order.chunks(BATCH) {
            let batch: Vec<Vec<u32>> = group.iter().map(|&i| tokens[i].clone()).collect();
            for (&i, vector) in group.iter().zip(self.embed_tokens(&batch)?) {
                out[i] = vector;
            }
        }
        Ok(out)
    }
}

fn read_config(dir: &Path) -> Result<BertConfig, EmbedError> {
    let text = std::fs::read_to_string(dir.join("config.json"))
        .map_err(|e| files_error(dir, format!("config.json: {e}")))?;
    let config: BertConfig =
        serde_json::from_str(&text).map_err(|e| files_error(dir, format!("config.json: {e}")))?;
    let fits = config.hidden_size == DIM
        && config.hidden_act == "gelu"
        && config.num_attention_heads > 0
        && config
            .hidden_size
            .is_multiple_of(config.num_attention_heads);
    if !fits {
        return Err(files_error(
            dir,
            "config.json does not describe all-MiniLM-L6-v2 (384 wide, gelu)",
        ));
    }
    Ok(config)
}

fn load_tokenizer(dir: &Path) -> Result<Tokenizer, EmbedError> {
    let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
        .map_err(|e| files_error(dir, format!("tokenizer.json: {e}")))?;
    // The shipped tokenizer.json pads every text to 128 and truncates at 128; the model was
    // trained and is used by sentence-transformers with 256 and no padding.
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: MAX_TOKENS,
            ..Default::default()
        }))
        .map_err(|e| files_error(dir, format!("tokenizer.json: {e}")))?;
    Ok(tokenizer)
}

/// Mean of the token vectors where `mask` is 1, scaled to unit length.
fn mean_pool_normalise(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask = mask.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.clamp(1e-9, f32::MAX)?;
    let mean = summed.broadcast_div(&counts)?;
    let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f32::MAX)?;
    mean.broadcast_div(&norm)
}

/// The BERT encoder: embeddings, then self-attention layers.
struct Bert {
    word: Embedding,
    position: Embedding,
    token_type: Embedding,
    norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
}

/// A dense layer whose weight is stored transposed, `(in, out)` row-major: the matmul then
/// packs its right-hand side with sequential reads, which dominates for few-token queries.
struct Dense {
    weight_t: Tensor,
    bias: Tensor,
}

impl Dense {
    /// Loads `weight (out, in)` and `bias (out)` under each prefix and stacks them along the
    /// output, so query, key and value take one matmul instead of three.
    fn load(vbs: &[VarBuilder], inputs: usize, outputs: usize) -> candle_core::Result<Dense> {
        let mut weights = Vec::with_capacity(vbs.len());
        let mut biases = Vec::with_capacity(vbs.len());
        for vb in vbs {
            weights.push(vb.get((outputs, inputs), "weight")?.t()?);
            biases.push(vb.get(outputs, "bias")?);
        }
        Ok(Dense {
            weight_t: Tensor::cat(&weights, 1)?.contiguous()?,
            bias: Tensor::cat(&biases, 0)?,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let (batch, tokens, inputs) = x.dims3()?;
        x.reshape((batch * tokens, inputs))?
            .matmul(&self.weight_t)?
            .broadcast_add(&self.bias)?
            .reshape((batch, tokens, ()))
    }
}

/// One transformer layer.
struct Layer {
    qkv: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

fn layer_norm(size: usize, eps: f64, vb: VarBuilder) -> candle_core::Result<LayerNorm> {
    candle_nn::layer_norm(size, eps, vb)
}

impl Bert {
    fn load(vb: VarBuilder, c: &BertConfig) -> candle_core::Result<Bert> {
        let e = vb.pp("embeddings");
        let h = c.hidden_size;
        let layers = (0..c.num_hidden_layers)
            .map(|i| Layer::load(vb.pp(format!("encoder.layer.{i}")), c))
            .collect::<candle_core::Result<_>>()?;
        Ok(Bert {
            word: candle_nn::embedding(c.vocab_size, h, e.pp("word_embeddings"))?,
            position: candle_nn::embedding(
                c.max_position_embeddings,
                h,
                e.pp("position_embeddings"),
            )?,
            token_type: candle_nn::embedding(c.type_vocab_size, h, e.pp("token_type_embeddings"))?,
            norm: layer_norm(h, c.layer_norm_eps, e.pp("LayerNorm"))?,
            layers,
            heads: c.num_attention_heads,
        })
    }

    /// Hidden states `(batch, tokens, hidden)` for token ids and a 1/0 attention mask.
    fn forward(&self, ids: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let (_, tokens) = ids.dims2()?;
        let positions = Tensor::arange(0u32, tokens as u32, ids.device())?.unsqueeze(0)?;
        // Single-sentence input: every token has type 0.
        let types = ids.zeros_like()?;
        let x = self
            .word
            .forward(ids)?
            .broadcast_add(&self.position.forward(&positions)?)?
            .broadcast_add(&self.token_type.forward(&types)?)?;
        let mut x = self.norm.forward(&x)?;
        // Padded positions get a large negative score, so softmax gives them no weight; a
        // batch without padding (every single query) skips the extra add.
        let padded = mask.min_all()?.to_scalar::<f32>()? < 1.0;
        let bias = if padded {
            Some(
                ((mask.ones_like()? - mask)? * -1e9)?
                    .unsqueeze(1)?
                    .unsqueeze(1)?,
            )
        } else {
            None
        };
        for layer in &self.layers {
            x = layer.forward(&x, bias.as_ref(), self.heads)?;
        }
        Ok(x)
    }
}

impl Layer {
    fn load(vb: VarBuilder, c: &BertConfig) -> candle_core::Result<Layer> {
        let h = c.hidden_size;
        let eps = c.layer_norm_eps;
        let attention = vb.pp("attention");
        let own = attention.pp("self");
        Ok(Layer {
            qkv: Dense::load(&[own.pp("query"), own.pp("key"), own.pp("value")], h, h)?,
            attention_out: Dense::load(&[attention.pp("output.dense")], h, h)?,
            attention_norm: layer_norm(h, eps, attention.pp("output.LayerNorm"))?,
            intermediate: Dense::load(&[vb.pp("intermediate.dense")], h, c.intermediate_size)?,
            output: Dense::load(&[vb.pp("output.dense")], c.intermediate_size, h)?,
            output_norm: layer_norm(h, eps, vb.pp("output.LayerNorm"))?,
        })
    }

    fn forward(
        &self,
        x: &Tensor,
        bias: Option<&Tensor>,
        heads: usize,
    ) -> candle_core::Result<Tensor> {
        let (batch, tokens, hidden) = x.dims3()?;
        let head_dim = hidden / heads;
        let split = |t: Tensor| -> candle_core::Result<Tensor> {
            t.reshape((batch, tokens, heads, head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        let qkv = self.qkv.forward(x)?;
        let q = split(qkv.narrow(2, 0, hidden)?)?;
        let k = split(qkv.narrow(2, hidden, hidden)?)?;
        let v = split(qkv.narrow(2, 2 * hidden, hidden)?)?;
        let scores = (q.matmul(&k.t()?.contiguous()?)? / (head_dim as f64).sqrt())?;
        let scores = match bias {
            Some(bias) => scores.broadcast_add(bias)?,
            None => scores,
        };
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .reshape((batch, tokens, hidden))?;
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context)? + x)?)?;
        let inner = self.intermediate.forward(&attended)?.gelu_erf()?;
        self.output_norm
            .forward(&(self.output.forward(&inner)? + &attended)?)
    }
}
