use std::fmt;

/// What went wrong while evaluating an expression or running executable
/// content. The session turns it into the `error.execution` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// ECMAScript `TypeError`: member access on undefined, calling a non-function...
    Type,
    /// ECMAScript `ReferenceError`: an identifier that names nothing.
    Reference,
    /// ECMAScript `RangeError`: too deep a recursion.
    Range,
    /// ECMAScript `URIError`: a malformed `%` escape to decode.
    Uri,
    /// An expression the compiler could not parse; it raises at run time as the spec requires.
    Syntax,
    /// An assignment to a location that cannot be assigned.
    InvalidLocation,
    /// A `<send>` with an unsupported `type` or an invalid value.
    Send,
    /// An `<invoke>` that cannot start its child.
    Invoke,
    /// A value a chart's script threw ([`crate::control::throw`]).
    Thrown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecError {
    pub kind: ErrorKind,
    pub message: String,
    /// The id of the `<send>` that failed, for the error event's `sendid`.
    pub sendid: Option<String>,
}

impl ExecError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ExecError { kind, message: message.into(), sendid: None }
    }
    pub fn with_sendid(mut self, sendid: Option<&str>) -> Self {
        self.sendid = sendid.map(str::to_string);
        self
    }
    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Type, message)
    }
    pub fn reference(name: &str) -> Self {
        Self::new(ErrorKind::Reference, format!("{name} is not defined"))
    }
    pub fn syntax(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Syntax, message)
    }
    pub fn invalid_location(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidLocation, message)
    }
}

impl ErrorKind {
    /// The ECMAScript error a `catch` sees this as: `TypeError`... or,
    /// for the SCXML-level kinds, plain `Error`.
    pub fn js_name(&self) -> &'static str {
        match self {
            ErrorKind::Type => "TypeError",
            ErrorKind::Reference => "ReferenceError",
            ErrorKind::Range => "RangeError",
            ErrorKind::Syntax => "SyntaxError",
            ErrorKind::Uri => "URIError",
            _ => "Error",
        }
    }
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ErrorKind::Type | ErrorKind::Reference | ErrorKind::Range | ErrorKind::Syntax | ErrorKind::Uri => {
                self.kind.js_name()
            }
            ErrorKind::InvalidLocation => "invalid location",
            ErrorKind::Send => "send error",
            ErrorKind::Invoke => "invoke error",
            // What the chart threw says what it is.
            ErrorKind::Thrown => return f.write_str(&self.message),
        };
        write!(f, "{kind}: {}", self.message)
    }
}

impl std::error::Error for ExecError {}
