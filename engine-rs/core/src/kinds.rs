//! The registry of every node kind, by name: the kernels' kinds ([`crate::kernels::KINDS`], one registry line per kernel file) and the voice kinds above them ([`crate::voice::KINDS`]).

use crate::kernels::{Kernel, KindSpec};

/// Every kind the engine implements: the kernels' in registration order, then the voice kinds.
pub fn all() -> impl Iterator<Item = &'static KindSpec> {
    crate::kernels::KINDS
        .iter()
        .chain(crate::voice::KINDS)
        .copied()
}

/// The spec of a kind, or `None` for an unknown kind. Control thread.
pub fn spec(kind: &str) -> Option<&'static KindSpec> {
    all().find(|s| s.name == kind)
}

/// A fresh, unprepared kernel of `kind`, or `None` for an unknown kind. Control thread.
pub fn make(kind: &str) -> Option<Box<dyn Kernel>> {
    spec(kind).map(|s| (s.make)())
}

/// Every kind's declaration as JSON (`[{name, doc, ports: [{name, default, stereo, unit, range}],
/// data: [{name, doc}], channels, triggers}]`; `default` and `range` are null when absent), from
/// which the language's catalogue is generated. Control thread.
pub fn kinds_json() -> String {
    let all: Vec<&KindSpec> = all().collect();
    simd_json::serde::to_string(&all).expect("kind specs are plain data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_one_kind() {
        let mut names = std::collections::HashSet::new();
        for s in all() {
            assert!(names.insert(s.name), "{} is registered twice", s.name);
            assert!(std::ptr::eq(spec(s.name).unwrap().name, s.name));
            assert!(make(s.name).is_some());
        }
        assert!(names.contains("sampler") && names.contains("voices") && names.contains("lpf"));
        assert!(spec("nope").is_none());
    }
}
