//! A crate outside the workspace uses all three front ends on the same
//! chart: the `scxml!` macro, `build.rs` generation, and `scxmlc transpile`
//! output checked in as source. It must build, the three machines must
//! behave alike, and the Builder and the CLI must emit the same bytes.
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_fresh_crate_uses_the_macro_build_rs_and_the_cli() {
    let repo = repo();
    let dir = repo.join("target/fresh-crate");
    let _ = std::fs::remove_dir_all(dir.join("src"));
    std::fs::create_dir_all(dir.join("src")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.join("charts")).unwrap_or_else(|e| panic!("{e}"));
    let write = |path: &str, text: &str| std::fs::write(dir.join(path), text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let chart = std::fs::read_to_string(repo.join("fixtures/door.scxml")).unwrap_or_else(|e| panic!("{e}"));
    write("charts/door.scxml", &chart);
    write(
        "Cargo.toml",
        &format!(
            "[package]\nname = \"fresh\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nscxmlc_runtime = {{ path = {rt:?} }}\nscxmlc_macros = {{ path = {mac:?} }}\n\n\
             [build-dependencies]\nscxmlc_compiler = {{ path = {comp:?} }}\n\n[workspace]\n",
            rt = repo.join("runtime").display().to_string(),
            mac = repo.join("macros").display().to_string(),
            comp = repo.join("compiler").display().to_string(),
        ),
    );
    // The workspace's lock file: the fresh crate builds the same versions.
    std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap_or_else(|e| panic!("{e}"));
    write(
        "build.rs",
        "fn main() -> Result<(), Box<dyn std::error::Error>> {\n    \
         scxmlc_compiler::Builder::new().chart(\"charts/door.scxml\").compile()?;\n    Ok(())\n}\n",
    );
    let cli = Command::new(env!("CARGO_BIN_EXE_scxmlc"))
        .args(["transpile", "charts/door.scxml", "-o", "src/door_cli.rs"])
        .current_dir(&dir)
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(cli.success());
    write(
        "src/main.rs",
        r#"use std::time::Duration;

scxmlc_macros::scxml!(mod by_macro, path = "charts/door.scxml");
scxmlc_runtime::include_chart!(mod door);
#[allow(dead_code, unreachable_code, unused_variables, clippy::all)]
mod by_cli {
    include!("door_cli.rs");
}

fn main() {
    // The Builder and the CLI emit the same bytes.
    assert_eq!(include_str!("door_cli.rs"), include_str!(concat!(env!("OUT_DIR"), "/door.rs")));
    let mut a = by_macro::Machine::session();
    let mut b = door::Machine::session();
    let mut c = by_cli::Machine::session();
    a.run_virtual(Duration::from_secs(60));
    b.run_virtual(Duration::from_secs(60));
    c.run_virtual(Duration::from_secs(60));
    assert_eq!(a.final_state(), Some("locked"));
    assert_eq!(b.final_state(), Some("locked"));
    assert_eq!(c.final_state(), Some("locked"));
    println!("three front ends agree");
}
"#,
    );
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["run", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", repo.join("target/fresh-crate-target"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("three front ends agree"), "{stdout}");
}
