/**
 * Why `connect()` failed, as the system error code the original's `ws` reported
 * (`ECONNREFUSED`, `ECONNRESET`…): grest-ts's clients retry only on those codes.
 * `ws` (Node) puts the code on its error event; Bun's and Deno's WebSocket error events carry
 * nothing, so the runtime adapter probes the address again (`Platform.probeConnect`).
 */
import type { ConnectProbe } from "../platform.ts";

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
  // A head too large for the server (431: a long access token in the URL) is said by `ws` (Node):
  // the probe's plain GET is shorter than the upgrade request, and may be read where it was not.
  if (/^Unexpected server response: 431$/.test(detail)) return { status: 431, cause: reported ?? new Error(detail) };
  let found: ConnectProbe | undefined;
  try {
    found = await probe?.(url, PROBE_TIMEOUT_MS);
  } catch {
    // No answer from the probe: report what the WebSocket said.
  }
  if (found && "code" in found) return { code: found.code, cause: systemError(found.code, `connect ${found.code} ${hostOf(url)}`) };
  const status = found?.status;
  // An IPC server that answers now ("426 upgrade required") was still starting, or dropped the
  // attempt: retrying is what helps, as after a reset.
  if (status === 426) return { code: "ECONNRESET", status, cause: systemError("ECONNRESET", `${detail} (${hostOf(url)} dropped the upgrade)`) };
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
