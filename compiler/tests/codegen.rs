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

/// A routing strategy's everyday forms: a request id moved into its
/// location, answers matched where their data lies, a read chain through
/// the platform's model, a retry counter kept as an integer.
#[test]
fn answer_handling() {
    insta::assert_snapshot!(generate("answer_handling.scxml"));
}

#[test]
fn hostile_names_stay_literals() {
    let rust = generate("hostile_names.scxml");
    // Every id became an identifier and every string a literal: the output
    // parses as one file, invokes no macro but `vec!`, `matches!` and the
    // static strings `string!` and `static_str!` of one string literal, and
    // calls no `exit`.
    let file: syn::File = syn::parse_str(&rust).unwrap_or_else(|e| panic!("{e}"));
    let mut calls = Vec::new();
    collect_calls(quote::ToTokens::to_token_stream(&file), &mut calls);
    assert!(calls.iter().all(|c| ["vec!", "matches!", "string!", "static_str!"].contains(&c.as_str())), "{calls:?}");
    assert!(!calls.iter().any(|c| c == "exit"), "{calls:?}");
    insta::assert_snapshot!(rust);
}

#[test]
fn output_is_deterministic() {
    for name in ["traffic_light.scxml", "parallel_history.scxml", "hostile_names.scxml", "answer_handling.scxml"] {
        assert_eq!(generate(name), generate(name), "{name}");
    }
}

/// Macro invocations (`name!`) and calls of `exit`, anywhere in the tokens.
/// A `string!` or `literal!` whose argument is anything but one string
/// literal is reported as `name!(...)`.
fn collect_calls(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            proc_macro2::TokenTree::Ident(id) => {
                let next = tokens.get(i + 1);
                if matches!(next, Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '!') {
                    let args: Vec<_> = match tokens.get(i + 2) {
                        Some(proc_macro2::TokenTree::Group(g)) => g.stream().into_iter().collect(),
                        _ => Vec::new(),
                    };
                    let one_string =
                        matches!(&args[..], [proc_macro2::TokenTree::Literal(l)] if l.to_string().starts_with('"'));
                    if (id == "string" || id == "literal") && !one_string {
                        out.push(format!("{id}!(...)"));
                    } else {
                        out.push(format!("{id}!"));
                    }
                } else if id == "exit" {
                    out.push("exit".into());
                }
            }
            proc_macro2::TokenTree::Group(g) => collect_calls(g.stream(), out),
            _ => {}
        }
    }
}

/// `QUIET_STEPS` lets the runtime skip the internal queue after a step the
/// generated code took whole: set only when no such step can queue an
/// event. Each chart below has one way to queue one.
#[test]
fn quiet_steps_only_where_no_step_can_queue_an_internal_event() {
    let quiet = |body: &str, binding: &str| {
        let text = format!(
            r#"<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" binding="{binding}" initial="a">
                 <datamodel><data id="n" expr="0"/></datamodel>
                 {body}
               </scxml>"#
        );
        let out = compile(&SourceFile::new("quiet.scxml", text), &Options::default())
            .unwrap_or_else(|report| panic!("does not compile:\n{report}"));
        match (
            out.rust.contains("const QUIET_STEPS: bool = true;"),
            out.rust.contains("const QUIET_STEPS: bool = false;"),
        ) {
            (true, false) => true,
            (false, true) => false,
            _ => panic!("QUIET_STEPS missing or twice:\n{}", out.rust),
        }
    };
    let toggle = r#"<state id="a"><transition event="t" cond="n % 2 == 0" target="b"><assign location="n" expr="n + 1"/></transition></state>
                    <state id="b"><transition event="t" target="a"/></state>"#;
    assert!(quiet(toggle, "early"), "a flat toggle queues nothing");
    assert!(!quiet(toggle, "late"), "late data may fail on entry");
    let raise =
        r#"<state id="a"><transition event="t" target="b"><raise event="r"/></transition></state><state id="b"/>"#;
    assert!(!quiet(raise, "early"));
    let send = r##"<state id="a"><transition event="t" target="b"><send event="r" target="#_internal"/></transition></state><state id="b"/>"##;
    assert!(!quiet(send, "early"));
    let failing_cond = r#"<state id="a"><transition event="t" cond="n.x.y" target="b"/></state><state id="b"/>"#;
    assert!(!quiet(failing_cond, "early"), "a condition that can throw raises error.execution");
    let failing_block = r#"<state id="a"><transition event="t" target="b"><assign location="n" expr="n.x.y"/></transition></state><state id="b"/>"#;
    assert!(!quiet(failing_block, "early"));
    let nested_final = r#"<state id="a"><transition event="t" target="f"/><final id="f"/></state>"#;
    assert!(!quiet(nested_final, "early"), "entering f raises done.state.a");
    let top_final = r#"<state id="a"><transition event="t" target="f"/></state><final id="f"/>"#;
    assert!(quiet(top_final, "early"), "a top-level final state ends the session, raising nothing");
}
