//! A remainder compared with an integer in a condition is computed in
//! integers (`ops::rem_is`); as a value it is an `f64` comparison. Both
//! must agree for every kind of number, on either side of the operator.
scxmlc_macros::scxml!(mod parity, r#"
<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="s0">
  <datamodel>
    <data id="n" expr="0"/>
    <data id="r" expr="false"/>
    <data id="bad" expr="0"/>
    <data id="checked" expr="0"/>
  </datamodel>
  <state id="s0">
    <onentry>
      <assign location="n" expr="-7"/>
      <if cond="n % 2 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 != 1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 != 1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % -3 === -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % -3 === -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="0 == n % 7"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (0 == n % 7)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 3 !== 2"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 3 !== 2)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 == -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 1 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 1 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
    </onentry>
    <transition target="s1"/>
  </state>
  <state id="s1">
    <onentry>
      <assign location="n" expr="-4"/>
      <if cond="n % 2 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 != 1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 != 1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % -3 === -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % -3 === -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="0 == n % 7"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (0 == n % 7)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 3 !== 2"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 3 !== 2)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 == -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 1 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 1 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
    </onentry>
    <transition target="s2"/>
  </state>
  <state id="s2">
    <onentry>
      <assign location="n" expr="-0"/>
      <if cond="n % 2 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 != 1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 != 1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % -3 === -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % -3 === -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="0 == n % 7"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (0 == n % 7)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 3 !== 2"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 3 !== 2)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 == -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 1 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 1 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
    </onentry>
    <transition target="s3"/>
  </state>
  <state id="s3">
    <onentry>
      <assign location="n" expr="5.5"/>
      <if cond="n % 2 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 != 1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 != 1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % -3 === -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % -3 === -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="0 == n % 7"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (0 == n % 7)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 3 !== 2"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 3 !== 2)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 == -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 1 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 1 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
    </onentry>
    <transition target="s4"/>
  </state>
  <state id="s4">
    <onentry>
      <assign location="n" expr="1e300"/>
      <if cond="n % 2 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 != 1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 != 1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % -3 === -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % -3 === -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="0 == n % 7"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (0 == n % 7)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 3 !== 2"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 3 !== 2)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 == -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 1 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 1 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
    </onentry>
    <transition target="s5"/>
  </state>
  <state id="s5">
    <onentry>
      <assign location="n" expr="0 / 0"/>
      <if cond="n % 2 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 != 1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 != 1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % -3 === -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % -3 === -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="0 == n % 7"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (0 == n % 7)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 3 !== 2"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 3 !== 2)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 == -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 1 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 1 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
    </onentry>
    <transition target="s6"/>
  </state>
  <state id="s6">
    <onentry>
      <assign location="n" expr="1 / 0"/>
      <if cond="n % 2 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 != 1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 != 1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % -3 === -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % -3 === -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="0 == n % 7"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (0 == n % 7)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 3 !== 2"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 3 !== 2)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 == -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 1 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 1 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
    </onentry>
    <transition target="s7"/>
  </state>
  <state id="s7">
    <onentry>
      <assign location="n" expr="9007199254740993"/>
      <if cond="n % 2 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 != 1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 != 1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % -3 === -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % -3 === -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="0 == n % 7"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (0 == n % 7)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 3 !== 2"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 3 !== 2)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 == -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 1 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 1 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
    </onentry>
    <transition target="s8"/>
  </state>
  <state id="s8">
    <onentry>
      <assign location="n" expr="-9.3e18"/>
      <if cond="n % 2 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 != 1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 != 1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % -3 === -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % -3 === -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="0 == n % 7"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (0 == n % 7)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 3 !== 2"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 3 !== 2)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 == -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 1 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 1 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
    </onentry>
    <transition target="s9"/>
  </state>
  <state id="s9">
    <onentry>
      <assign location="n" expr="12"/>
      <if cond="n % 2 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 != 1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 != 1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % -3 === -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % -3 === -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="0 == n % 7"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (0 == n % 7)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 3 !== 2"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 3 !== 2)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 2 == -1"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 2 == -1)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
      <if cond="n % 1 == 0"><assign location="r" expr="true"/><else/><assign location="r" expr="false"/></if>
      <if cond="r !== (n % 1 == 0)"><assign location="bad" expr="bad + 1"/></if>
      <assign location="checked" expr="checked + 1"/>
    </onentry>
    <transition target="done"/>
  </state>
  <state id="done">
    <transition cond="bad == 0 &amp;&amp; checked == 70" target="pass"/>
    <transition target="fail"/>
  </state>
  <final id="pass"/>
  <final id="fail"/>
</scxml>
"#);

#[test]
fn remainder_conditions_agree_with_remainder_values() {
    let mut session = parity::Machine::session();
    session.start();
    assert_eq!(session.chart.data.checked, 70.0);
    assert_eq!(session.chart.data.bad, 0.0);
    assert_eq!(session.final_state(), Some("pass"));
}
