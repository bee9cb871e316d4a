//! `&&`, `||` and `!` in a condition are Rust's, on the operands' truth
//! values; in a value they are JavaScript's, on values. Both must agree
//! for every mix of truthy and falsy operands, and the right operand must
//! run only when JavaScript runs it. For each mix, the conditions that
//! hold (a bit each) are compared with those whose value is truthy.
scxmlc_macros::scxml!(mod logic, r#"
<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="pick">
  <datamodel>
    <data id="i" expr="0"/>
    <data id="a" expr="0"/>
    <data id="b" expr="0"/>
    <data id="c" expr="0"/>
    <data id="held" expr="0"/>
    <data id="wrong" expr="0"/>
    <data id="runs" expr="0"/>
  </datamodel>
  <state id="pick">
    <onentry>
        <script>
          var values = [0, 1, '', 'x', null, undefined, 0 / 0, {}, [], -0];
          a = values[i % 10];
          b = values[Math.floor(i / 10) % 10];
          c = values[Math.floor(i / 100) % 10];
        </script>
        <assign location="i" expr="i + 1"/>
        <assign location="held" expr="0"/>
        <if cond="a &amp;&amp; b"><assign location="held" expr="held + 1"/></if>
        <if cond="a || b &amp;&amp; c"><assign location="held" expr="held + 2"/></if>
        <if cond="(a || b) &amp;&amp; c"><assign location="held" expr="held + 4"/></if>
        <if cond="!a"><assign location="held" expr="held + 8"/></if>
        <if cond="!(a &amp;&amp; b) || !c"><assign location="held" expr="held + 16"/></if>
        <if cond="a == b &amp;&amp; !(b === c)"><assign location="held" expr="held + 32"/></if>
        <if cond="!!a != !c"><assign location="held" expr="held + 64"/></if>
        <if cond="held != ((a &amp;&amp; b) ? 1 : 0) + ((a || b &amp;&amp; c) ? 2 : 0) + (((a || b) &amp;&amp; c) ? 4 : 0) + ((!a) ? 8 : 0) + ((!(a &amp;&amp; b) || !c) ? 16 : 0) + ((a == b &amp;&amp; !(b === c)) ? 32 : 0) + ((!!a != !c) ? 64 : 0)"><assign location="wrong" expr="wrong + 1"/></if>
        <!-- The right operand runs only when the left one leaves the answer open. -->
        <if cond="a &amp;&amp; (runs = runs + 1)"></if>
        <if cond="a || (runs = runs + 100)"></if>
    </onentry>
    <transition cond="i &lt; 1000" target="pick"/>
    <transition target="done"/>
  </state>
  <final id="done"/>
</scxml>
"#);

#[test]
fn logical_conditions_agree_with_logical_values() {
    let mut session = logic::Machine::session();
    session.start();
    let data = &session.chart.data;
    assert_eq!(data.i, 1000, "every mix of operands was tried");
    assert_eq!(data.wrong, 0, "mixes where a condition and its value disagree");
    // Of the ten values `a` takes, four are truthy (1, 'x', {} and []):
    // `&&` ran its right side for those, `||` for the six others.
    let truthy = 4.0 * 100.0;
    assert_eq!(data.runs, truthy + (1000.0 - truthy) * 100.0);
}
