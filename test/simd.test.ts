//! Every bundled pattern rendered with the engine's SIMD loops and with the forced scalar twin (PHONON_SIMD=scalar): the same samples, bit for bit.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readWav } from "./wav.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "phonon-simd-"));
const patterns = readdirSync(join(root, "patterns")).filter((f) => f.endsWith(".ph")).sort();

function render(file: string, out: string, simd: string): string {
  const r = spawnSync(process.execPath, [join(root, "cli", "bin.cjs"), "render", join(root, "patterns", file), out, "--cycles", "2"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, PHONON_SIMD: simd },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe("SIMD and the scalar twin", () => {
  // Bound: 0. The block loops never reassociate or fuse float operations (engine-rs/core/src/
  // kernels/simd.rs), so wider vectors compute the same values as the scalar twin.
  it.each(patterns)("%s renders the same bits with PHONON_SIMD=scalar", (file) => {
    const fast = join(dir, `${file}.simd.wav`);
    const scalar = join(dir, `${file}.scalar.wav`);
    const reportFast = render(file, fast, "auto");
    const reportScalar = render(file, scalar, "scalar");
    expect(reportScalar).toMatch(/simd scalar/);
    expect(reportFast).toMatch(/simd (scalar|avx2|avx512)/);
    const a = readWav(fast);
    const b = readWav(scalar);
    expect(a.channels).toBe(b.channels);
    let differing = 0;
    a.data.forEach((ch, c) => {
      const other = b.data[c]!;
      expect(ch.length).toBe(other.length);
      for (let i = 0; i < ch.length; i++) if (Object.is(ch[i], other[i]) === false) differing++;
    });
    expect(differing).toBe(0);
    expect(a.data[0]!.some((v) => v !== 0)).toBe(true);
  });
});
