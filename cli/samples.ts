//! Sample roots for render and live: `--samples` dirs, then PHONON_SAMPLES, ./samples and ~/dirt-samples, highest priority first; and the summary line of what was loaded.
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";

/** What the engine's loadSamples reports (engine-rs/core/src/library.rs). */
export interface SampleLoadSummary {
  loaded: number;
  names: number;
  roots: { root: string; found: boolean; names: number; files: number }[];
  warnings: string[];
}

/**
 * The sample roots in order of priority: each `--samples` value (repeatable; each may be a comma
 * list), then `PHONON_SAMPLES` (colon-separated), then `./samples`, then `~/dirt-samples`.
 * Duplicates keep their first place; empty entries are dropped.
 */
export function sampleRoots(cli: string[] = [], env: string | undefined = process.env.PHONON_SAMPLES, cwd = process.cwd(), home = homedir()): string[] {
  const all = [
    ...cli.flatMap((v) => v.split(",")),
    ...(env ?? "").split(":"),
    resolve(cwd, "samples"),
    resolve(home, "dirt-samples"),
  ]
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => resolve(cwd, s.startsWith("~/") ? s.replace(/^~/, home) : s));
  return [...new Set(all)];
}

/** One line: how many samples came from where (roots that did not exist are left out). */
export function formatSampleSummary(s: SampleLoadSummary): string {
  const used = s.roots.filter((r) => r.files > 0).map((r) => `${r.root} (${r.names} names, ${r.files} files)`);
  if (used.length === 0) return "built-in kit only (no sample folders found)";
  return `${s.loaded} files, ${s.names} names from ${used.join(", ")}; plus the built-in kit`;
}

/**
 * Warnings for sample folders the user named (`--samples` values, PHONON_SAMPLES entries) that
 * cannot be used: missing, or a file rather than a folder. The default places (./samples,
 * ~/dirt-samples) are optional and not warned about.
 */
export function sampleRootWarnings(cli: string[] = [], env: string | undefined = process.env.PHONON_SAMPLES, cwd = process.cwd(), home = homedir()): string[] {
  const named = [
    ...cli.flatMap((v) => v.split(",")).map((v) => ({ from: "--samples", v })),
    ...(env ?? "").split(":").map((v) => ({ from: "PHONON_SAMPLES", v })),
  ].filter((x) => x.v.trim().length > 0);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const { from, v } of named) {
    const s = v.trim();
    const path = resolve(cwd, s.startsWith("~/") ? s.replace(/^~/, home) : s);
    if (seen.has(path)) continue;
    seen.add(path);
    let st;
    try {
      st = statSync(path);
    } catch {
      out.push(`${from} ${s}: no such folder (${path}); it is ignored`);
      continue;
    }
    if (!st.isDirectory()) out.push(`${from} ${s} is a file, not a folder of samples (<folder>/<name>/*.wav); it is ignored`);
  }
  return out;
}

/** What changed under the sample roots while playing (engine-rs/core/src/library.rs `SampleChanges`). */
export interface SampleChangeSet {
  added: [string, number][];
  changed: [string, number][];
  removed: string[];
  warnings: string[];
}

/** One line per change, for `live`'s messages. */
export function formatSampleChanges(c: SampleChangeSet): string[] {
  const files = (n: number): string => `${n} file${n === 1 ? "" : "s"}`;
  return [
    ...c.added.map(([name, n]) => `samples: '${name}' added (${files(n)})`),
    ...c.changed.map(([name, n]) => `samples: '${name}' changed (${files(n)} now)`),
    ...c.removed.map((name) => `samples: '${name}' removed; its sounding voices finish`),
    ...c.warnings.map((w) => `samples: ${w}`),
  ];
}
