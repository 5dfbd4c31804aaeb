/**
 * Where `Bun.serve` listens behind the front (`_bun-front.ts`): a Unix socket in a directory of
 * its own that only this user may enter, so no other program reaches the server round the front,
 * and it is cheaper than loopback TCP (bench/ANALYSIS.md, "Session 6 — Bun front"). Where there is
 * no such directory (Windows, a temporary directory that is missing or unwritable), a loopback
 * port: any local program can reach that one, and the stamp check in `bun.ts` refuses what comes
 * that way.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface InnerEndpoint {
  /** `Bun.serve`'s `unix`, or (`port` 0) a loopback port. */
  readonly unix?: string;
  readonly hostname?: string;
  readonly port?: number;
  /** Removes the socket file and its directory. */
  release(): void;
}

let tcpOnly = false;

/** Loopback TCP from now on (bench/bun-front.ts compares the two). */
export function preferTcp(): void {
  tcpOnly = true;
}

export function innerEndpoint(): InnerEndpoint {
  if (!tcpOnly && process.platform !== "win32") {
    try {
      // mkdtemp makes the directory 0700.
      const dir = mkdtempSync(join(tmpdir(), "crossipc-"));
      return { unix: join(dir, "hub.sock"), release: () => rmSync(dir, { recursive: true, force: true }) };
    } catch {
      // No private directory for a socket: loopback TCP.
    }
  }
  return tcpEndpoint();
}

/** A loopback port of the system's choosing. */
export function tcpEndpoint(): InnerEndpoint {
  return { hostname: "127.0.0.1", port: 0, release() {} };
}
