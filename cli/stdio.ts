//! The render command's terminal checks and report, without Node's stdout/stderr streams: the first touch of `process.stdout` or `process.stderr` builds a stream (~2 ms each, measured), a cost every `phonon render` paid for two lines of output.
import { fstatSync, writeSync } from "node:fs";

/** Whether stdout (1) or stderr (2) is a terminal: a pipe or a file is not, and only a character device (a terminal, /dev/null) is asked through its stream. */
export function isTerminal(fd: 1 | 2): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
}

/**
 * Writes `text` and a newline to stdout. A descriptor left non-blocking by whoever started us
 * may take only part of it (or refuse with EAGAIN): the rest then goes through Node's stream,
 * which waits for room.
 */
export function print(text: string): void {
  const data = Buffer.from(`${text}\n`);
  let done = 0;
  try {
    while (done < data.length) done += writeSync(1, data, done);
  } catch {
    process.stdout.write(data.subarray(done));
  }
}
