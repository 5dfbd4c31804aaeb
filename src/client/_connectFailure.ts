/**
 * Why `connect()` failed, as the system error code the original's `ws` reported
 * (`ECONNREFUSED`, `ECONNRESET`…): grest-ts's clients retry only on those codes.
 * `ws` (Node) puts the code on its error event; Bun's and Deno's WebSocket error events carry
 * nothing, so the runtime adapter probes the address again (`Platform.probeConnect`).
 */
import type { ConnectProbe } from "../platform.ts";

/**
 * The server answered the upgrade 431, as `ws` (Node) says it ("Unexpected server response: 431"),
 * Bun ("WebSocket connection to '…' failed: Expected 101 status code: 431") and Deno ("failed to
 * connect to WebSocket: Invalid status code: 431").
 */
const HEAD_TOO_LARGE = /(?:^Unexpected server response|Expected 101 status code|Invalid status code): 431$/;
/**
 * The WebSocket's words for a connection that ended during the handshake with no code: Deno's after
 * a close ("connection closed before message completed") or a reset ("connection error"), Bun's
 * "Connection ended". Only these: a server that answered the upgrade (a refusal, not HTTP, a wrong
 * Sec-WebSocket-Accept) is no dropped upgrade, and retrying it would not help.
 */
const ENDED_IN_HANDSHAKE = /connection (?:closed before message completed|error|ended)/i;

/** The probe follows a failure that already happened; a server that does not answer in this time is not coming. */
const PROBE_TIMEOUT_MS = 2000;

export interface ConnectFailure {
  /** The system error code, when one is known. */
  code?: string;
  /** The HTTP status the server answers a plain request for the framework path with, when it answers. */
  status?: number;
  /** What `connect()` rejects with as `cause`: carries `code` when there is one. */
  cause: Error;
}

export async function connectFailure(
  event: Event,
  url: string,
  probe: ((url: string, timeoutMs: number) => Promise<ConnectProbe>) | undefined,
): Promise<ConnectFailure> {
  const reported = (event as ErrorEvent).error as (Error & { code?: unknown }) | undefined;
  if (reported instanceof Error && typeof reported.code === "string" && /^E[A-Z]+$/.test(reported.code)) {
    return { code: reported.code, cause: reported };
  }
  const detail = reported instanceof Error ? reported.message : (event as ErrorEvent).message || "WebSocket connection failed";
  // A head too large for the server (431: a long access token in the URL) is said by the WebSocket
  // itself, on each runtime in its own words. The probe cannot tell: its plain GET is shorter than
  // the upgrade request by the WebSocket's own headers (Bun 1.4's 183 bytes, Deno 2.9's 137), and a token
  // whose upgrade passed 16 KiB by less than that was rejected with the WebSocket's bare words.
  if (HEAD_TOO_LARGE.test(detail)) return { status: 431, cause: reported ?? new Error(detail) };
  let found: ConnectProbe | undefined;
  try {
    found = await probe?.(url, PROBE_TIMEOUT_MS);
  } catch {
    // No answer from the probe: report what the WebSocket said.
  }
  if (found && "code" in found) return { code: found.code, cause: systemError(found.code, `connect ${found.code} ${hostOf(url)}`) };
  const status = found?.status;
  // An IPC server that answers now ("426 upgrade required") was still starting, or dropped the
  // attempt: retrying is what helps, as after a reset. So did a server that answers a plain request
  // when the connection ended in the upgrade's handshake, which `ws` reports as ECONNRESET and Deno
  // in words with no code (ENDED_IN_HANDSHAKE).
  if (status === 426 || (status !== undefined && status >= 100 && ENDED_IN_HANDSHAKE.test(detail))) {
    return { code: "ECONNRESET", status, cause: systemError("ECONNRESET", `${detail} (${hostOf(url)} dropped the upgrade)`) };
  }
  return { status, cause: reported instanceof Error ? reported : new Error(detail) };
}

/** An error shaped like Node's system errors: `code` is what callers match on. */
export function systemError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
