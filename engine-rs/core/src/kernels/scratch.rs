//! Port expansion: constant-or-block inputs turned into plain `f32` slices once per block, so inner loops index slices.
//!
//! A kernel with several modulatable ports would otherwise need one loop per Const/Block
//! combination. Instead, once per block, [`Scratch::slices`] returns every port as a slice of the
//! block's frames: a block input is borrowed as it is, a constant is written into a preallocated
//! slot (a `fill` of at most `max_block` values). The inner loops then see only slices.
//! [`Scratch::ports`] does it for a kernel's ports in order: the first few stereo ports by both
//! channels (an effect's audio input), the rest by their left channel (its controls). The
//! scratch is sized in `prepare`; neither allocates.

use super::{Input, PortIn};

/// Preallocated slots for expanding constant inputs, `slots` × `max_block` values.
#[derive(Debug, Default)]
pub struct Scratch {
    buf: Vec<f32>,
    stride: usize,
}

impl Scratch {
    /// Allocates `slots` slots of `max_block` values. Control thread.
    pub fn prepare(&mut self, slots: usize, max_block: usize) {
        self.stride = max_block.max(1);
        self.buf = vec![0.0; slots * self.stride];
    }

    /// Each input as `n` values (`n` ≤ `max_block`, and `K` ≤ the slots prepared). Constants are
    /// written into slot k for input k; blocks are borrowed.
    pub fn slices<'a, const K: usize>(
        &'a mut self,
        ins: [Input<'a>; K],
        n: usize,
    ) -> [&'a [f32]; K] {
        let mut slots = self.buf.chunks_mut(self.stride);
        ins.map(|input| {
            let slot = slots.next();
            match input {
                Input::Block(b) => &b[..n],
                Input::Const(c) => {
                    let slot = &mut slot.expect("scratch prepared with too few slots")[..n];
                    slot.fill(c);
                    &*slot
                }
            }
        })
    }

    /// Ports `inputs` as `K` slices of `n` values, in port order: each of the first `stereo`
    /// ports as its left and right channels, then each following port as its left channel
    /// (`K` = 2·`stereo` + the mono ports wanted; `K` ≤ the slots prepared). Render thread: no
    /// allocation.
    pub fn ports<'a, const K: usize>(
        &'a mut self,
        inputs: &[PortIn<'a>],
        stereo: usize,
        n: usize,
    ) -> [&'a [f32]; K] {
        let ins = std::array::from_fn(|i| {
            if i < 2 * stereo {
                inputs[i / 2].ch[i % 2]
            } else {
                inputs[i - stereo].left()
            }
        });
        self.slices(ins, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_fill_and_blocks_borrow() {
        let mut s = Scratch::default();
        s.prepare(3, 8);
        let b = [1.0f32, 2.0, 3.0, 4.0, 5.0];
        let [x, y, z] = s.slices([Input::Const(0.5), Input::Block(&b), Input::Const(-1.0)], 4);
        assert_eq!(x, &[0.5; 4]);
        assert_eq!(y, &b[..4]);
        assert_eq!(z, &[-1.0; 4]);
    }

    /// A stereo port by both channels, then mono ports by their left channel.
    #[test]
    fn ports_expand_stereo_then_mono() {
        let mut s = Scratch::default();
        s.prepare(4, 8);
        let (l, r) = ([1.0f32; 8], [2.0f32; 8]);
        let ins = [
            PortIn::stereo(Input::Block(&l), Input::Block(&r)),
            PortIn::mono(Input::Const(3.0)),
            PortIn::mono(Input::Const(4.0)),
        ];
        let [a, b, c, d] = s.ports(&ins, 1, 5);
        assert_eq!(
            (a, b, c, d),
            (&[1.0; 5][..], &[2.0; 5][..], &[3.0; 5][..], &[4.0; 5][..])
        );
    }
}
