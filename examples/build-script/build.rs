fn main() -> Result<(), Box<dyn std::error::Error>> {
    scxmlc_compiler::Builder::new()
        .chart("../../fixtures/door.scxml")
        .dialect(scxmlc_compiler::model::Dialect::W3c)
        .derive_serde(true)
        .compile()?;
    Ok(())
}
