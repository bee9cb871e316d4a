scxmlc_macros::scxml!(mod door, path = "../../../../fixtures/door.scxml", dialect = "ors");

fn main() {}
