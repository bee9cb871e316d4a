//! Generated code, formatted, for small charts: a reviewer sees exactly what
//! the compiler emits, and any change to it shows up in review.
use scxmlc_compiler::{compile, Options, SourceFile};
use std::path::Path;

fn generate(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/codegen").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = SourceFile::new(name, text);
    match compile(&file, &Options::default()) {
        Ok(out) => out.rust,
        Err(report) => panic!("{name} does not compile:\n{report}"),
    }
}

#[test]
fn traffic_light() {
    insta::assert_snapshot!(generate("traffic_light.scxml"));
}

#[test]
fn parallel_history() {
    insta::assert_snapshot!(generate("parallel_history.scxml"));
}

#[test]
fn hostile_names_stay_literals() {
    let rust = generate("hostile_names.scxml");
    // Every id became an identifier and every string a literal: the output
    // parses as one file, and no `panic` or `exit` appears as an identifier.
    let file: syn::File = syn::parse_str(&rust).unwrap_or_else(|e| panic!("{e}"));
    let mut idents = Vec::new();
    collect_idents(quote::ToTokens::to_token_stream(&file), &mut idents);
    assert!(!idents.iter().any(|i| i == "panic" || i == "exit"), "{idents:?}");
    insta::assert_snapshot!(rust);
}

#[test]
fn output_is_deterministic() {
    for name in ["traffic_light.scxml", "parallel_history.scxml", "hostile_names.scxml"] {
        assert_eq!(generate(name), generate(name), "{name}");
    }
}

fn collect_idents(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
            proc_macro2::TokenTree::Group(g) => collect_idents(g.stream(), out),
            _ => {}
        }
    }
}
