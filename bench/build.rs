//! Compiles the benchmark charts (`../shared/bench`, or SCXML_BENCH_DIR).
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=SCXML_BENCH_DIR");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dir = std::env::var_os("SCXML_BENCH_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("../../shared/bench"));
    println!("cargo:rerun-if-changed={}", dir.display());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let mut modules = String::new();
    for name in ["flat", "deep", "parallel", "eventless", "flat-null", "deep-null", "parallel-null", "eventless-null"] {
        let chart = dir.join(format!("{name}.scxml"));
        let module = name.replace('-', "_");
        let generated = scxmlc_compiler::compile_file(&chart, &scxmlc_compiler::Options::default())
            .unwrap_or_else(|report| panic!("{} does not compile:\n{report}", chart.display()));
        std::fs::write(out.join(format!("{module}.rs")), generated.rust)
            .unwrap_or_else(|e| panic!("cannot write {module}.rs: {e}"));
        let _ = writeln!(
            modules,
            "#[allow(dead_code, clippy::all)]\npub mod {module} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{module}.rs\"));\n}}"
        );
    }
    // The seed routing strategy, for the call-flow and session-size figures.
    let seed = root.join("../fixtures/genesys/detach_redirect.scxml");
    println!("cargo:rerun-if-changed={}", seed.display());
    let generated = scxmlc_compiler::compile_file(&seed, &scxmlc_compiler::Options::default())
        .unwrap_or_else(|report| panic!("the seed does not compile:\n{report}"));
    std::fs::write(out.join("seed.rs"), generated.rust).unwrap_or_else(|e| panic!("cannot write seed.rs: {e}"));
    let _ = writeln!(
        modules,
        "#[allow(dead_code, clippy::all)]\npub mod seed {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/seed.rs\"));\n}}"
    );
    std::fs::write(out.join("charts.rs"), modules).unwrap_or_else(|e| panic!("cannot write charts.rs: {e}"));
}
