//! The Genesys dialect at compile time.
use scxmlc_compiler::{check, compile, Options, SourceFile};

const HEAD: &str = r#"<scxml version="1.0" xmlns="http://www.w3.org/2005/07/scxml"
  xmlns:ixn="http://www.genesyslab.com/modules/interaction"
  xmlns:queue="http://www.genesyslab.com/modules/queue">
  <datamodel><data ID="ixnid" expr="'x'"/><data ID="req"/></datamodel>
  <state id="s"><onentry>"#;
const TAIL: &str = "</onentry></state></scxml>";

fn chart(body: &str) -> SourceFile {
    SourceFile::new("g.scxml", format!("{HEAD}{body}{TAIL}"))
}

#[test]
fn an_unmodelled_action_becomes_a_generic_request_with_a_warning() {
    let out = compile(
        &chart(r#"<ixn:whisper interactionid="_data.ixnid" text="'hi'" requestid="_data.req"/>"#),
        &Options::default(),
    )
    .unwrap_or_else(|r| panic!("{r}"));
    let warnings: Vec<_> = out.report.diagnostics.warnings().collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("<ixn:whisper> is not an action scxmlc models"));
    // Passed on as it was written; its answers named as every action's are.
    assert!(out.rust.contains(r#"name: "ixn:whisper""#), "{}", out.rust);
    assert!(out.rust.contains(r#"done: "interaction.whisper.done""#), "{}", out.rust);
    assert!(out.rust.contains(r#"error: "error.interaction.whisper""#), "{}", out.rust);
}

#[test]
fn required_attributes_of_known_actions_are_checked() {
    let report = check(&chart(r#"<ixn:redirect requestid="_data.req"/>"#), &Options::default());
    let errors: Vec<String> = report.diagnostics.errors().map(|d| report.headline(d)).collect();
    assert!(errors.iter().any(|e| e.contains("<ixn:redirect> needs 'interactionid'")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("<ixn:redirect> needs 'to'")), "{errors:?}");
}

#[test]
fn prefixes_are_matched_by_namespace_not_by_name() {
    let text = HEAD.replace("xmlns:ixn=", "xmlns:i=") + r#"<i:detach interactionid="_data.ixnid"/>"# + TAIL;
    let out = compile(&SourceFile::new("g.scxml", text), &Options::default()).unwrap_or_else(|r| panic!("{r}"));
    assert!(out.rust.contains(r#"name: "ixn:detach""#), "{}", out.rust);
}

#[test]
fn w3c_charts_keep_w3c_rules() {
    // Without a Genesys namespace, `_data` is an ordinary (undeclared) name and `&&` must be escaped.
    let text = r#"<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0"><state id="s"><transition cond="a && b"/></state></scxml>"#;
    assert!(check(&SourceFile::new("w.scxml", text.into()), &Options::default()).has_errors());
}
