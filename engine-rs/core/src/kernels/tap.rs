//! `tap`: passes its input through unchanged and records the first `dur` seconds of it into a preallocated buffer, for debugging.
//!
//! ## `tap {in, dur = 1}`
//! Output: `in`, bit for bit (channels follow `in`). The first `dur` seconds (0..[`MAX_TAP`],
//! clamped; read every frame, so lowering it mid-way stops the recording there) of each channel
//! are copied into a buffer allocated in `prepare` for [`MAX_TAP`] seconds of stereo.
//! [`Tap::recording`] gives what has been recorded so far.
//!
//! The reference's `tap "file.wav" dur` also names a file. GraphIR params are numbers and the
//! render thread may not do I/O, so writing the file is left to the control side: it reads
//! [`Tap::recording`] off the render thread (for example when the plan is retired) and writes a
//! WAV. That hand-over is not wired into the engine yet.

use super::dsp::{audio, clampf, param, Scratch};
use super::{ChannelRule, Context, Kernel, KindSpec, Outputs, PortIn};

/// `tap {in, dur}`.
pub const TAP: KindSpec = KindSpec::new(
    "tap",
    "Record the signal to a WAV file for debugging; passes it through.",
    &[audio("in"), param("duration", 1.0).unit("s").range(0.0, MAX_TAP)],
    ChannelRule::FollowInputs,
    || Box::new(Tap::default()),
);

/// Longest recording, seconds.
pub const MAX_TAP: f32 = 10.0;

/// The recorder.
#[derive(Debug, Default)]
pub struct Tap {
    sample_rate: f32,
    buf: [Vec<f32>; 2],
    /// Frames recorded.
    len: usize,
    channels: usize,
    scratch: Scratch,
}

impl Tap {
    /// The recorded frames of each channel (the right one is empty for a mono input).
    pub fn recording(&self) -> [&[f32]; 2] {
        let r = if self.channels == 2 { self.len } else { 0 };
        [&self.buf[0][..self.len], &self.buf[1][..r]]
    }
}

impl Kernel for Tap {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        let cap = (MAX_TAP * sample_rate).ceil() as usize;
        self.buf = [vec![0.0; cap], vec![0.0; cap]];
        self.len = 0;
        self.channels = 1;
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let channels = out.channels();
        self.channels = channels;
        let [il, ir, dur] = self.scratch.ports(inputs, 1, n);
        let cap = self.buf[0].len();
        // How many of this block's frames are recorded: frame i is while len + i < dur frames.
        let mut take = 0;
        while take < n {
            let limit = (clampf(dur[take], 0.0, MAX_TAP, 1.0) * self.sample_rate) as usize;
            if self.len + take >= limit.min(cap) {
                break;
            }
            take += 1;
        }
        for (c, x) in [il, ir].into_iter().enumerate().take(channels) {
            out.channel(c).copy_from_slice(x);
            self.buf[c][self.len..self.len + take].copy_from_slice(&x[..take]);
        }
        self.len += take;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::dsp::testing::{invariant, noise, SR};
    use crate::kernels::testing::{assert_same, Src};

    #[test]
    fn tap_passes_through_and_records_dur_seconds() {
        let n = 30000;
        let (l, r) = (noise(n, 81, 0.5), noise(n, 82, 0.5));
        let y = invariant(
            &|| Box::new(Tap::default()),
            &[Src::Stereo(l.clone(), r.clone()), Src::Const(0.5)],
            2,
            n,
        );
        assert_same("L", &y[0], &l);
        assert_same("R", &y[1], &r);
        let mut t = Tap::default();
        crate::kernels::dsp::testing::render(
            &mut t,
            &[Src::Stereo(l.clone(), r.clone()), Src::Const(0.25)],
            2,
            n,
            &[100, 7, 512],
        );
        let want = (0.25 * SR) as usize;
        let [rl, rr] = t.recording();
        assert_same("recorded L", rl, &l[..want]);
        assert_same("recorded R", rr, &r[..want]);
    }
}
