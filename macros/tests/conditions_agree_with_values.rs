//! A condition compiles to a Rust `bool`: a remainder compared with an
//! integer is computed in integers (`ops::rem_is`), `&&`, `||` and `!`
//! are Rust's on the operands' truth values. The same expression taken as
//! a value is JavaScript's, on values. Both must agree, for every kind of
//! number and every mix of truthy and falsy operands: each pass sets a
//! bit of `held` for each condition that holds, and compares it with the
//! bits of the conditions whose values are truthy. The right operand of
//! `&&` and `||` must run only when JavaScript runs it.
scxmlc_macros::scxml!(mod agree, r#"
<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="pick">
  <datamodel>
    <data id="i" expr="0"/>
    <data id="n" expr="0"/>
    <data id="a" expr="0"/>
    <data id="b" expr="0"/>
    <data id="c" expr="0"/>
    <data id="held" expr="0"/>
    <data id="wrong" expr="0"/>
    <data id="runs" expr="0"/>
  </datamodel>
  <state id="pick">
    <onentry>
        <!-- Numbers only, so that `n` is a number slot, as `%` conditions compile for. -->
        <if cond="i % 10 == 0"><assign location="n" expr="-7"/>
        <elseif cond="i % 10 == 1"/><assign location="n" expr="-4"/>
        <elseif cond="i % 10 == 2"/><assign location="n" expr="-0"/>
        <elseif cond="i % 10 == 3"/><assign location="n" expr="5.5"/>
        <elseif cond="i % 10 == 4"/><assign location="n" expr="1e300"/>
        <elseif cond="i % 10 == 5"/><assign location="n" expr="0 / 0"/>
        <elseif cond="i % 10 == 6"/><assign location="n" expr="1 / 0"/>
        <elseif cond="i % 10 == 7"/><assign location="n" expr="9007199254740993"/>
        <elseif cond="i % 10 == 8"/><assign location="n" expr="-9.3e18"/>
        <else/><assign location="n" expr="12"/>
        </if>
        <script>
          var values = [0, 1, '', 'x', null, undefined, 0 / 0, {}, [], -0];
          a = values[i % 10];
          b = values[Math.floor(i / 10) % 10];
          c = values[Math.floor(i / 100) % 10];
        </script>
        <assign location="i" expr="i + 1"/>
        <assign location="held" expr="0"/>
        <if cond="n % 2 == 0"><assign location="held" expr="held + 1"/></if>
        <if cond="n % 2 != 1"><assign location="held" expr="held + 2"/></if>
        <if cond="n % -3 === -1"><assign location="held" expr="held + 4"/></if>
        <if cond="0 == n % 7"><assign location="held" expr="held + 8"/></if>
        <if cond="n % 3 !== 2"><assign location="held" expr="held + 16"/></if>
        <if cond="n % 2 == -1"><assign location="held" expr="held + 32"/></if>
        <if cond="n % 1 == 0"><assign location="held" expr="held + 64"/></if>
        <if cond="held != ((n % 2 == 0) ? 1 : 0) + ((n % 2 != 1) ? 2 : 0) + ((n % -3 === -1) ? 4 : 0) + ((0 == n % 7) ? 8 : 0) + ((n % 3 !== 2) ? 16 : 0) + ((n % 2 == -1) ? 32 : 0) + ((n % 1 == 0) ? 64 : 0)"><assign location="wrong" expr="wrong + 1"/></if>
        <assign location="held" expr="0"/>
        <if cond="a &amp;&amp; b"><assign location="held" expr="held + 1"/></if>
        <if cond="a || b &amp;&amp; c"><assign location="held" expr="held + 2"/></if>
        <if cond="(a || b) &amp;&amp; c"><assign location="held" expr="held + 4"/></if>
        <if cond="!a"><assign location="held" expr="held + 8"/></if>
        <if cond="!(a &amp;&amp; b) || !c"><assign location="held" expr="held + 16"/></if>
        <if cond="a == b &amp;&amp; !(b === c)"><assign location="held" expr="held + 32"/></if>
        <if cond="!!a != !c"><assign location="held" expr="held + 64"/></if>
        <if cond="held != ((a &amp;&amp; b) ? 1 : 0) + ((a || b &amp;&amp; c) ? 2 : 0) + (((a || b) &amp;&amp; c) ? 4 : 0) + ((!a) ? 8 : 0) + ((!(a &amp;&amp; b) || !c) ? 16 : 0) + ((a == b &amp;&amp; !(b === c)) ? 32 : 0) + ((!!a != !c) ? 64 : 0)"><assign location="wrong" expr="wrong + 1"/></if>
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
fn conditions_agree_with_the_same_expressions_as_values() {
    let mut session = agree::Machine::session();
    session.start();
    let data = &session.chart.data;
    assert_eq!(data.i, 1000, "every dividend and every mix of operands was tried");
    assert_eq!(data.wrong, 0, "passes where a condition and its value disagree");
    // Four of the ten values `a` takes are truthy (1, 'x', {} and []):
    // `&&` ran its right side for those, `||` for the six others.
    let truthy = 4.0 * 100.0;
    assert_eq!(data.runs, truthy + (1000.0 - truthy) * 100.0);
}
