//! A small WAV reader for tests: reads what `phonon render` wrote (RIFF, or RF64 past 4 GiB), independently of the engine's writer; and writes a plain 16-bit PCM WAV.
import { readFileSync } from "node:fs";

export interface Wav {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  format: number;
  /** One Float32Array per channel. */
  data: Float32Array[];
}

/** Parse a RIFF/WAVE file holding PCM (format 1) or IEEE float (format 3, or extensible wrapping either). */
export function readWav(path: string): Wav {
  const buf = readFileSync(path);
  const magic = buf.toString("ascii", 0, 4);
  if ((magic !== "RIFF" && magic !== "RF64") || buf.toString("ascii", 8, 12) !== "WAVE") throw new Error(`${path}: not a WAV file`);
  let off = 12;
  /** RF64 (EBU Tech 3306): the data chunk's size is in the ds64 chunk. */
  let ds64Data: number | undefined;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString("ascii", off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === "ds64") ds64Data = Number(buf.readBigUInt64LE(body + 8));
    if (id === "data" && magic === "RF64" && size === 0xffffffff && ds64Data !== undefined) size = ds64Data;
    if (id === "fmt ") {
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe) format = buf.readUInt16LE(body + 24);
      fmt = { format, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === "data") {
      if (!fmt) throw new Error(`${path}: data before fmt`);
      const bytes = fmt.bits / 8;
      const frames = Math.floor(size / (bytes * fmt.channels));
      const data = Array.from({ length: fmt.channels }, () => new Float32Array(frames));
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < fmt.channels; c++) {
          const p = body + (i * fmt.channels + c) * bytes;
          let v: number;
          if (fmt.format === 3 && fmt.bits === 32) v = buf.readFloatLE(p);
          else if (fmt.format === 1 && fmt.bits === 16) v = buf.readInt16LE(p) / 32768;
          else if (fmt.format === 1 && fmt.bits === 24) v = buf.readIntLE(p, 3) / 8388608;
          else throw new Error(`${path}: unsupported format ${fmt.format}/${fmt.bits} bits`);
          data[c]![i] = v;
        }
      }
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, bitsPerSample: fmt.bits, format: fmt.format, data };
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

/**
 * A 16-bit PCM WAV of `samples` (interleaved when `channels` > 1): the 44-byte canonical header
 * (RIFF, a 16-byte `fmt `, `data`), as scipy's `wavfile.write` writes an int16 array.
 */
export function encodeWav16(sampleRate: number, samples: Int16Array, channels = 1): Buffer {
  const bytes = samples.length * 2;
  const b = Buffer.alloc(44 + bytes);
  b.write("RIFF", 0, "ascii");
  b.writeUInt32LE(b.length - 8, 4);
  b.write("WAVEfmt ", 8, "ascii");
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * channels * 2, 28);
  b.writeUInt16LE(channels * 2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36, "ascii");
  b.writeUInt32LE(bytes, 40);
  for (let i = 0; i < samples.length; i++) b.writeInt16LE(samples[i]!, 44 + 2 * i);
  return b;
}
