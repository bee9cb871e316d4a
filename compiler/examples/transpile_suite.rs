//! Times the whole pipeline (parse, check, generate, format) over every
//! chart in a folder: `cargo run --release -p scxmlc_compiler --example transpile_suite -- ../shared/w3c/ecma`.
use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "../shared/w3c/ecma".into());
    let mut charts: Vec<_> =
        std::fs::read_dir(&dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    charts.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "scxml"));
    charts.sort();
    let started = Instant::now();
    let (mut compiled, mut rejected, mut bytes) = (0, 0, 0);
    for chart in &charts {
        match scxmlc_compiler::compile_file(chart, &scxmlc_compiler::Options::default()) {
            Ok(out) => {
                compiled += 1;
                bytes += out.rust.len();
            }
            Err(_) => rejected += 1,
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{} charts ({compiled} compiled, {rejected} rejected, {} KiB of Rust) in {:.0} ms",
        charts.len(),
        bytes / 1024,
        elapsed.as_secs_f64() * 1000.0
    );
}
