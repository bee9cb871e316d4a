//! Generated code borrows variables where operators take references; a
//! right operand that assigns must still see the left one read first, as
//! JavaScript evaluates them.
scxmlc_macros::scxml!(mod order, r#"
<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="s">
  <datamodel>
    <data id="x" expr="'a'"/>
    <data id="o" expr="({k: 'v'})"/>
    <data id="compared"/>
    <data id="indexed"/>
    <data id="member"/>
  </datamodel>
  <state id="s">
    <onentry>
      <assign location="compared" expr="x == (x = 'b')"/>
      <assign location="indexed" expr="o[(o = {k: 'w'}, 'k')]"/>
      <assign location="member" expr="o.k"/>
    </onentry>
    <transition cond="compared === false &amp;&amp; x === 'b' &amp;&amp; indexed === 'v' &amp;&amp; member === 'w'" target="pass"/>
    <transition target="fail"/>
  </state>
  <final id="pass"/>
  <final id="fail"/>
</scxml>
"#);

#[test]
fn a_left_operand_is_read_before_the_right_one_assigns() {
    let mut session = order::Machine::session();
    session.start();
    assert_eq!(session.final_state(), Some("pass"));
}
