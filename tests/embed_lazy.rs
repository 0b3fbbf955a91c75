//! The model loads on the first text query that needs it, never for vector queries, `like`
//! queries, baked texts or refused texts. One test per file: the model is process-wide.
#![cfg(feature = "embed")]

use plan_index_api::search::{self, QueryInput, SearchSpec};
use plan_index_core::search::Query;
use plan_index_embed::minilm;

fn search(index: &plan_index_core::BakedIndex, collection: &str, query: QueryInput) {
    let request = SearchSpec {
        collection: collection.into(),
        query,
        k: 3,
        filters: Vec::new(),
        min_score: None,
    };
    let _ = search::run(index, request);
}

#[test]
fn only_a_text_that_is_not_baked_loads_the_model() {
    let index = plan_index::baked().expect("baked index");
    let collection = index
        .collections()
        .next()
        .expect("a collection")
        .expect("intact");
    let name = collection.name().to_string();
    let vector = collection.vector(0).expect("intact").to_vec();
    search(index, &name, QueryInput::Engine(Query::Vector(vector)));
    search(
        index,
        &name,
        QueryInput::Engine(Query::Like(collection.item(0).id.to_string())),
    );
    search(index, &name, QueryInput::Text("   ".into()));
    assert!(
        !minilm::is_loaded(),
        "a query without text loaded the model"
    );
    if index.model() != minilm::MODEL_ID || !minilm::model_files_present(&minilm::model_dir()) {
        eprintln!("SKIPPED the loading half: the baked index is not MiniLM's or files are absent");
        return;
    }
    search(
        index,
        &name,
        QueryInput::Text("a text nobody baked, 42".into()),
    );
    assert!(minilm::is_loaded());
}
