//! `build.rs` code generation, in the style of `prost-build`.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     scxmlc_compiler::Builder::new().chart("charts/door.scxml").compile()?;
//!     Ok(())
//! }
//! ```
//!
//! ```ignore
//! // src/main.rs
//! scxmlc_runtime::include_chart!(mod door);
//! ```
use crate::{Options, Report};
use std::fmt;
use std::path::{Path, PathBuf};

/// Compiles charts to `.rs` files, by default in `OUT_DIR`.
#[derive(Clone, Debug)]
pub struct Builder {
    charts: Vec<(PathBuf, Option<String>)>,
    out_dir: Option<PathBuf>,
    options: Options,
    rerun_if_changed: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    pub fn new() -> Self {
        Builder { charts: Vec::new(), out_dir: None, options: Options::default(), rerun_if_changed: true }
    }

    /// Adds a chart; its module is named after the file (`door.scxml` → `door.rs`).
    pub fn chart(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.charts.push((path.into(), None));
        self
    }

    /// Adds a chart under a module name of your choosing.
    pub fn chart_as(&mut self, path: impl Into<PathBuf>, module: &str) -> &mut Self {
        self.charts.push((path.into(), Some(module.to_string())));
        self
    }

    /// Where the `.rs` files go (default: `OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The path generated code uses for the runtime (default `::scxmlc_runtime`),
    /// for crates that re-export it.
    pub fn runtime_path(&mut self, path: &str) -> &mut Self {
        self.options.runtime_path = path.to_string();
        self
    }

    /// Accept a bare `&` in attributes, with a warning (charts pasted from vendor docs).
    pub fn lenient(&mut self, lenient: bool) -> &mut Self {
        self.options.lenient_ampersand = lenient;
        self
    }

    /// The SCXML dialect (default: Genesys when a chart declares a Genesys
    /// module namespace, W3C otherwise).
    pub fn dialect(&mut self, dialect: crate::model::Dialect) -> &mut Self {
        self.options.dialect = Some(dialect);
        self
    }

    /// Derive `serde::Serialize` and `Deserialize` for each chart's `Data`:
    /// your crate then needs `serde` (feature `derive`) and
    /// `scxmlc_runtime` with its `serde` feature.
    pub fn derive_serde(&mut self, on: bool) -> &mut Self {
        self.options.derive_serde = on;
        self
    }

    /// Print `cargo:rerun-if-changed` for each chart (default: on). Note that
    /// any such line replaces Cargo's default of rerunning the build script
    /// on every change in the package: list your other inputs too, or turn
    /// this off.
    pub fn emit_rerun_if_changed(&mut self, on: bool) -> &mut Self {
        self.rerun_if_changed = on;
        self
    }

    /// Compiles every chart; writes each file only when its content changed.
    /// Returns the files written (or left as they were).
    pub fn compile(&self) -> Result<Vec<PathBuf>, BuildError> {
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or(BuildError::NoOutDir)?,
        };
        std::fs::create_dir_all(&out_dir).map_err(|e| BuildError::Io(out_dir.clone(), e))?;
        let mut failures = Vec::new();
        let mut written = Vec::new();
        // Generate everything first: a failure leaves no file half-updated.
        let mut outputs = Vec::new();
        for (chart, module) in &self.charts {
            if self.rerun_if_changed {
                println!("cargo:rerun-if-changed={}", chart.display());
            }
            match crate::compile_file(chart, &self.options) {
                Ok(out) => {
                    for d in out.report.diagnostics.warnings() {
                        println!("cargo:warning={}", out.report.headline(d));
                    }
                    let module = module.clone().unwrap_or_else(|| module_name(chart));
                    outputs.push((out_dir.join(format!("{module}.rs")), out.rust));
                }
                Err(report) => failures.push(report),
            }
        }
        if !failures.is_empty() {
            return Err(BuildError::Charts(failures));
        }
        for (path, text) in outputs {
            if std::fs::read_to_string(&path).map_or(true, |old| old != text) {
                std::fs::write(&path, text).map_err(|e| BuildError::Io(path.clone(), e))?;
            }
            written.push(path);
        }
        Ok(written)
    }
}

/// `routing-main.scxml` → `routing_main`.
pub fn module_name(chart: &Path) -> String {
    let stem = chart.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    crate::ident::snake(&stem)
}

/// Compiles charts into `OUT_DIR` with default options.
pub fn compile_charts<P: AsRef<Path>>(charts: &[P]) -> Result<Vec<PathBuf>, BuildError> {
    let mut b = Builder::new();
    for c in charts {
        b.chart(c.as_ref());
    }
    b.compile()
}

#[derive(Debug)]
pub enum BuildError {
    /// Charts with errors, each with all its diagnostics.
    Charts(Vec<Report>),
    Io(PathBuf, std::io::Error),
    NoOutDir,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Charts(reports) => {
                for r in reports {
                    for d in r.diagnostics.errors() {
                        writeln!(f, "{}", r.headline(d))?;
                    }
                    writeln!(f, "{}", r.render_all())?;
                }
                Ok(())
            }
            BuildError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            BuildError::NoOutDir => f.write_str("OUT_DIR is not set: call Builder::out_dir or run from build.rs"),
        }
    }
}

impl std::error::Error for BuildError {}
