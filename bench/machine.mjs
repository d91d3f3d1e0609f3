// What the machine gives two threads right now: how much work two independent renders do at once (2.00: two free cores), and how long a cache line takes to go from one core to the other and back.
//
// The 2-thread figures of bench/threads.mjs and bench/peers.mjs depend on both. On a shared
// virtual machine the two vCPUs can share one core or be busy with other work (the first figure
// drops towards 1), or sit far apart, so that every cache line one thread writes and the other
// reads costs several times more (the round trip: about 100 ns from JavaScript on this machine
// in its usual state, 400 ns and more in the state where our 2-thread renders gained little).
// Neither probe uses the parallel executor: the renders are separate Engines at 1 thread (the
// same AVX-heavy kernels), the round trip two worker threads flipping a shared integer.
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sineBank } from "./peers/patches.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
Promise.all([import(workerData.engine), import(workerData.lower)]).then(([{ Engine }, { compile }]) => {
  const engine = new Engine(44100, 512);
  engine.setThreads(1);
  engine.load(compile(workerData.text).ir);
  engine.loadSamples([]); // waits for the built-in kit's synthesis thread
  parentPort.on("message", () => {
    const t0 = performance.now();
    engine.render(workerData.frames);
    parentPort.postMessage((performance.now() - t0) / 1000);
  });
  parentPort.postMessage("ready");
});`;

/**
 * Renders `seconds` of P1 (N = 1024, to no file) alone and then two at once, `rounds` times; returns the
 * capacity 2 × (fastest alone) / (fastest both at once, the slower of the two each time).
 */
export async function capacity({ seconds = 10, rounds = 3 } = {}) {
  const workerData = {
    engine: join(root, "dist", "cli", "engine.js"),
    lower: join(root, "dist", "language", "compile", "lower.js"),
    text: sineBank(1024),
    frames: Math.round(seconds * 44100),
  };
  const workers = [0, 1].map(() => new Worker(WORKER, { eval: true, workerData }));
  try {
    await Promise.all(workers.map((w) => new Promise((r) => w.once("message", r))));
    const run = (w) => new Promise((r) => { w.once("message", r); w.postMessage(0); });
    await run(workers[0]); // warm-up
    let alone = Infinity;
    let both = Infinity;
    for (let r = 0; r < rounds; r++) {
      alone = Math.min(alone, await run(workers[0]));
      both = Math.min(both, Math.max(...(await Promise.all(workers.map(run)))));
    }
    return (2 * alone) / both;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

const PING = `
const { workerData, parentPort } = require("node:worker_threads");
const flag = new Int32Array(workerData.sab);
parentPort.postMessage("ready");
while (Atomics.load(flag, 1) === 0);
if (workerData.ping) {
  const t0 = performance.now();
  for (let i = 0; i < workerData.n; i++) {
    Atomics.store(flag, 0, 1);
    while (Atomics.load(flag, 0) !== 0);
  }
  parentPort.postMessage(((performance.now() - t0) * 1e6) / workerData.n);
} else {
  for (let i = 0; i < workerData.n; i++) {
    while (Atomics.load(flag, 0) !== 1);
    Atomics.store(flag, 0, 0);
  }
  parentPort.postMessage(0);
}`;

/** The round trip of a cache line between two threads, ns: the fastest of `rounds` runs of `n` flips. */
export async function roundTrip({ n = 200_000, rounds = 3 } = {}) {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const sab = new SharedArrayBuffer(256);
    const ws = [true, false].map((ping) => new Worker(PING, { eval: true, workerData: { sab, n, ping } }));
    await Promise.all(ws.map((w) => new Promise((res) => w.once("message", res))));
    const done = ws.map((w) => new Promise((res) => w.once("message", res)));
    Atomics.store(new Int32Array(sab), 1, 1);
    const [ns] = await Promise.all(done);
    await Promise.all(ws.map((w) => w.terminate()));
    best = Math.min(best, ns);
  }
  return best;
}

/** One line for a bench's output. */
export async function machineLine() {
  const c = await capacity();
  const rt = await roundTrip();
  return `machine now: two 1-thread renders at once do ${c.toFixed(2)}× the work of one (2.00: two free cores); a cache line's round trip between two threads ${rt.toFixed(0)} ns (about 100: the usual state here; 400 and more: far cores, where fork and join cost several times more)`;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await machineLine());
