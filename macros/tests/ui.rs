//! The macro as users meet it: charts that must compile and run, and
//! charts whose errors must read well (golden `.stderr` files).
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
