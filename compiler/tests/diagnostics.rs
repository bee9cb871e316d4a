//! Every chart in `fixtures/invalid/` is rejected with located diagnostics;
//! the rendered report (no colour) is pinned by a snapshot per chart.
use scxmlc_compiler::{check, load, Options};
use std::path::Path;

#[test]
fn invalid_charts_are_rejected_with_located_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/invalid");
    let mut charts: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "scxml"))
        .collect();
    charts.sort();
    assert!(charts.len() >= 10, "the corpus shrank: {charts:?}");
    for chart in charts {
        let name = chart.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let report = match load(&chart) {
            Ok(file) => check(&file, &Options::default()),
            Err(report) => report,
        };
        assert!(report.has_errors(), "{name} was accepted");
        let relative = format!("fixtures/invalid/{name}.scxml");
        let rendered = report.render_all().replace(&chart.display().to_string(), &relative);
        for line in rendered.lines().filter(|l| l.trim_start().starts_with("-->")) {
            assert!(line.contains(&format!("{relative}:")), "{name}: no file:line:col in {line}");
        }
        insta::assert_snapshot!(name, rendered);
    }
}
