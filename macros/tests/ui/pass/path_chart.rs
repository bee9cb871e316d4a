// trybuild builds this case in target/tests/trybuild/scxmlc_macros: the path is relative to that crate.
scxmlc_macros::scxml!(mod door, path = "../../../../fixtures/door.scxml");

fn main() {
    let mut session = door::Machine::session();
    session.run_virtual(std::time::Duration::from_secs(60));
    assert_eq!(session.final_state(), Some("locked"));
    assert_eq!(door::State::Locked.id(), "locked");
}
