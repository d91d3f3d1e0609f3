//! A node's structural settings (GraphIR `data`: a file name, a voice limit, partial amplitudes), as the plan hands them to a kernel.
//!
//! Data is read once, when the plan is built ([`super::Kernel::configure`]); unlike params it is
//! not modulated and changing it makes a new node shape. It is defined here, at the bottom with
//! the kernel interface, so kernels read it without reaching up into the IR; `ir.rs` parses it.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A value of a node's `data`: a string, a number or a list of numbers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum DataValue {
    /// A number.
    Num(f64),
    /// A string (a file name, a mode…).
    Str(String),
    /// Numbers (partial amplitudes…).
    List(Vec<f64>),
}

/// A node's structural settings, read when the plan is built.
pub type NodeData = BTreeMap<String, DataValue>;
