// SuperCollider NRT scores for the peer patches: a small OSC bundle writer and one score per patch, from the parameters in patches.mjs.
//
// A binary NRT score (`scsynth -N score.osc …`) is a sequence of OSC bundles, each preceded by its
// size as a big-endian int32. A bundle is "#bundle", an NTP time tag (seconds as 32.32 fixed
// point) and its messages, each preceded by its size. scsynth renders until the last bundle's time.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { EVENTS, FILTER, eventList, sineBankVoices, subtractiveVoices } from "./patches.mjs";

/** An OSC string: ASCII, NUL-terminated, padded to a multiple of 4 bytes. */
function oscString(s) {
  const b = Buffer.alloc(Math.floor(s.length / 4) * 4 + 4);
  b.write(s, "ascii");
  return b;
}

function int32(x) {
  const b = Buffer.alloc(4);
  b.writeInt32BE(x);
  return b;
}

/** One OSC message; args are integers ('i'), other numbers ('f'), strings ('s') or Buffers (blobs, 'b'). */
export function message(address, ...args) {
  let tags = ",";
  const parts = [];
  for (const a of args) {
    if (Buffer.isBuffer(a)) {
      tags += "b";
      parts.push(int32(a.length), a, Buffer.alloc((4 - (a.length % 4)) % 4));
    } else if (typeof a === "string") {
      tags += "s";
      parts.push(oscString(a));
    } else if (Number.isInteger(a)) {
      tags += "i";
      parts.push(int32(a));
    } else {
      tags += "f";
      const b = Buffer.alloc(4);
      b.writeFloatBE(a);
      parts.push(b);
    }
  }
  return Buffer.concat([oscString(address), oscString(tags), ...parts]);
}

/** One OSC bundle at `seconds`, holding `messages`. */
export function bundle(seconds, messages) {
  const tag = Buffer.alloc(8);
  const whole = Math.floor(seconds);
  tag.writeUInt32BE(whole, 0);
  tag.writeUInt32BE(Math.min(0xffffffff, Math.round((seconds - whole) * 2 ** 32)), 4);
  return Buffer.concat([oscString("#bundle"), tag, ...messages.flatMap((m) => [int32(m.length), m])]);
}

/** A binary NRT score from [seconds, messages] pairs (in time order). */
export function score(entries) {
  return Buffer.concat(entries.flatMap(([t, msgs]) => {
    const b = bundle(t, msgs);
    return [int32(b.length), b];
  }));
}

/** The SynthDefs synthdefs.scd defines, by role. */
const DEF = { sine: "peer_sine", saw: "peer_saw", hit: "peer_hit", echo: "peer_echo" };
export const SYNTHDEFS = Object.values(DEF);

const GROUP = 1;
/** /s_new addAction: 0 head of the target group, 1 its tail. */
const HEAD = 0;
const TAIL = 1;
/** P3's private audio bus (above the hardware outputs and inputs). */
const EVENT_BUS = 16;

/** Time 0: every SynthDef in `defsDir` (received inline, so the score stands alone) and group 1. */
function setup(defsDir) {
  const defs = readdirSync(defsDir).filter((f) => f.endsWith(".scsyndef")).sort();
  return [...defs.map((f) => message("/d_recv", readFileSync(join(defsDir, f)))), message("/g_new", GROUP, HEAD, 0)];
}

/** Every node at time 0, then the end marker at `seconds`. */
function steady(defsDir, seconds, nodes) {
  return score([
    [0, [...setup(defsDir), ...nodes]],
    [seconds, [message("/c_set", 0, 0)]],
  ]);
}

/** P1: a `peer_sine` node per sine. */
export function sineBankScore(n, seconds, defsDir) {
  return steady(defsDir, seconds, sineBankVoices(n).map((v) => message("/s_new", DEF.sine, -1, TAIL, GROUP, "freq", v.freq, "amp", v.amp)));
}

/** P2n: a `peer_saw` node per voice (naive saw → RLPF with rq = 1/Q, LFO at control rate). */
export function subtractiveScore(n, seconds, defsDir) {
  const { centre, depth, q } = FILTER;
  return steady(
    defsDir,
    seconds,
    subtractiveVoices(n).map((v) => message("/s_new", DEF.saw, -1, TAIL, GROUP, "freq", v.freq, "amp", v.amp, "lfo", v.lfo, "centre", centre, "depth", depth, "rq", 1 / q)),
  );
}

/** P3: the echo node at the tail of group 1 from time 0, then an /s_new of a `peer_hit` at the head for each event. */
export function eventsScore(rate, seconds, defsDir) {
  const { amp, from, to, decay, delay, feedback, wet } = EVENTS;
  const echo = message("/s_new", DEF.echo, -1, TAIL, GROUP, "in", EVENT_BUS, "time", delay, "feedback", feedback, "wet", wet);
  const hits = eventList(rate, seconds).map((e) => [
    e.time,
    [message("/s_new", DEF.hit, -1, HEAD, GROUP, "out", EVENT_BUS, "freq", e.freq, "amp", amp, "from", from, "to", to, "decay", decay)],
  ]);
  // The first hit shares time 0 with the setup: one bundle, setup first.
  const first = hits.shift();
  return score([[0, [...setup(defsDir), echo, ...(first ? first[1] : [])]], ...hits, [seconds, [message("/c_set", 0, 0)]]]);
}
