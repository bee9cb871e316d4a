//! `scxmlc`: transpile, check and simulate SCXML charts.
use clap::{Parser, Subcommand};
use scxmlc_compiler::{Options, Report};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod simulate;

#[derive(Parser)]
#[command(name = "scxmlc", version, about = "Ahead-of-time compiler from SCXML statecharts to Rust")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile a chart to formatted Rust.
    ///
    /// Example: scxmlc transpile fixtures/door.scxml -o src/door.rs
    Transpile {
        chart: PathBuf,
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Fail (exit 1) if OUTPUT is not what the chart generates now.
        #[arg(long, requires = "output")]
        check: bool,
        #[command(flatten)]
        flags: Flags,
    },
    /// Report every diagnostic of one or more charts; exit 1 if any has errors.
    ///
    /// Example: scxmlc check fixtures/*.scxml
    Check {
        #[arg(required = true)]
        charts: Vec<PathBuf>,
        #[command(flatten)]
        flags: Flags,
    },
    /// Draw a chart: the state hierarchy, transitions labelled `event [cond]`,
    /// initial states and history marked.
    ///
    /// Example: scxmlc graph fixtures/door.scxml | dot -Tsvg > door.svg
    Graph {
        chart: PathBuf,
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
        #[command(flatten)]
        flags: Flags,
    },
    /// Compile a chart, build it against the runtime and run it on a virtual
    /// clock, alone or against a scripted call scenario on the simulated platform.
    ///
    /// Prints one JSON object per line (enter, exit, event, log, request, and a
    /// final done). Exit status: with a scenario that has `expect`, 0 when every
    /// expectation is met and 4 when one is not; otherwise 0 when a top-level
    /// final state was reached and 3 when none was; 1 when the chart does not compile.
    ///
    /// Example: scxmlc simulate fixtures/genesys/detach_redirect.scxml --scenario fixtures/genesys/scenarios/happy.json
    Simulate {
        chart: PathBuf,
        /// A call scenario (JSON) to play on the simulated platform.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Stop the virtual clock here (e.g. 90s, 2m); default: the scenario's `until`, else 10m.
        #[arg(long)]
        until: Option<String>,
        #[command(flatten)]
        flags: Flags,
    },
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(clap::Args, Clone)]
struct Flags {
    /// Accept a bare '&' in attributes (with a warning), as vendor docs print them.
    #[arg(long)]
    lenient: bool,
}

impl Flags {
    fn options(&self) -> Options {
        Options { lenient_ampersand: self.lenient, ..Options::default() }
    }
}

fn print_report(report: &Report) {
    if !report.diagnostics.items.is_empty() {
        eprintln!("{}", report.render_all());
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Transpile { chart, output, check, flags } => {
            transpile(&chart, output.as_deref(), check, &flags.options())
        }
        Command::Check { charts, flags } => {
            let options = flags.options();
            let mut failed = false;
            for chart in charts {
                let report = match scxmlc_compiler::load(&chart) {
                    Ok(file) => scxmlc_compiler::check(&file, &options),
                    Err(report) => report,
                };
                print_report(&report);
                let errors = report.diagnostics.errors().count();
                let warnings = report.diagnostics.warnings().count();
                eprintln!("{}: {errors} error(s), {warnings} warning(s)", chart.display());
                failed |= errors > 0;
            }
            if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Graph { chart, format, flags } => {
            let model =
                scxmlc_compiler::load(&chart).and_then(|file| scxmlc_compiler::load_model(&file, &flags.options()));
            match model {
                Ok(model) => {
                    print!(
                        "{}",
                        match format {
                            GraphFormat::Dot => scxmlc_compiler::graph::dot(&model),
                            GraphFormat::Mermaid => scxmlc_compiler::graph::mermaid(&model),
                        }
                    );
                    ExitCode::SUCCESS
                }
                Err(report) => {
                    print_report(&report);
                    ExitCode::from(1)
                }
            }
        }
        Command::Simulate { chart, scenario, until, flags } => {
            let until = match until.as_deref().map(|u| (u, scxmlc_runtime::parse_duration(u))) {
                None => None,
                Some((_, Some(d))) => Some(d),
                Some((u, None)) => {
                    eprintln!("error: --until '{u}' is not a duration (e.g. 90s, 500ms, 2m)");
                    return ExitCode::from(2);
                }
            };
            simulate::run(&chart, scenario.as_deref(), until, &flags.options())
        }
    }
}

fn transpile(chart: &Path, output: Option<&Path>, check: bool, options: &Options) -> ExitCode {
    let out = match scxmlc_compiler::compile_file(chart, options) {
        Ok(out) => out,
        Err(report) => {
            print_report(&report);
            return ExitCode::from(1);
        }
    };
    print_report(&out.report);
    match output {
        None => {
            print!("{}", out.rust);
            ExitCode::SUCCESS
        }
        Some(path) if check => {
            if std::fs::read_to_string(path).is_ok_and(|old| old == out.rust) {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "error: {} is stale: run `scxmlc transpile {} -o {}`",
                    path.display(),
                    chart.display(),
                    path.display()
                );
                ExitCode::from(1)
            }
        }
        Some(path) => {
            // Write only on change so that builds depending on the file stay fresh.
            if std::fs::read_to_string(path).is_ok_and(|old| old == out.rust) {
                return ExitCode::SUCCESS;
            }
            match std::fs::write(path, &out.rust) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    ExitCode::from(1)
                }
            }
        }
    }
}
