/**
 * Where `Bun.serve` listens behind the front (`_bun-front.ts`): a Unix socket in a directory of
 * its own that only this user may enter, so no other program reaches the server round the front
 * (a loopback port is open to every local program; the stamp check in `bun.ts` refuses what
 * comes that way, but the socket file keeps it from arriving at all).
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

export function innerEndpoint(): InnerEndpoint {
  if (process.env["CROSSIPC_BUN_FRONT_INNER"] === "tcp") return { hostname: "127.0.0.1", port: 0, release() {} };
  // mkdtemp makes the directory 0700.
  const dir = mkdtempSync(join(tmpdir(), "crossipc-"));
  return { unix: join(dir, "hub.sock"), release: () => rmSync(dir, { recursive: true, force: true }) };
}
