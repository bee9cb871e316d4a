scxmlc_macros::scxml!(mod clock, r#"<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
  <state id="a"><onentry><script>var started = new Date();</script></onentry></state>
</scxml>"#);

fn main() {}
