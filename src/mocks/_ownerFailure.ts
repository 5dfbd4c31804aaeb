/**
 * Why a request the hub relayed to a rule's process got no answer, as the HTTP client hears it.
 * A process that answered with an error is not gone: one past its `maxRequestsInFlight` refused
 * the request (503: busy, try again), and its error names the limit; every request to its mocks
 * read "went away before answering" while the process was alive and well.
 */
import type { IPCError } from "../errors.ts";
import { errorMessage } from "../errors.ts";
import { TOO_MANY_IN_FLIGHT } from "../IPCSocket.ts";

/** The status and the words after "Mock … of <process>" for `error`, the rejection of the hub's request to that process. */
export function ownerFailure(error: unknown, proxyTimeout: number): { status: number; what: string } {
  const code = (error as IPCError | undefined)?.code;
  const message = errorMessage(error);
  if (code === "ERR_IPC_TIMEOUT") return { status: 504, what: `did not answer within ${proxyTimeout}ms` };
  if (code === "ERR_IPC_REMOTE") {
    if (message.startsWith(TOO_MANY_IN_FLIGHT)) return { status: 503, what: `refused the request: ${message}` };
    return { status: 502, what: `answered with an error: ${message}` };
  }
  return { status: 502, what: `went away before answering (${message})` };
}
