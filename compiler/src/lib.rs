//! scxmlc: an ahead-of-time compiler from SCXML statecharts to Rust.
//!
//! The pipeline runs one way: [`parse`] (XML with spans) → [`model`]
//! (resolved, validated states and transitions) → [`script`] (ECMAScript
//! lowered to a typed IR) → [`codegen`] (tokens) → [`emit`] (formatted
//! text). Every stage collects diagnostics; the pipeline stops only between
//! stages.
//!
//! ```no_run
//! let output = scxmlc_compiler::compile_file("door.scxml".as_ref(), &Default::default())?;
//! std::fs::write("door.rs", output.rust)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod ast;
mod builder;
pub mod codegen;
pub mod diagnostic;
pub mod emit;
pub mod genesys;
pub mod graph;
pub mod ident;
pub mod ir;
pub mod model;
pub mod parse;
pub mod script;

pub use builder::{compile_charts, module_name, BuildError, Builder};
pub use diagnostic::{Diagnostic, Diagnostics, Report, Severity, SourceFile, Span};

use proc_macro2::TokenStream;
use std::path::Path;

#[derive(Clone, Debug)]
pub struct Options {
    /// The path generated code uses to reach the runtime crate.
    pub runtime_path: String,
    /// Accept a bare `&` in attributes (with a warning), as vendor docs print them.
    /// Always on in the Genesys dialect.
    pub lenient_ampersand: bool,
    /// `None`: Genesys when the chart declares a Genesys module namespace, else W3C.
    pub dialect: Option<model::Dialect>,
    /// Derive `serde::Serialize`/`Deserialize` for the generated `Data`
    /// (needs `serde` with `derive`, and the runtime's `serde` feature).
    pub derive_serde: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runtime_path: "::scxmlc_runtime".into(),
            lenient_ampersand: false,
            dialect: None,
            derive_serde: false,
        }
    }
}

impl Options {
    /// The dialect a chart is compiled in under these options.
    pub fn dialect_of(&self, text: &str) -> model::Dialect {
        self.dialect.unwrap_or(if genesys::detect(text) { model::Dialect::Genesys } else { model::Dialect::W3c })
    }
}

/// A compiled chart.
#[derive(Debug)]
pub struct Output {
    pub tokens: TokenStream,
    /// Formatted Rust source, header included.
    pub rust: String,
    /// Warnings (no errors: those make [`compile`] fail).
    pub report: Report,
}

/// Reads a chart from disk, decoding UTF-8, UTF-16 (with BOM) or the
/// single-byte encodings its XML declaration names.
pub fn load(path: &Path) -> Result<SourceFile, Report> {
    let bytes = std::fs::read(path).map_err(|e| {
        let file = SourceFile::new(path, String::new());
        let mut diagnostics = Diagnostics::default();
        diagnostics.error("E0000", Span::default(), format!("cannot read the chart: {e}"));
        Report { file, diagnostics }
    })?;
    match decode(&bytes) {
        Ok(text) => Ok(SourceFile::new(path, text)),
        Err(message) => {
            let mut diagnostics = Diagnostics::default();
            diagnostics.error("E0003", Span::default(), message);
            Err(Report { file: SourceFile::new(path, String::from_utf8_lossy(&bytes).into_owned()), diagnostics })
        }
    }
}

fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec()).map_err(|e| format!("invalid UTF-8: {e}"));
    }
    let utf16 = |rest: &[u8], le: bool| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
            .collect();
        String::from_utf16(&units).map_err(|e| format!("invalid UTF-16: {e}"))
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
    let encoding = head
        .split("encoding=")
        .nth(1)
        .and_then(|s| s.trim_start_matches(['"', '\'']).split(['"', '\'']).next())
        .unwrap_or("");
    match encoding {
        "iso-8859-1" | "latin1" | "iso_8859-1" => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        "windows-1252" | "cp1252" => Ok(bytes.iter().map(|&b| windows_1252(b)).collect()),
        "" => Err("the chart is not UTF-8 and its XML declaration names no encoding".into()),
        other => Err(format!("unsupported encoding '{other}' (use UTF-8, UTF-16, ISO-8859-1 or windows-1252)")),
    }
}

fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Runs every stage but codegen and returns all diagnostics.
pub fn check(file: &SourceFile, options: &Options) -> Report {
    let mut diagnostics = Diagnostics::default();
    let _ = front_end(file, options, &mut diagnostics);
    Report { file: file.clone(), diagnostics }
}

pub(crate) fn front_end(
    file: &SourceFile,
    options: &Options,
    diags: &mut Diagnostics,
) -> Option<(model::Chart, script::Scripts)> {
    let dialect = options.dialect_of(&file.text);
    let lenient_ampersand = options.lenient_ampersand || dialect == model::Dialect::Genesys;
    let doc = parse::parse(&file.text, parse::ParseOptions { lenient_ampersand }, diags)?;
    let base_dir = file.path.parent().filter(|p| p.is_dir());
    let chart = model::build(&doc, model::ModelOptions { base_dir, dialect }, diags)?;
    if diags.has_errors() {
        return None;
    }
    let scripts = script::lower(&chart, diags);
    if diags.has_errors() {
        return None;
    }
    Some((chart, scripts))
}

/// The validated model of a chart (for diagrams and tools), or its diagnostics.
pub fn load_model(file: &SourceFile, options: &Options) -> Result<model::Chart, Report> {
    let mut diagnostics = Diagnostics::default();
    match front_end(file, options, &mut diagnostics) {
        Some((chart, _)) => Ok(chart),
        None => Err(Report { file: file.clone(), diagnostics }),
    }
}

/// Compiles a chart to Rust.
pub fn compile(file: &SourceFile, options: &Options) -> Result<Output, Report> {
    let mut diagnostics = Diagnostics::default();
    let Some((chart, mut scripts)) = front_end(file, options, &mut diagnostics) else {
        return Err(Report { file: file.clone(), diagnostics });
    };
    ir::propagate_constants(&chart, &mut scripts);
    let tokens = codegen::Codegen::new(&chart, &scripts, file, &options.runtime_path)
        .derive_serde(options.derive_serde)
        .generate(&mut diagnostics);
    let name = file.path.file_name().map_or_else(|| "chart".into(), |n| n.to_string_lossy().into_owned());
    match emit::format(&tokens, &name) {
        Ok(rust) => Ok(Output { tokens, rust, report: Report { file: file.clone(), diagnostics } }),
        Err(e) => {
            diagnostics.error("E0900", Span::default(), format!("internal error: generated code does not parse: {e}"));
            Err(Report { file: file.clone(), diagnostics })
        }
    }
}

/// Loads and compiles a chart file.
pub fn compile_file(path: &Path, options: &Options) -> Result<Output, Report> {
    compile(&load(path)?, options)
}
