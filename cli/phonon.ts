//! The `phonon` command: parses arguments and dispatches to render, check and haps.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./engine.js";
import { profilingRequested } from "./profile.js";
import { print, isTerminal } from "./stdio.js";
import { UserError, formatReport, renderFileInterruptible, threadCountOrUserError } from "./render.js";

const USAGE = `phonon — live-coding audio engine

usage:
  phonon render <file.ph> <out.wav> [--cycles N | --seconds S] [--sample-rate R] [--samples DIR]...
                        [--bits 32|24|16] [--mono] [--tail S] [--gain dB] [--threads N]
  phonon live <file.ph> [--sink auto|device|null] [--device NAME] [--buffer 128..2048]
                        [--sample-rate R] [--no-tui] [--record out.wav] [--samples DIR]...
                        [--threads N]

  --threads N: render workers, 1..64 (1 = serial); else PHONON_THREADS, else the physical cores.
  The sound is the same bit for bit with any thread count.
  --samples DIR: a Dirt-layout folder (<DIR>/<name>/*.wav|*.flac); repeatable or a comma list.
  Then PHONON_SAMPLES (colon-separated), ./samples and ~/dirt-samples are searched, in that order.
  phonon check <file.ph> [--ir]
  phonon haps "<mini-notation>" [--from 0 --to 1]
  phonon haps --cases < cases.json > results.json
  phonon --version`;

/** Options that may be given more than once: their values are joined with commas. */
const REPEATABLE = ["samples"];

/** `--name value` and `--flag` options, plus positional arguments. */
export function parseArgs(argv: string[], flags: string[] = []): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("--")) {
      const [name, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
      if (flags.includes(name)) options.set(name, "true");
      else {
        const value = inline ?? argv[++i];
        if (value === undefined) throw new UserError(`--${name} needs a value`);
        const before = options.get(name);
        options.set(name, before !== undefined && REPEATABLE.includes(name) ? `${before},${value}` : value);
      }
    } else positional.push(a);
  }
  return { positional, options };
}

function numberOption(options: Map<string, string>, name: string): number | undefined {
  const v = options.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`--${name} must be a positive number, not '${v}'`);
  return n;
}

function checkKnown(options: Map<string, string>, known: string[]): void {
  for (const k of options.keys()) {
    if (!known.includes(k)) throw new UserError(`unknown option --${k} (known: ${known.map((x) => `--${x}`).join(" ")})`);
  }
}

async function runRender(argv: string[]): Promise<number> {
  const { positional, options } = parseArgs(argv, ["mono"]);
  checkKnown(options, ["cycles", "seconds", "sample-rate", "samples", "bits", "mono", "tail", "gain", "threads"]);
  const [file, out] = positional;
  if (!file || !out || positional.length > 2) throw new UserError("usage: phonon render <file.ph> <out.wav> [--cycles N | --seconds S] [--sample-rate R] [--samples DIR]...");
  if (options.has("cycles") && options.has("seconds")) throw new UserError("give --cycles or --seconds, not both");
  const stderrIsTerminal = isTerminal(2);
  const result = await renderFileInterruptible({
    file,
    out,
    cycles: numberOption(options, "cycles"),
    seconds: numberOption(options, "seconds"),
    sampleRate: numberOption(options, "sample-rate"),
    samples: options.has("samples") ? [options.get("samples")!] : undefined,
    bits: numberOption(options, "bits"),
    mono: options.has("mono"),
    tail: options.has("tail") ? Number(options.get("tail")) : undefined,
    gainDb: options.has("gain") ? Number(options.get("gain")) : undefined,
    profile: profilingRequested(),
    threads: threadCountOrUserError(options.get("threads")),
    progress: stderrIsTerminal ? progressBar : undefined,
  });
  if (stderrIsTerminal) process.stderr.write("\r\x1b[K");
  if ("signal" in result) {
    const p = result.progress;
    console.error(
      `phonon: interrupted (${result.signal}): ${p.out} holds the first ${(p.done / Math.max(1, p.sampleRate)).toFixed(1)} s of ${(p.frames / Math.max(1, p.sampleRate)).toFixed(1)} s, as a complete WAV`,
    );
    return result.signal === "SIGINT" ? 130 : 143;
  }
  print(formatReport(result));
  return 0;
}

/** A one-line progress bar on stderr (only on a terminal). */
function progressBar(fraction: number): void {
  const width = 30;
  const full = Math.round(fraction * width);
  process.stderr.write(`\rrendering [${"#".repeat(full)}${".".repeat(width - full)}] ${Math.round(fraction * 100)}%`);
}

async function runLiveCommand(argv: string[]): Promise<number> {
  const { positional, options } = parseArgs(argv, ["no-tui"]);
  checkKnown(options, ["sink", "device", "buffer", "sample-rate", "no-tui", "record", "samples", "threads"]);
  const file = positional[0];
  if (!file || positional.length > 1) {
    throw new UserError("usage: phonon live <file.ph> [--sink auto|device|null] [--device NAME] [--buffer 128..2048] [--sample-rate R] [--no-tui] [--record out.wav]");
  }
  const sink = options.get("sink") ?? "auto";
  if (sink !== "auto" && sink !== "device" && sink !== "null") throw new UserError(`--sink must be auto, device or null, not '${sink}'`);
  const buffer = numberOption(options, "buffer") ?? 512;
  if (!Number.isInteger(buffer) || buffer < 128 || buffer > 2048) throw new UserError(`--buffer must be a whole number of frames from 128 to 2048, not ${buffer}`);
  const { runLive } = await import("./live.js");
  return runLive({
    file,
    sink,
    device: options.get("device"),
    buffer,
    sampleRate: numberOption(options, "sample-rate"),
    tui: !options.has("no-tui") && Boolean(process.stdout.isTTY),
    record: options.get("record"),
    samples: options.has("samples") ? [options.get("samples")!] : undefined,
    threads: threadCountOrUserError(options.get("threads")),
  });
}

async function runHapsCommand(argv: string[]): Promise<number> {
  return (await import("./haps.js")).runHaps(argv);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "render":
        return await runRender(rest);
      case "check":
        return (await import("./check.js")).runCheck(rest);
      case "haps":
        return await runHapsCommand(rest);
      case "live":
        return await runLiveCommand(rest);
      case "--version":
      case "version": {
        const pkg = JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as { version: string };
        console.log(`phonon ${pkg.version}`);
        return 0;
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return command === undefined ? 1 : 0;
      default:
        throw new UserError(`unknown command '${command}'\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof UserError) {
      console.error(`phonon: ${e.message}`);
      return 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    console.error(`phonon: internal error: ${message}`);
    if (process.env.PHONON_DEBUG) console.error(e);
    return 2;
  }
}
