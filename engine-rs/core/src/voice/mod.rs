//! Voices: the kinds that start a voice per trigger (sample voices and synth voices) and the one pool machinery they share.
//!
//! This layer sits above the kernels and the plan: a synth voice owns a [`crate::plan::Graph`]
//! (an instance of its template), and the pool splits groups of voices across the workers
//! ([`crate::workers`]). Each kind is a [`crate::kernels::Kernel`] to the plan.
//!
//! - [`pool`]: [`pool::VoicePool`], triggers, slots, stealing, fades, counters, group sums.
//! - [`sample`]: the `sampler` kind, voices that play bank samples.
//! - [`synth`]: the `voices` kind, voices that run a template graph.

pub mod pool;
pub mod sample;
pub mod synth;

/// The voice kinds (registered with the kernels' in [`crate::kinds`]).
pub const KINDS: &[&crate::kernels::KindSpec] = &[&sample::SAMPLER, &synth::VOICES];
