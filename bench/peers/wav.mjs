// Level of a WAV file as the peer bench checks it: RMS and peak per channel, read from the file (32-bit float or 16/24-bit PCM).
import { readFileSync } from "node:fs";

/** Frames, sample rate and per-channel RMS and peak of `path`. */
export function wavLevels(path) {
  const buf = readFileSync(path);
  if (buf.toString("latin1", 0, 4) !== "RIFF" || buf.toString("latin1", 8, 12) !== "WAVE") throw new Error(`${path}: not a RIFF/WAVE file`);
  let fmt;
  for (let at = 12; at + 8 <= buf.length; ) {
    const id = buf.toString("latin1", at, at + 4);
    // A data size of 0 or past the end (a writer that could not seek back) reads to the end of the file.
    const declared = buf.readUInt32LE(at + 4);
    const start = at + 8;
    if (id === "fmt ") {
      const tag = buf.readUInt16LE(start);
      fmt = {
        float: (tag === 0xfffe ? buf.readUInt16LE(start + 24) : tag) === 3,
        channels: buf.readUInt16LE(start + 2),
        sampleRate: buf.readUInt32LE(start + 4),
        bytes: buf.readUInt16LE(start + 14) / 8,
      };
    } else if (id === "data") {
      if (!fmt) throw new Error(`${path}: data chunk before fmt`);
      const size = declared && start + declared <= buf.length ? declared : buf.length - start;
      return levels(buf, start, size, fmt);
    }
    at = start + declared + (declared & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

function levels(buf, start, size, { float, channels, sampleRate, bytes }) {
  const read = float && bytes === 4 ? (p) => buf.readFloatLE(p) : bytes === 2 ? (p) => buf.readInt16LE(p) / 32768 : bytes === 3 ? (p) => buf.readIntLE(p, 3) / 8388608 : undefined;
  if (!read) throw new Error(`unsupported WAV sample format (${float ? "float" : "PCM"}, ${bytes * 8} bits)`);
  const frames = Math.floor(size / (bytes * channels));
  const sum = new Float64Array(channels);
  const peak = new Float64Array(channels);
  for (let i = 0, p = start; i < frames; i++) {
    for (let c = 0; c < channels; c++, p += bytes) {
      const x = read(p);
      sum[c] += x * x;
      if (Math.abs(x) > peak[c]) peak[c] = Math.abs(x);
    }
  }
  return { frames, sampleRate, rms: Array.from(sum, (s) => Math.sqrt(s / Math.max(1, frames))), peak: Array.from(peak) };
}
