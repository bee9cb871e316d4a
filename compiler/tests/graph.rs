//! Diagrams of the codegen charts, pinned as snapshots.
use scxmlc_compiler::{graph, load_model, Options, SourceFile};
use std::path::Path;

fn model(name: &str) -> scxmlc_compiler::model::Chart {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/codegen").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    load_model(&SourceFile::new(name, text), &Options::default()).unwrap_or_else(|r| panic!("{r}"))
}

#[test]
fn dot_marks_clusters_initials_and_history() {
    insta::assert_snapshot!(graph::dot(&model("parallel_history.scxml")));
}

#[test]
fn mermaid_nests_states_and_separates_regions() {
    insta::assert_snapshot!(graph::mermaid(&model("parallel_history.scxml")));
}

#[test]
fn labels_show_event_and_condition() {
    let text = graph::mermaid(&model("traffic_light.scxml"));
    assert!(text.contains("n3 --> n1 : tick [cycles < 2]"), "{text}");
}
