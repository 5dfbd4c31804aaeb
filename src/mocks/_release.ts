/**
 * How `remove()` and `close()` of mocks, scopes, rules and faults ask the hub to let go of rules.
 * The hub drops every rule of a connection when the connection closes, so a connection that is
 * closed, or closes before the answer comes (`ERR_IPC_CLOSED`), has done what they promise
 * (SPEC §10: they resolve once the hub no longer holds those rules).
 */
import type { IPCClient } from "../client/IPCClient.ts";
import { hubGone } from "./_hubGone.ts";

export async function releaseAtHub(client: IPCClient, name: string, payload: unknown): Promise<void> {
  if (!client.isConnected()) return;
  try {
    await client.sendFrameworkRequest(name as never, payload as never);
  } catch (error) {
    // Left: a hub that does not answer (stopped, or too busy), said as such; the rules may still be there.
    if ((error as { code?: unknown }).code !== "ERR_IPC_CLOSED") throw hubGone(error, false);
  }
}
