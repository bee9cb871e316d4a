scxmlc_macros::scxml!(pub mod ping, r#"
<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
  <datamodel><data id="n" expr="0"/></datamodel>
  <state id="ping">
    <transition event="ball" cond="n &lt; 2" target="ping"><assign location="n" expr="n + 1"/></transition>
    <transition event="ball" target="done"/>
  </state>
  <final id="done"/>
</scxml>
"#);

fn main() {
    let mut session = ping::Machine::session();
    session.start();
    for _ in 0..3 {
        session.send(scxmlc_runtime::Event::external("ball"));
    }
    session.run_until_idle();
    assert_eq!(session.final_state(), Some("done"));
}
