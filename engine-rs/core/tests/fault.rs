//! A kernel that panics is silenced and reported, and every other output plays on bit for bit: through a kernel node, an absorbed term of a sum, a lane group, and a trigger.

use phonon_core::events::Trigger;
use phonon_core::executor::{Executor, Pick};
use phonon_core::ir::GraphIr;
use phonon_core::kernels::{Context, Kernel, Outputs, PortIn};
use phonon_core::plan::Plan;
use phonon_core::SampleBank;

const SR: f32 = 44100.0;
const BLOCK: usize = 256;

/// A kernel of another kind that renders as it does until its `after`-th block, then panics
/// there (and in `trigger` once `after` blocks have passed).
struct Panicker {
    inner: Box<dyn Kernel>,
    after: usize,
    blocks: usize,
}

impl Kernel for Panicker {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.inner.prepare(sample_rate, max_block);
    }
    fn process(&mut self, ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        self.blocks += 1;
        if self.blocks > self.after {
            panic!("injected fault");
        }
        self.inner.process(ctx, inputs, out);
    }
    fn trigger(&mut self, ctx: &Context, offset: usize, trigger: &Trigger) {
        if self.blocks >= self.after {
            panic!("injected fault in trigger");
        }
        self.inner.trigger(ctx, offset, trigger);
    }
    fn lane_key(&self) -> Option<u64> {
        self.inner.lane_key()
    }
    fn process_lanes(
        &mut self,
        others: &mut [Option<&mut dyn Kernel>],
        _ctx: &Context,
        _inputs: &[&[PortIn]],
        _outs: &mut [&mut [f32]],
    ) {
        let _ = others;
        panic!("injected fault in a lane group");
    }
}

/// A block's context: BLOCK frames at SR, no lanes.
fn context(bank: &SampleBank) -> Context<'_> {
    Context {
        sample_rate: SR,
        frames: BLOCK,
        bank,
        lanes: &[],
    }
}

fn plan(json: &str) -> Plan {
    let ir = GraphIr::parse(&mut json.as_bytes().to_vec()).unwrap();
    Plan::build(&ir, SR, BLOCK)
}

/// Replaces the kernel of the node with GraphIR id `id` by a [`Panicker`] around a fresh,
/// prepared kernel of its kind.
fn inject(plan: &mut Plan, id: u32, after: usize) {
    let node = plan
        .graph
        .nodes
        .iter_mut()
        .find(|n| n.id == id)
        .expect("node");
    let mut inner = phonon_core::kinds::make(node.kind).unwrap();
    inner.prepare(SR, BLOCK);
    node.kernel = Box::new(Panicker {
        inner,
        after,
        blocks: 0,
    });
}

/// Renders `blocks` blocks, mixing the outputs `pick` chooses; returns the left channel and the
/// faults each block reported as (count, node id).
fn render(
    e: &mut Executor,
    blocks: usize,
    mask: Option<&[u64]>,
) -> (Vec<f32>, Vec<(u64, Option<u32>)>) {
    let bank = SampleBank::default();
    let ctx = context(&bank);
    let (mut out, mut faults) = (Vec::new(), Vec::new());
    for _ in 0..blocks {
        e.run(&ctx);
        let (mut l, mut r) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
        e.mix_into(&mut l, &mut r, mask.map_or(Pick::All, Pick::In));
        out.extend_from_slice(&l);
        let c = e.take_counts();
        faults.push((c.faults, c.fault_node));
    }
    (out, faults)
}

const TWO_OUTPUTS: &str = r#"{"version": 1, "nodes": [
  {"id": 0, "kind": "sine", "params": {"freq": {"const": 440}}},
  {"id": 1, "kind": "saw", "params": {"freq": {"const": 110}}}],
  "outputs": [{"name": "a", "node": 0}, {"name": "b", "node": 1}], "stages": [[0, 1]]}"#;

/// Output b's saw panics in its 6th block: from that block on the master is output a alone,
/// exactly (bound 0: the same sine, the same mix order), before it both; the fault is reported
/// once, naming node 1.
#[test]
fn a_panicking_node_is_silenced_and_the_other_output_plays_on() {
    let mut faulty = plan(TWO_OUTPUTS);
    inject(&mut faulty, 1, 5);
    let (got, faults) = render(&mut Executor::new(faulty), 12, None);
    let (both, _) = render(&mut Executor::new(plan(TWO_OUTPUTS)), 12, None);
    let (a_alone, _) = render(&mut Executor::new(plan(TWO_OUTPUTS)), 12, Some(&[1]));
    assert_eq!(got[..5 * BLOCK], both[..5 * BLOCK], "before the fault");
    assert_eq!(got[5 * BLOCK..], a_alone[5 * BLOCK..], "after the fault");
    assert!(
        a_alone[5 * BLOCK..].iter().any(|&x| x.abs() > 0.5),
        "output a is sounding"
    );
    let reported: Vec<_> = faults.iter().enumerate().filter(|(_, f)| f.0 > 0).collect();
    assert_eq!(reported, vec![(5, &(1, Some(1)))]);
}

/// A panicking term absorbed into a sum (`sine + saw`, the saw rendered inside the sum's item)
/// leaves the sum as the sine alone.
#[test]
fn a_panicking_term_of_a_sum_leaves_the_other_terms() {
    let sum = r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "sine", "params": {"freq": {"const": 440}}},
      {"id": 1, "kind": "saw", "params": {"freq": {"const": 110}}},
      {"id": 2, "kind": "add", "params": {"a": {"node": 0}, "b": {"node": 1}}}],
      "outputs": [{"name": "out", "node": 2}], "stages": [[0, 1], [2]]}"#;
    let sine = r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "sine", "params": {"freq": {"const": 440}}}],
      "outputs": [{"name": "out", "node": 0}], "stages": [[0]]}"#;
    let mut faulty = plan(sum);
    inject(&mut faulty, 1, 3);
    let (got, faults) = render(&mut Executor::new(faulty), 8, None);
    let (want, _) = render(&mut Executor::new(plan(sine)), 8, None);
    assert_eq!(got[3 * BLOCK..], want[3 * BLOCK..]);
    assert_eq!(faults.iter().map(|f| f.0).sum::<u64>(), 1);
}

/// Low-passes summed in a lane group (`lpf` renders up to 16 instances as lanes of one call):
/// when the group's call panics, which lane failed is unknown, so the group is silenced (three
/// faults) and the separate output plays on.
#[test]
fn a_panicking_lane_group_is_silenced_as_a_whole() {
    let lpf = |id: u32, cutoff: u32| {
        format!(
            r#"{{"id": {id}, "kind": "lpf", "params": {{"in": {{"node": 0}}, "cutoff": {{"const": {cutoff}}}}}}}"#
        )
    };
    let bank = format!(
        r#"{{"version": 1, "nodes": [
      {{"id": 0, "kind": "saw", "params": {{"freq": {{"const": 110}}}}}},
      {}, {}, {},
      {{"id": 4, "kind": "add", "params": {{"a": {{"node": 1}}, "b": {{"node": 2}}}}}},
      {{"id": 5, "kind": "add", "params": {{"a": {{"node": 4}}, "b": {{"node": 3}}}}}},
      {{"id": 6, "kind": "sine", "params": {{"freq": {{"const": 55}}}}}}],
      "outputs": [{{"name": "bank", "node": 5}}, {{"name": "bass", "node": 6}}],
      "stages": [[0, 6], [1, 2, 3], [4], [5]]}}"#,
        lpf(1, 500),
        lpf(2, 800),
        lpf(3, 1200)
    );
    let mut faulty = plan(&bank);
    inject(&mut faulty, 1, 0);
    let (got, faults) = render(&mut Executor::new(faulty), 4, None);
    let (bass, _) = render(&mut Executor::new(plan(&bank)), 4, Some(&[2]));
    assert_eq!(got, bass);
    assert_eq!(faults[0].0, 3, "{faults:?}");
}

/// A trigger that panics silences its sampler; the other output plays on.
#[test]
fn a_panicking_trigger_silences_its_node() {
    let json = r#"{"version": 1, "nodes": [
      {"id": 0, "kind": "sine", "params": {"freq": {"const": 440}}},
      {"id": 1, "kind": "sampler", "params": {}}],
      "lanes": [{"id": 0, "kind": "trigger", "node": 1, "pattern": "bd"}],
      "outputs": [{"name": "a", "node": 0}, {"name": "s", "node": 1}], "stages": [[0, 1]]}"#;
    let mut faulty = plan(json);
    inject(&mut faulty, 1, 0);
    let mut e = Executor::new(faulty);
    let bank = SampleBank::default();
    let ctx = context(&bank);
    let event = phonon_core::events::Event {
        frame: 0,
        lane: 0,
        action: phonon_core::events::Action::Trigger(Trigger::default()),
    };
    e.apply(&ctx, &event, 10);
    let (got, faults) = render(&mut e, 3, None);
    let (a_alone, _) = render(&mut Executor::new(plan(json)), 3, Some(&[1]));
    assert_eq!(got, a_alone);
    assert_eq!(faults[0], (1, Some(1)));
}

/// A reload is the way back from a fault: the panicked kernel stays behind in the old program
/// and the node of the same key starts fresh in the new one, while the healthy node's kernel
/// moves on. Output b's saw panics in its 6th block; after 8 blocks the same program is loaded
/// again (every node carried over by key): from then on the master is output a's sine going on
/// plus a saw from its start, exactly (bound 0: the same operations in the same mix order).
#[test]
fn a_reload_brings_a_panicked_node_back_fresh() {
    let mut faulty = plan(TWO_OUTPUTS);
    inject(&mut faulty, 1, 5);
    let mut old = Executor::new(faulty);
    render(&mut old, 8, None);
    let mut new = Executor::new(plan(TWO_OUTPUTS));
    let slot = |e: &Executor, id: u32| {
        e.plan()
            .graph
            .nodes
            .iter()
            .position(|n| n.id == id)
            .unwrap()
    };
    let mut transfer = [
        (slot(&new, 0), slot(&old, 0), false),
        (slot(&new, 1), slot(&old, 1), false),
    ];
    transfer.sort();
    new.take_state(&mut old, &mut transfer, &[]);
    let (got, faults) = render(&mut new, 6, None);
    assert!(
        faults.iter().all(|f| f.0 == 0),
        "no fault after the reload: {faults:?}"
    );
    let (a_on, _) = render(&mut Executor::new(plan(TWO_OUTPUTS)), 14, Some(&[1]));
    let (b_fresh, _) = render(&mut Executor::new(plan(TWO_OUTPUTS)), 6, Some(&[2]));
    let want: Vec<f32> = a_on[8 * BLOCK..]
        .iter()
        .zip(&b_fresh)
        .map(|(a, b)| a + b)
        .collect();
    assert_eq!(got, want);
    assert!(
        b_fresh.iter().any(|&x| x.abs() > 0.5),
        "the saw sounds again"
    );
}
