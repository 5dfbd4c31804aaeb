/**
 * The Bun adapter's WebSocket proxy behind its front (`_bun-front.ts`): the front hands the
 * client's connection to a TCP connection to the backend (`_upgrade-pipe.ts`), as the Node adapter
 * pipes its sockets (`_node-pipe.ts` says why a pipe and not a relay of messages).
 *
 * Relayed through `Bun.serve`, every message crossed four sockets (client → front → server, then
 * the server's WebSocket to the backend) and was decoded and re-encoded on the way; the pipe takes
 * it across two, as it came. The backend's own answer reaches the client: its subprotocol,
 * extensions, close codes and ping/pong pass through by construction, and a backend that refuses
 * the upgrade refuses the client. A sender whose reader does not read is paused (TCP
 * backpressure, both ways), as on Node. Without the front (`resettableConnections: false`) the
 * server relays messages.
 */
import type { PipeUpgradeOptions } from "../src/platform.ts";
import type { FrontLink } from "./_bun-front.ts";
import { pipeToBackend } from "./_upgrade-pipe.ts";

export async function pipeUpgradeBun(request: Request, target: string, options: PipeUpgradeOptions): Promise<boolean> {
  const link = (request as { runtime?: { bun?: { front?: FrontLink } } }).runtime?.bun?.front;
  return link ? pipeToBackend(link, request, target, options) : false;
}
