//! Runs the W3C suite, writes `target/w3c-report.tsv`, and fails when a test
//! listed in `tests/w3c-expected-pass.txt` does not pass (what passes stays
//! passing). `SCXMLC_BLESS=1` rewrites the list from this run.
use scxmlc_tests::{judge_manual, Outcome, Verdict, CASES, MUST_REJECT};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

#[test]
fn w3c_conformance() {
    let mut report = String::from("id\tconformance\tresult\tdetail\n");
    let mut passed = BTreeSet::new();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for case in CASES {
        let manual = case.needs.split(',').any(|n| n == "manual");
        let (result, detail) = match &case.outcome {
            Outcome::Rejected(diagnostic) if manual && MUST_REJECT.contains(&case.id) => {
                ("pass", format!("rejected at compile time, as required: {diagnostic}"))
            }
            Outcome::Rejected(diagnostic) => ("unsupported", diagnostic.to_string()),
            Outcome::Compiled(run) => match std::panic::catch_unwind(run) {
                Ok(record) => {
                    let verdict = if manual { judge_manual(case.id, &record) } else { None };
                    match verdict.unwrap_or(record.verdict) {
                        Verdict::Pass => ("pass", String::new()),
                        Verdict::Fail(why) => ("fail", why),
                        Verdict::Timeout(why) => ("timeout", why),
                    }
                }
                Err(_) => ("fail", "panicked".to_string()),
            },
        };
        if result == "pass" {
            passed.insert(case.id.to_string());
        }
        if case.conformance == "mandatory" {
            *counts.entry(result).or_default() += 1;
        }
        let detail = detail.replace(['\t', '\n'], " ");
        let _ = writeln!(report, "{}\t{}\t{result}\t{detail}", case.id, case.conformance);
    }
    let dir = target_dir();
    let _ = std::fs::create_dir_all(&dir);
    std::fs::write(dir.join("w3c-report.tsv"), &report).unwrap_or_else(|e| panic!("cannot write the report: {e}"));
    println!("W3C mandatory: {counts:?}; all passing: {}", passed.len());

    let expected_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("w3c-expected-pass.txt");
    if std::env::var_os("SCXMLC_BLESS").is_some() {
        let text: String = passed.iter().map(|id| format!("{id}\n")).collect();
        std::fs::write(&expected_path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", expected_path.display()));
        return;
    }
    let expected_text = std::fs::read_to_string(&expected_path).unwrap_or_default();
    let expected: BTreeSet<String> = expected_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    let regressed: Vec<&String> = expected.difference(&passed).collect();
    let newly: Vec<&String> = passed.difference(&expected).collect();
    assert!(regressed.is_empty(), "W3C tests that should pass did not: {regressed:?} (see target/w3c-report.tsv)");
    assert!(
        newly.is_empty(),
        "W3C tests now pass but are not in tests/w3c-expected-pass.txt: {newly:?} (run with SCXMLC_BLESS=1)"
    );
}
