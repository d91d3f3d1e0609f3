//! The engine's error type: one enum whose messages name what went wrong and where.

use std::fmt;

/// Everything the engine can refuse. Messages are written for the musician or the TypeScript
/// side to show as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// The GraphIR text is not JSON of the expected shape (a missing field, a wrong type).
    Json(String),
    /// The GraphIR parsed but breaks a rule (version, ids, references, stages, kinds, lanes).
    Ir(String),
    /// An event batch is malformed; nothing of it was applied.
    Events(String),
    /// A file could not be created or written.
    Io(String),
    /// An operation needs a loaded graph and none is loaded.
    NoGraph(String),
    /// A setting is out of range (a thread count).
    Config(String),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Json(m) => write!(f, "GraphIR JSON: {m}"),
            EngineError::Ir(m) => write!(f, "invalid GraphIR: {m}"),
            EngineError::Events(m) => write!(f, "invalid event batch: {m}"),
            EngineError::Io(m) => write!(f, "{m}"),
            EngineError::NoGraph(m) => write!(f, "no graph loaded: {m}"),
            EngineError::Config(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for EngineError {}
