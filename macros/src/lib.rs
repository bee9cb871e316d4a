//! `scxml!`: compiles an SCXML chart into a Rust module at build time.
//!
//! ```ignore
//! scxmlc_macros::scxml!(pub mod door, path = "fixtures/door.scxml");
//! scxmlc_macros::scxml!(mod blink, r#"<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0">...</scxml>"#);
//!
//! let mut session = door::Machine::session();
//! ```
//!
//! A path is relative to the calling crate's `CARGO_MANIFEST_DIR`; the file
//! is tracked, so editing the chart rebuilds the crate. Errors point at the
//! chart: `file:line:col` in the message, spanned on the literal.
//!
//! Options after the chart: `runtime = "::path::to::runtime"` when the
//! runtime is re-exported, `lenient = true` to accept a bare `&` in
//! attributes (with a warning), as vendor documentation prints them,
//! `dialect = "w3c" | "genesys"` to override detection, and `serde = true`
//! to derive serde's traits for the datamodel.
use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use scxmlc_compiler::{Options, Report, Severity, SourceFile};
use std::path::PathBuf;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitBool, LitStr, Token, Visibility};

struct Input {
    vis: Visibility,
    name: Ident,
    chart: Chart,
    runtime: Option<LitStr>,
    lenient: bool,
    dialect: Option<LitStr>,
    serde: bool,
}

enum Chart {
    Path(LitStr),
    Inline(LitStr),
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let vis: Visibility = input.parse()?;
        input.parse::<Token![mod]>()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![,]>()?;
        let chart = if input.peek(LitStr) {
            Chart::Inline(input.parse()?)
        } else {
            let key: Ident = input.parse()?;
            if key != "path" {
                return Err(syn::Error::new(
                    key.span(),
                    "expected `path = \"chart.scxml\"` or an inline chart literal",
                ));
            }
            input.parse::<Token![=]>()?;
            Chart::Path(input.parse()?)
        };
        let mut runtime = None;
        let mut lenient = false;
        let mut dialect = None;
        let mut serde = false;
        while input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "runtime" => runtime = Some(input.parse()?),
                "lenient" => lenient = input.parse::<LitBool>()?.value,
                "serde" => serde = input.parse::<LitBool>()?.value,
                "dialect" => {
                    let d: LitStr = input.parse()?;
                    if !matches!(d.value().as_str(), "w3c" | "genesys") {
                        return Err(syn::Error::new(d.span(), "dialect is \"w3c\" or \"genesys\""));
                    }
                    dialect = Some(d);
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        "unknown option: expected `runtime`, `lenient`, `dialect` or `serde`",
                    ))
                }
            }
        }
        Ok(Input { vis, name, chart, runtime, lenient, dialect, serde })
    }
}

/// Compiles an SCXML chart into a module. See the crate documentation.
#[proc_macro]
pub fn scxml(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as Input);
    expand(input).into()
}

fn expand(input: Input) -> TokenStream2 {
    let Input { vis, name, chart, runtime, lenient, dialect, serde } = input;
    let mut options = Options { lenient_ampersand: lenient, derive_serde: serde, ..Options::default() };
    options.dialect = dialect.map(|d| match d.value().as_str() {
        "genesys" => scxmlc_compiler::model::Dialect::Genesys,
        _ => scxmlc_compiler::model::Dialect::W3c,
    });
    if let Some(r) = &runtime {
        options.runtime_path = r.value();
    }
    let (file, literal, tracked) = match &chart {
        Chart::Inline(lit) => (SourceFile::new("<inline chart>", lit.value()), lit, None),
        Chart::Path(lit) => {
            let root = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
            let path = root.join(lit.value());
            // Diagnostics name the chart as the user wrote it, relative to their crate.
            match scxmlc_compiler::load(&path) {
                Ok(mut file) => {
                    file.path = PathBuf::from(lit.value());
                    (file, lit, Some(path))
                }
                Err(mut report) => {
                    report.file.path = PathBuf::from(lit.value());
                    return failure(&vis, &name, &report, lit.span(), None);
                }
            }
        }
    };
    // Cargo does not see what a proc macro reads: include the file's bytes so
    // that editing the chart rebuilds the crate.
    let track = tracked.as_ref().map(|p| {
        let p = p.display().to_string();
        quote!(
            const _: &[u8] = include_bytes!(#p);
        )
    });
    match scxmlc_compiler::compile(&file, &options) {
        Ok(out) => {
            let tokens = out.tokens;
            let warnings =
                out.report.diagnostics.warnings().map(|d| deprecated_warning(&out.report, d, literal.span()));
            quote! {
                #[allow(dead_code, unreachable_code, unused_variables, clippy::all)]
                #vis mod #name {
                    #track
                    #(#warnings)*
                    #tokens
                }
            }
        }
        Err(report) => failure(&vis, &name, &report, literal.span(), track),
    }
}

/// `compile_error!`s for every error, plus a skeleton module so that code
/// naming `Machine` or `State` does not drown the real error in others.
fn failure(vis: &Visibility, name: &Ident, report: &Report, span: Span, track: Option<TokenStream2>) -> TokenStream2 {
    let errors = report.diagnostics.errors().map(|d| {
        let message = message(report, d);
        quote::quote_spanned!(span=> compile_error!(#message);)
    });
    quote! {
        #(#errors)*
        #[allow(dead_code)]
        #vis mod #name {
            #track
            /// Placeholder: the chart did not compile.
            #[derive(Debug, Default)]
            pub struct Machine;
            /// Placeholder: the chart did not compile.
            #[derive(Clone, Copy, Debug, PartialEq, Eq)]
            pub enum State {}
        }
    }
}

/// The rustc-style rendering: code, message, `file:line:col`, the chart's
/// own line with a caret, and help. Stable proc macros cannot span a part of
/// a literal, so the excerpt is what points inside the chart.
fn message(report: &Report, d: &scxmlc_compiler::Diagnostic) -> String {
    let rendered = report.render(d);
    // `compile_error!` prints its own "error: ": lead with the message, then the code.
    let (_, rest) = rendered.split_once('\n').unwrap_or((&rendered, ""));
    format!("{} [{}]\n{}", d.message, d.code, rest.trim_end())
}

/// Stable Rust has no warning API for proc macros; a deprecated item used
/// once is the usual way to surface one.
fn deprecated_warning(report: &Report, d: &scxmlc_compiler::Diagnostic, span: Span) -> TokenStream2 {
    debug_assert_eq!(d.severity, Severity::Warning);
    let note = message(report, d);
    quote::quote_spanned! {span=>
        const _: () = {
            #[deprecated(note = #note)]
            struct ScxmlWarning;
            let _ = ScxmlWarning;
        };
    }
}
