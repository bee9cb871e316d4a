//! A remainder compared with an integer in a condition is computed in
//! integers (`ops::rem_is`); as a value it is an `f64` comparison. Both
//! must agree for every kind of number, on either side of the operator:
//! for each dividend, the tests that hold as conditions (a bit each) are
//! compared with those whose value is true.
scxmlc_macros::scxml!(mod parity, r#"
<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="pick">
  <datamodel>
    <data id="c" expr="0"/>
    <data id="n" expr="0"/>
    <data id="held" expr="0"/>
    <data id="wrong" expr="0"/>
  </datamodel>
  <state id="pick">
    <onentry>
        <if cond="c == 0"><assign location="n" expr="-7"/>
        <elseif cond="c == 1"/><assign location="n" expr="-4"/>
        <elseif cond="c == 2"/><assign location="n" expr="-0"/>
        <elseif cond="c == 3"/><assign location="n" expr="5.5"/>
        <elseif cond="c == 4"/><assign location="n" expr="1e300"/>
        <elseif cond="c == 5"/><assign location="n" expr="0 / 0"/>
        <elseif cond="c == 6"/><assign location="n" expr="1 / 0"/>
        <elseif cond="c == 7"/><assign location="n" expr="9007199254740993"/>
        <elseif cond="c == 8"/><assign location="n" expr="-9.3e18"/>
        <elseif cond="c == 9"/><assign location="n" expr="12"/>
        </if>
        <assign location="c" expr="c + 1"/>
        <assign location="held" expr="0"/>
        <if cond="n % 2 == 0"><assign location="held" expr="held + 1"/></if>
        <if cond="n % 2 != 1"><assign location="held" expr="held + 2"/></if>
        <if cond="n % -3 === -1"><assign location="held" expr="held + 4"/></if>
        <if cond="0 == n % 7"><assign location="held" expr="held + 8"/></if>
        <if cond="n % 3 !== 2"><assign location="held" expr="held + 16"/></if>
        <if cond="n % 2 == -1"><assign location="held" expr="held + 32"/></if>
        <if cond="n % 1 == 0"><assign location="held" expr="held + 64"/></if>
        <if cond="held != ((n % 2 == 0) ? 1 : 0) + ((n % 2 != 1) ? 2 : 0) + ((n % -3 === -1) ? 4 : 0) + ((0 == n % 7) ? 8 : 0) + ((n % 3 !== 2) ? 16 : 0) + ((n % 2 == -1) ? 32 : 0) + ((n % 1 == 0) ? 64 : 0)"><assign location="wrong" expr="wrong + 1"/></if>
    </onentry>
    <transition cond="c &lt; 10" target="pick"/>
    <transition target="done"/>
  </state>
  <final id="done"/>
</scxml>
"#);

#[test]
fn remainder_conditions_agree_with_remainder_values() {
    let mut session = parity::Machine::session();
    session.start();
    let data = &session.chart.data;
    assert_eq!(data.c, 10, "every dividend was tried");
    assert_eq!(data.wrong, 0, "dividends where a condition and its value disagree");
}
