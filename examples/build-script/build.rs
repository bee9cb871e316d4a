fn main() -> Result<(), Box<dyn std::error::Error>> {
    scxmlc_compiler::Builder::new().chart("../../fixtures/door.scxml").compile()?;
    Ok(())
}
