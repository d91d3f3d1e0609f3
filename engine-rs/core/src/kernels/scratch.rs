//! Port expansion: constant-or-block inputs turned into plain `f32` slices once per block, so inner loops index slices.
//!
//! A kernel with several modulatable ports would otherwise need one loop per Const/Block
//! combination. Instead, once per block, [`Scratch::slices`] returns every port as a slice of the
//! block's frames: a block input is borrowed as it is, a constant is written into a preallocated
//! slot (a `fill` of at most `max_block` values). The inner loops then see only slices. The
//! scratch is sized in `prepare`; `slices` never allocates.

use super::Input;

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
}
