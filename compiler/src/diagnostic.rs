//! Diagnostics as data: every stage pushes what it finds into [`Diagnostics`];
//! rendering (terminal report, `compile_error!`) is a separate concern.
use std::fmt;
use std::path::{Path, PathBuf};

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end: end.max(start) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable code, e.g. `E0102`, so tools and docs can name the problem.
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, code, message: message.into(), span, help: None }
    }
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, code, message: message.into(), span, help: None }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The text of a chart and where its lines start, for line:column lookups.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { path: path.into(), text, line_starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        self.text.get(start..end).unwrap_or("").trim_end_matches(['\n', '\r'])
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// All problems found in one chart.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
    pub fn error(&mut self, code: &'static str, span: Span, message: impl Into<String>) {
        self.push(Diagnostic::error(code, span, message));
    }
    pub fn warning(&mut self, code: &'static str, span: Span, message: impl Into<String>) {
        self.push(Diagnostic::warning(code, span, message));
    }
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Warning)
    }
}

/// Diagnostics bound to their source, ready to print.
#[derive(Clone, Debug)]
pub struct Report {
    pub file: SourceFile,
    pub diagnostics: Diagnostics,
}

impl Report {
    /// `path:line:col: error[E0001]: message` for one diagnostic.
    pub fn headline(&self, d: &Diagnostic) -> String {
        let (line, col) = self.file.line_col(d.span.start);
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!("{}:{line}:{col}: {severity}[{}]: {}", self.file.path.display(), d.code, d.message)
    }

    /// A rustc-style rendering: headline, the source line, a caret, help.
    pub fn render(&self, d: &Diagnostic) -> String {
        let (line, col) = self.file.line_col(d.span.start);
        let (end_line, end_col) = self.file.line_col(d.span.end);
        let text = self.file.line_text(line);
        let width = if end_line == line && end_col > col { end_col - col } else { 1 };
        let gutter = " ".repeat(line.to_string().len());
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!(
            "{severity}[{}]: {}\n{gutter}--> {}:{line}:{col}\n{gutter} |\n{line} | {text}\n{gutter} | {}{}\n",
            d.code,
            d.message,
            self.file.path.display(),
            " ".repeat(col - 1),
            "^".repeat(width.min(text.chars().count().saturating_sub(col - 1).max(1)))
        );
        if let Some(help) = &d.help {
            out.push_str(&format!("{gutter} = help: {help}\n"));
        }
        out
    }

    pub fn render_all(&self) -> String {
        let mut items: Vec<&Diagnostic> = self.diagnostics.items.iter().collect();
        items.sort_by_key(|d| (d.span.start, std::cmp::Reverse(d.severity)));
        items.iter().map(|d| self.render(d)).collect::<Vec<_>>().join("\n")
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_all())
    }
}

impl std::error::Error for Report {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let f = SourceFile::new("x.scxml", "ab\ncdé\nf".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(7), (2, 4));
        assert_eq!(f.line_col(8), (3, 1));
    }
}
