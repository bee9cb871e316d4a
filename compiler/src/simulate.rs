//! `scxmlc simulate`: builds the generated Rust for a chart in a cached
//! Cargo project and runs it. It runs what ships, never an interpreter; the
//! cache makes the second run of any chart a matter of seconds.
use scxmlc_compiler::Options;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

/// The runtime crate this binary was built with (override: SCXMLC_RUNTIME_DIR).
fn runtime_dir() -> PathBuf {
    std::env::var_os("SCXMLC_RUNTIME_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime"))
}

/// Where simulation builds are cached (override: SCXMLC_CACHE_DIR).
fn cache_dir() -> PathBuf {
    std::env::var_os("SCXMLC_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/scxmlc-simulate"))
}

fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text)
}

pub fn run(chart: &Path, scenario: Option<&Path>, until: Option<Duration>, options: &Options) -> ExitCode {
    let out = match scxmlc_compiler::compile_file(chart, options) {
        Ok(out) => out,
        Err(report) => {
            eprintln!("{}", report.render_all());
            return ExitCode::from(1);
        }
    };
    if !out.report.diagnostics.items.is_empty() {
        eprintln!("{}", out.report.render_all());
    }
    // One project per generated source: concurrent runs of different charts
    // cannot trample each other, and all share one target dir, so the
    // runtime is compiled once.
    let key = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        out.rust.hash(&mut h);
        h.finish()
    };
    let package = format!("scxmlc-sim-{key:016x}");
    let project = cache_dir().join("projects").join(&package);
    let runtime = match std::fs::canonicalize(runtime_dir()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot find the scxmlc runtime at {}: {e}", runtime_dir().display());
            return ExitCode::from(1);
        }
    };
    let manifest = format!(
        "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nscxmlc_runtime = {{ path = {:?} }}\n\n[workspace]\n",
        runtime.display().to_string()
    );
    // The binary takes the scenario and the limit as arguments, so that one
    // build of a chart serves every scenario.
    let main = "#[allow(dead_code, clippy::all)]\nmod chart {\n    include!(\"chart.rs\");\n}\n\n\
                fn main() {\n    let args: Vec<String> = std::env::args().collect();\n    \
                std::process::exit(scxmlc_runtime::trace::simulate_main(chart::Machine::new(), &args));\n}\n";
    let written = std::fs::create_dir_all(project.join("src"))
        .and_then(|()| write_if_changed(&project.join("Cargo.toml"), &manifest))
        .and_then(|()| write_if_changed(&project.join("src/main.rs"), main))
        .and_then(|()| write_if_changed(&project.join("src/chart.rs"), &out.rust));
    if let Err(e) = written {
        eprintln!("error: cannot write the simulation project in {}: {e}", project.display());
        return ExitCode::from(1);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--release", "--manifest-path"])
        .arg(project.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", cache_dir().join("target"))
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(_) => {
            eprintln!("error: the generated Rust did not build (a bug in scxmlc: please report it with the chart)");
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return ExitCode::from(1);
        }
    }
    let binary = cache_dir().join("target/release").join(&package);
    let mut command = Command::new(&binary);
    if let Some(until) = until {
        command.arg("--until").arg(until.as_micros().to_string());
    }
    if let Some(scenario) = scenario {
        command.arg("--scenario").arg(scenario);
    }
    match command.status() {
        Ok(s) => ExitCode::from(s.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1)),
        Err(e) => {
            eprintln!("error: cannot run {}: {e}", binary.display());
            ExitCode::from(1)
        }
    }
}
