scxmlc_macros::scxml!(mod nowhere, path = "charts/does-not-exist.scxml");

fn main() {}
