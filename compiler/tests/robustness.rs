//! No input makes the compiler panic, and what it generates parses as Rust.
//! A deterministic mutation fuzzer over every bundled and W3C chart, and a
//! generator of random valid charts. (`cargo fuzz` needs a nightly
//! toolchain; these run on stable, in CI, with fixed seeds.)
use scxmlc_compiler::{compile, Options, SourceFile};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// xorshift64*: small, fast, reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn corpus() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let w3c = std::env::var_os("SCXML_W3C_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("../shared/w3c/ecma"));
    let mut files = Vec::new();
    for dir in [root.join("fixtures"), root.join("fixtures/genesys"), root.join("fixtures/invalid"), w3c] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "scxml") {
                    if let Ok(text) = std::fs::read_to_string(&p) {
                        files.push((p, text));
                    }
                }
            }
        }
    }
    files.sort();
    files
}

const SNIPPETS: &[&str] = &[
    "<",
    ">",
    "&",
    "\"",
    "'",
    "<state id=\"x\">",
    "</state>",
    "<transition target=\"nowhere\"/>",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&#0;",
    "&#xFFFFFF;",
    "${",
    "/*",
    "((((",
    "))))",
    "\u{0}",
    "é",
    "\u{FEFF}",
    "In(",
    "function(){}",
    "<invoke/>",
    "<history/>",
    "<initial/>",
    "<parallel>",
    "</parallel>",
    "<final/>",
    "cond=\"",
    "expr=\"",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => {
                let s = SNIPPETS[rng.below(SNIPPETS.len())];
                bytes.splice(at..at, s.bytes());
            }
            2 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] = (rng.next() & 0x7f) as u8;
            }
            3 => {
                let end = (at + rng.below(200)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy);
            }
            _ => bytes.truncate(at),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutated_charts_never_panic_the_compiler() {
    let corpus = corpus();
    assert!(corpus.len() > 100, "the corpus is missing: {}", corpus.len());
    let mut rng = Rng(0x5eed_0f5c_0a11);
    let mut executions = 0usize;
    let mut rejected = 0usize;
    for (path, text) in &corpus {
        for _ in 0..12 {
            let mutated = mutate(&mut rng, text);
            let file = SourceFile::new(path.clone(), mutated.clone());
            let result = catch_unwind(AssertUnwindSafe(|| compile(&file, &Options::default())));
            executions += 1;
            match result {
                Err(_) => panic!("the compiler panicked on a mutation of {}:\n{mutated}", path.display()),
                Ok(Err(report)) => {
                    rejected += 1;
                    for d in &report.diagnostics.items {
                        assert!(d.span.start <= mutated.len() && d.span.end <= mutated.len(), "{d:?} outside the file");
                    }
                    let _ = report.render_all();
                }
                Ok(Ok(out)) => {
                    assert!(syn::parse_file(&out.rust).is_ok(), "{} mutated: output does not parse", path.display());
                }
            }
        }
    }
    println!("{executions} mutated charts compiled, {rejected} rejected with diagnostics, 0 panics");
}

/// A random valid chart: nested compound/parallel states, transitions
/// between random states, and executable content over a few variables.
fn random_chart(rng: &mut Rng) -> String {
    let n = 2 + rng.below(30);
    let mut out = String::from(
        "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\" datamodel=\"ecmascript\">\n<datamodel><data id=\"x\" expr=\"0\"/><data id=\"y\" expr=\"[1, 2]\"/></datamodel>\n",
    );
    let mut open: Vec<&str> = Vec::new();
    for i in 0..n {
        let kind = match rng.below(6) {
            0 => "parallel",
            1 => "final",
            _ => "state",
        };
        out.push_str(&format!("<{kind} id=\"s{i}\">"));
        if kind != "final" {
            let target = rng.below(n);
            let event = ["go", "go.deeper", "*", "error", "done.state.s0"][rng.below(5)];
            let body = [
                "<assign location=\"x\" expr=\"x + 1\"/>",
                "<raise event=\"go\"/>",
                "<send event=\"go\" delay=\"1s\"/>",
                "<log label=\"l\" expr=\"x * 2 + y.length\"/>",
                "<if cond=\"x &gt; 3\"><assign location=\"x\" expr=\"0\"/><else/><raise event=\"go.deeper\"/></if>",
                "<foreach array=\"y\" item=\"it\" index=\"ix\"><assign location=\"x\" expr=\"x + it\"/></foreach>",
                "<script>var z = x % 3; if (z == 1) { x = x - 1; }</script>",
            ][rng.below(7)];
            out.push_str(&format!(
                "<transition event=\"{event}\" cond=\"x &lt; {}\" target=\"s{target}\">{body}</transition>",
                rng.below(9)
            ));
        }
        if kind == "final" || rng.below(3) == 0 {
            out.push_str(&format!("</{kind}>\n"));
            while !open.is_empty() && rng.below(2) == 0 {
                let k = open.pop().unwrap_or("state");
                out.push_str(&format!("</{k}>\n"));
            }
        } else {
            open.push(kind);
        }
    }
    while let Some(k) = open.pop() {
        out.push_str(&format!("</{k}>\n"));
    }
    out.push_str("</scxml>\n");
    out
}

#[test]
fn random_valid_charts_generate_rust_that_parses() {
    let mut rng = Rng(0xc0ffee);
    let mut compiled = 0;
    for i in 0..300 {
        let text = random_chart(&mut rng);
        let file = SourceFile::new(format!("random{i}.scxml"), text.clone());
        match compile(&file, &Options::default()) {
            Ok(out) => {
                compiled += 1;
                if let Err(e) = syn::parse_file(&out.rust) {
                    panic!("random chart {i}: {e}\n{text}");
                }
            }
            Err(report) => panic!("random chart {i} was rejected:\n{report}\n{text}"),
        }
    }
    assert_eq!(compiled, 300);
}

#[test]
fn large_charts_compile_in_reasonable_time() {
    // 5,000 sibling states, each with a transition to the next.
    let mut text = String::from("<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\">");
    for i in 0..5000 {
        text.push_str(&format!("<state id=\"s{i}\"><transition event=\"e\" target=\"s{}\"/></state>", (i + 1) % 5000));
    }
    text.push_str("</scxml>");
    let started = std::time::Instant::now();
    let out = compile(&SourceFile::new("big.scxml", text), &Options::default()).unwrap_or_else(|r| panic!("{r}"));
    assert!(out.rust.len() > 100_000);
    // Generous: debug build on a shared 2-core machine. Quadratic work would take minutes.
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "{:?}", started.elapsed());
}

#[test]
fn too_many_states_is_a_diagnostic_not_a_crash() {
    let mut text = String::from("<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\">");
    for i in 0..70_000 {
        text.push_str(&format!("<state id=\"s{i}\"/>"));
    }
    text.push_str("</scxml>");
    let report = compile(&SourceFile::new("huge.scxml", text), &Options::default()).expect_err("over the state limit");
    assert!(report.diagnostics.errors().any(|d| d.code == "E0105"));
}

#[test]
fn nesting_just_under_the_limit_compiles_on_a_small_stack() {
    // Test threads get 2 MiB of stack; so do proc-macro and build-script threads in practice.
    let depth = 250;
    let mut text = String::from("<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\">");
    for i in 0..depth {
        text.push_str(&format!("<state id=\"s{i}\">"));
    }
    text.push_str("<transition event=\"e\" target=\"s0\"/>");
    for _ in 0..depth {
        text.push_str("</state>");
    }
    text.push_str("</scxml>");
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || compile(&SourceFile::new("deep.scxml", text), &Options::default()).map(|o| o.rust.len()))
        .unwrap_or_else(|e| panic!("{e}"));
    let result = handle.join().unwrap_or_else(|_| panic!("the compiler overflowed its stack"));
    assert!(result.is_ok_and(|n| n > 10_000));
}

#[test]
fn deeply_nested_expressions_compile_on_a_small_stack() {
    let depth = 190;
    let expr = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let text = format!(
        "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\" datamodel=\"ecmascript\"><datamodel><data id=\"x\" expr=\"{expr}\"/></datamodel><state id=\"s\"/></scxml>"
    );
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || compile(&SourceFile::new("nested.scxml", text), &Options::default()).is_ok())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(handle.join().unwrap_or_else(|_| panic!("the compiler overflowed its stack")));
}

#[test]
fn deeply_nested_statements_compile_on_a_small_stack() {
    // Each level a different statement, so that every lowering and
    // generating path recurses: loops, a switch, a try, a labeled block.
    let levels = ["while (x) {", "for (k in o) {", "switch (x) { case 1: {", "try {", "l{}: {", "if (x) {", "do {"];
    let closers = ["}", "}", "} }", "} catch (e) { x = e; }", "}", "}", "} while (x);"];
    // 32 braces deep, the most the compiler parses.
    let depth = 28;
    let mut body = String::new();
    for i in 0..depth {
        // Labels differ: one may not label a statement inside another of the same name.
        body.push_str(&levels[i % levels.len()].replace("{}", &i.to_string()));
    }
    body.push_str("x = 1; break;");
    for i in (0..depth).rev() {
        body.push_str(closers[i % closers.len()]);
    }
    let text = format!(
        "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\" datamodel=\"ecmascript\"><datamodel><data id=\"x\"/><data id=\"o\"/><data id=\"k\"/></datamodel><state id=\"s\"><onentry><script>{body}</script></onentry></state></scxml>"
    );
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            compile(&SourceFile::new("statements.scxml", text), &Options::default())
                .map(|o| (o.rust.len(), o.report.diagnostics.warnings().count()))
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let result = handle.join().unwrap_or_else(|_| panic!("the compiler overflowed its stack"));
    let errors: Vec<String> =
        result.as_ref().err().map(|r| r.diagnostics.errors().map(|d| d.message.clone()).collect()).unwrap_or_default();
    assert!(result.is_ok_and(|(n, diagnostics)| n > 10_000 && diagnostics == 0), "{errors:?}");
}

#[test]
fn blocks_nested_too_deep_are_a_diagnostic_not_a_crash() {
    let body = format!("{}x = 1;{}", "try {".repeat(33), "} finally { x = 2; }".repeat(33));
    let text = format!(
        "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\" datamodel=\"ecmascript\"><datamodel><data id=\"x\"/></datamodel><state id=\"s\"><onentry><script>{body}</script></onentry></state></scxml>"
    );
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let output = compile(&SourceFile::new("blocks.scxml", text), &Options::default());
            output.map(|o| o.report.diagnostics.warnings().map(|d| d.message.clone()).collect::<Vec<_>>())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let warnings = handle.join().unwrap_or_else(|_| panic!("the compiler overflowed its stack")).unwrap_or_default();
    assert_eq!(warnings, ["invalid ECMAScript: blocks nested deeper than 32 levels"]);
}
