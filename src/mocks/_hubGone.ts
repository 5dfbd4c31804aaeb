/**
 * What a mocks call rejects with when the hub went away or stopped answering. The client's own
 * texts name the wire request ("Socket not connected: … (request '__crossipc/mocks/add')",
 * "Request '__crossipc/mocks/journal' timed out after 10000ms"), not what the test lost: after the
 * hub died, or a `joinHub` leader died and a follower took over the port, every rule of the
 * connection is gone (SPEC §10: they go with the connection and do not move to the next leader),
 * while the services' routes came back. A test that read only "socket not connected" went on
 * against real services; the message now says its mocks are gone and what to do. The code and the
 * original's words stay first (SPEC §4: messages may add detail after them); the client's error is
 * the `cause`.
 */
import { IPCError, errorMessage } from "../errors.ts";

const GONE =
  "the connection to the hub was lost, and every mock, fault and replay added on it went with it " +
  "(they do not move to another hub, nor to a joinHub member that took over the port): connectMocks again and add them again";
const CLOSED_HERE = "mocks.close() closed this connection (its rules are gone from the hub): connectMocks again to add rules";
const SILENT =
  "the hub did not answer: it is stopped (a paused debugger, SIGSTOP) or too busy. Once it misses heartbeats for " +
  "heartbeatTimeout this connection closes, and the hub drops every rule of it";

/** `error` from a mocks request, with what it means for the test's rules said after the client's text. */
export function hubGone(error: unknown, closedHere: boolean): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  let why: string;
  if (code === "ERR_IPC_NOT_CONNECTED" || code === "ERR_IPC_CLOSED") why = closedHere ? CLOSED_HERE : GONE;
  else if (code === "ERR_IPC_TIMEOUT") why = SILENT;
  else return error;
  return new IPCError(code, `${errorMessage(error)}: ${why}`, { cause: error });
}
