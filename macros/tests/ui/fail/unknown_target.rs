scxmlc_macros::scxml!(mod light, r#"<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0">
  <state id="on"><transition event="flip" target="of"/></state>
  <state id="off"/>
</scxml>"#);

fn main() {
    let _ = light::Machine::default();
}
