//! Watching one file for saves, including atomic saves (a temp file renamed over it, as vim, emacs and JetBrains editors save): the directory is watched and events are filtered by name, with a stat poll as a backstop.
import { type FSWatcher, type Stats, statSync, watch } from "node:fs";
import { basename, dirname } from "node:path";

/**
 * How often the file's identity (inode, size, mtime) is compared with the last one seen, in case
 * the directory watch missed an event (network and FUSE file systems, editors that replace the
 * directory entry in ways inotify reports late). The directory watch is the fast path.
 */
export const POLL_MS = 250;
/** How long the file must be gone before it is reported missing. */
export const MISSING_MS = 100;

export interface FileWatcher {
  close(): void;
}

/** What identifies one version of a file: a save changes at least one of these. */
function identity(s: Stats | undefined): string {
  return s ? `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}` : "missing";
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Calls `onChange` when `file` may have changed (written in place, replaced by a rename, created)
 * and `onMissing` once when it disappears (again after it comes back and goes again). Watching
 * the directory rather than the file survives the file being replaced: a watch on the file
 * itself follows the old inode, which an atomic save unlinks, and then sees nothing more. Spurious
 * calls are possible (callers compare contents); missed saves are not: the poll catches any
 * change of inode, size or mtime within POLL_MS.
 */
export function watchFile(file: string, onChange: () => void, onMissing: () => void, pollMs = POLL_MS): FileWatcher {
  const dir = dirname(file);
  const name = basename(file);
  let last = identity(statOrUndefined(file));
  let closed = false;
  let missingReported = false;
  let missingTimer: NodeJS.Timeout | undefined;

  /** Look at the file now; `event`: the directory watch named it (report even an unchanged identity). */
  const look = (event: boolean): void => {
    if (closed) return;
    const s = statOrUndefined(file);
    const now = identity(s);
    const changed = now !== last;
    last = now;
    if (!s) {
      // Missing for MISSING_MS before it is reported: an editor that moves the file aside
      // and writes a new one (vim's backup) is not a deletion.
      if (!missingReported && !missingTimer) {
        missingTimer = setTimeout(() => {
          missingTimer = undefined;
          if (closed || statOrUndefined(file)) return;
          missingReported = true;
          onMissing();
        }, MISSING_MS);
      }
      return;
    }
    const back = missingReported;
    missingReported = false;
    // A write in place can keep size and mtime (a same-length rewrite within the file system's
    // mtime resolution): the directory watch's event is reported even then.
    if (event || changed || back) onChange();
  };

  let dirWatch: FSWatcher | undefined;
  try {
    dirWatch = watch(dir, { persistent: true }, (_event, changed) => {
      // Some platforms give no name: look at the file then.
      if (changed === null || String(changed) === name) look(true);
    });
    dirWatch.on("error", () => {
      // The directory went away or became unreadable: the poll goes on.
      dirWatch?.close();
      dirWatch = undefined;
    });
  } catch {
    dirWatch = undefined;
  }
  const poll = setInterval(() => look(false), pollMs);

  return {
    close(): void {
      closed = true;
      clearInterval(poll);
      clearTimeout(missingTimer);
      dirWatch?.close();
    },
  };
}
