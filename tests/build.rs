//! Compiles every chart of the W3C SCXML suite into this crate: one build
//! for the whole suite. A chart the compiler rejects becomes an
//! `unsupported` case carrying its diagnostic; it never breaks the build.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=SCXML_W3C_DIR");
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let ecma = std::env::var_os("SCXML_W3C_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("../../shared/w3c/ecma"));
    println!("cargo:rerun-if-changed={}", ecma.display());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let charts_dir = out_dir.join("w3c");
    std::fs::create_dir_all(&charts_dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", charts_dir.display()));

    let manifest = std::fs::read_to_string(ecma.join("../manifest.tsv")).unwrap_or_default();
    // (id, conformance, needs, charts): a test is one chart, or several
    // parts (test403a/b/c) that must all pass.
    let mut cases: Vec<(String, String, String, Vec<PathBuf>)> = Vec::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 {
            continue;
        }
        let id = cols[0];
        let chart = ecma.join(format!("test{id}.scxml"));
        let charts: Vec<PathBuf> = if chart.exists() {
            vec![chart]
        } else {
            ('a'..='z').map(|part| ecma.join(format!("test{id}{part}.scxml"))).take_while(|p| p.exists()).collect()
        };
        if !charts.is_empty() {
            cases.push((id.to_string(), cols[1].to_string(), cols.get(3).unwrap_or(&"").to_string(), charts));
        }
    }
    // The encoding charts are outside the manifest: optional extras.
    let mut extras: Vec<PathBuf> =
        std::fs::read_dir(&ecma).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    extras.retain(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("test-")));
    extras.sort();
    for chart in extras {
        let id =
            chart.file_stem().map(|s| s.to_string_lossy().trim_start_matches("test-").to_string()).unwrap_or_default();
        cases.push((id, "optional".into(), "encoding".into(), vec![chart]));
    }

    compile_fixtures(&manifest_dir.join("../fixtures"), &out_dir, "fixtures");
    compile_fixtures(&manifest_dir.join("../fixtures/genesys"), &out_dir, "genesys");

    let mut suite = String::new();
    let mut table = String::from("pub static CASES: &[Case] = &[\n");
    for (id, conformance, needs, charts) in &cases {
        let mut runs = Vec::new();
        let mut rejected = None;
        for (part, chart) in charts.iter().enumerate() {
            let suffix = if charts.len() > 1 { format!("_{}", (b'a' + part as u8) as char) } else { String::new() };
            let module = format!("t{}{suffix}", id.replace(|c: char| !c.is_ascii_alphanumeric(), "_").to_lowercase());
            match scxmlc_compiler::compile_file(chart, &scxmlc_compiler::Options::default()) {
                Ok(out) => {
                    let file = charts_dir.join(format!("{module}.rs"));
                    write_if_changed(&file, &out.rust);
                    let _ = writeln!(
                        suite,
                        "#[allow(dead_code, unused, clippy::all)]\npub mod {module} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/w3c/{module}.rs\"));\n}}"
                    );
                    runs.push(format!("record_chart({module}::Machine::new())"));
                }
                Err(report) => {
                    let first = report.diagnostics.errors().next().map(|d| report.headline(d)).unwrap_or_default();
                    let first = first.replace(&*ecma.to_string_lossy(), "").trim_start_matches('/').to_string();
                    rejected.get_or_insert(first);
                }
            }
        }
        let outcome = match rejected {
            Some(first) => format!("Outcome::Rejected({first:?})"),
            None if runs.len() == 1 => format!("Outcome::Compiled(|| {})", runs[0]),
            None => format!("Outcome::Compiled(|| all_parts(vec![{}]))", runs.join(", ")),
        };
        let _ = writeln!(
            table,
            "    Case {{ id: {id:?}, conformance: {conformance:?}, needs: {needs:?}, outcome: {outcome} }},"
        );
    }
    table.push_str("];\n");
    suite.push_str(&table);
    write_if_changed(&out_dir.join("w3c_suite.rs"), &suite);
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// Compiles the bundled charts of a `fixtures/` folder into `OUT_DIR/<group>.rs`,
/// one module each. These must compile: a failure here is a test failure.
fn compile_fixtures(dir: &Path, out_dir: &Path, group: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut charts: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    charts.retain(|p| p.extension().is_some_and(|e| e == "scxml"));
    charts.sort();
    let mut modules = String::new();
    for chart in charts {
        let out = scxmlc_compiler::compile_file(&chart, &scxmlc_compiler::Options::default())
            .unwrap_or_else(|report| panic!("fixture {} does not compile:\n{report}", chart.display()));
        let stem = chart.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let module = stem.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        write_if_changed(&out_dir.join(format!("{group}_{module}.rs")), &out.rust);
        let _ = writeln!(
            modules,
            "#[allow(dead_code, clippy::all)]\npub mod {module} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{group}_{module}.rs\"));\n}}"
        );
    }
    write_if_changed(&out_dir.join(format!("{group}.rs")), &modules);
}
