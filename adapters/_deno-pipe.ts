/**
 * The Deno adapter's WebSocket proxy behind its front (`_deno-front.ts`): the front hands the
 * client's connection to a TCP connection to the backend (`_upgrade-pipe.ts`), as the Node adapter
 * pipes its sockets (`_node-pipe.ts` says why a pipe and not a relay of messages; `_bun-pipe.ts`
 * what it saves behind a front). The front still closes a client's message past `maxMessageSize`
 * with 1009. Without the front, the server relays messages.
 */
import type { PipeUpgradeOptions } from "../src/platform.ts";
import { fronted } from "./_deno-front.ts";
import { pipeToBackend } from "./_upgrade-pipe.ts";

export async function pipeUpgradeDeno(request: Request, target: string, options: PipeUpgradeOptions): Promise<boolean> {
  const info = (request as { runtime?: { deno?: { info?: { remoteAddr?: { port: number } } } } }).runtime?.deno?.info;
  const connection = fronted(info?.remoteAddr?.port);
  return connection ? pipeToBackend(connection, request, target, options) : false;
}
