/**
 * `crossipc hub --record FILE.har`: writes the journal as HAR to FILE, one entry at a time (a
 * journal of large bodies is never one string), through a temporary file renamed into place so
 * a reader never sees half a file.
 */
import { chmodSync, closeSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Journal } from "../src/server/journal.ts";
import { missingDenoFileAccess } from "./_runtime.ts";

export interface Recording {
  /** Writes FILE now; returns how many entries it holds. */
  save(): number;
  /** The line to print on stderr after the last save: where it went and what the ring dropped. */
  summary(entries: number): string;
}

/**
 * Throws, saying why, when FILE could not be written at the end: checked before the hub binds,
 * so a session is not recorded for nothing (the first write used to come on SIGINT). Returns a
 * warning to print when FILE exists and other users may read it (see `recordingMode`).
 */
export function checkRecordingTarget(file: string): string | undefined {
  // FILE is written as a partial file beside it and renamed into place: Deno asks for its folder.
  const folder = dirname(file);
  const missing = missingDenoFileAccess([
    { name: "read", path: folder },
    { name: "write", path: folder },
  ]);
  if (missing.length) throw new Error(`Deno needs ${missing.join(" ")} (the recording is written beside it, then renamed into place)`);
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new Error("it is a directory");
  const partial = `${file}.partial-${process.pid}`;
  closeSync(openSync(partial, "w", OWNER_ONLY));
  rmSync(partial, { force: true });
  const mode = recordingMode(file);
  if (mode & 0o077 && process.platform !== "win32") {
    return `${file} exists and other users may read it (mode ${mode.toString(8).padStart(4, "0")}), and it will hold request bodies: kept as it is; chmod 600 it, or remove it first`;
  }
  return undefined;
}

/** Read and written by its owner alone. */
const OWNER_ONLY = 0o600;

/**
 * The mode FILE is written with. A new FILE is 0600: it holds request bodies (and with
 * --no-redact every credential as sent), and written with the default umask it was readable by
 * every user of the machine. An existing FILE keeps its mode, as writing into it with a shell's
 * `>` would: a user who made it readable by a group meant that (the hub warns at start when
 * others may read it). The partial file is renamed over FILE, so its mode is what FILE ends with.
 */
function recordingMode(file: string): number {
  const existing = statSync(file, { throwIfNoEntry: false });
  return existing ? existing.mode & 0o777 : OWNER_ONLY;
}

export function startRecording(journal: Journal, file: string): Recording {
  let saving = false;
  let reportedDrops = 0;
  const save = (): number => {
    saving = true;
    const partial = `${file}.partial-${process.pid}`;
    let fd: number | undefined;
    let entries = 0;
    try {
      const mode = recordingMode(file);
      fd = openSync(partial, "w", OWNER_ONLY);
      // Set before a byte is written, whatever the umask, and whatever mode a partial file of
      // the same name left by an earlier run had (`openSync`'s mode applies to a new file only).
      chmodSync(partial, mode);
      for (const chunk of journal.harJson()) {
        writeSync(fd, chunk);
        entries++;
      }
      closeSync(fd);
      fd = undefined;
      renameSync(partial, file);
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      rmSync(partial, { force: true });
      throw new Error(`cannot write the recording to ${file}: ${(error as Error).message}`);
    } finally {
      saving = false;
    }
    // harJson yields a head and a tail around the entries.
    return Math.max(0, entries - 2);
  };
  // Whenever the unfiltered HAR is asked for (the API, `crossipc journal --har`), FILE follows.
  journal.onHAR(() => {
    if (saving) return;
    try {
      save();
      if (journal.dropped > reportedDrops) {
        reportedDrops = journal.dropped;
        process.stderr.write(`crossipc hub: ${dropped(journal)}\n`);
      }
    } catch (error) {
      process.stderr.write(`crossipc hub: ${(error as Error).message}\n`);
    }
  });
  return {
    save,
    summary: (entries) => `crossipc hub: recorded ${entries} request${entries === 1 ? "" : "s"} to ${file}${journal.dropped ? `; ${dropped(journal)}` : ""}`,
  };
}

/** What the ring dropped, and which limit to raise: the entries' count, the bodies' bytes, or both. */
function dropped(journal: Journal): string {
  const count = journal.dropped;
  const forBodies = journal.droppedForBodies;
  const what = `the journal dropped ${count} older entr${count === 1 ? "y" : "ies"}`;
  const bytes = sizeText(journal.maxTotalBodySize);
  if (forBodies === 0) return `${what} to keep ${journal.size} (raise --journal-size to keep more)`;
  if (forBodies === count) return `${what} to keep its bodies within ${bytes} (raise --max-total-body to keep more)`;
  return `${what} to keep ${journal.size} entries and its bodies within ${bytes} (raise --journal-size and --max-total-body to keep more)`;
}

/** Bytes as the flags take them: `256MiB`, `64KiB`, or bytes. */
function sizeText(bytes: number): string {
  for (const [unit, size] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes} bytes`;
}
