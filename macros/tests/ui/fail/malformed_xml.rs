scxmlc_macros::scxml!(mod broken, r#"<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0">
  <state id="a">
</scxml>"#);

fn main() {}
