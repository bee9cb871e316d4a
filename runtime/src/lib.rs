//! Runtime for statecharts compiled by `scxmlc`.
//!
//! Generated code implements [`Chart`] with static tables and one function
//! per condition and executable-content block; [`Session`] runs the W3C
//! SCXML algorithm (Appendix D) over it, monomorphised per chart.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod chart;
mod error;
mod event;
mod json;
pub mod ops;
mod session;
mod time;
pub mod trace;
mod value;

pub use chart::{Chart, StateInfo, StateKind, TransitionInfo, NO_STATE};
pub use error::{ErrorKind, ExecError};
pub use event::{Event, EventKind};
pub use json::parse as parse_json;
pub use session::{Core, NullObserver, Observer, SendRequest, Session, SessionOptions, Status};
pub use time::{format_duration, parse_duration};
pub use value::{Object, Value};

/// Event I/O processor URI of the SCXML processor (W3C SCXML, appendix C.1).
pub const SCXML_IO_PROCESSOR: &str = "http://www.w3.org/TR/scxml/#SCXMLEventProcessor";
