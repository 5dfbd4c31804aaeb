/**
 * The Bun adapter's WebSocket proxy behind its front (`_bun-front.ts`): the front hands the
 * client's connection to a TCP connection to the backend, as the Node adapter pipes its sockets
 * (`_node-pipe.ts` says why a pipe and not a relay of messages).
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
import { dialBackend, divert, refuseUpgrade, type FrontLink } from "./_bun-front.ts";
import { answerStatus, badGatewayBytes, dialTarget, dialWithin, upgradeHead } from "./_front-pipe.ts";

export async function pipeUpgradeBun(request: Request, target: string, options: PipeUpgradeOptions): Promise<boolean> {
  const link = (request as { runtime?: { bun?: { front?: FrontLink } } }).runtime?.bun?.front;
  if (!link) return false;
  const url = new URL(target);
  const deadline = Date.now() + options.connectTimeout;
  let backend;
  try {
    backend = await dialWithin(() => dialBackend(dialTarget(url)), options.connectTimeout);
  } catch (error) {
    refuseUpgrade(link, badGatewayBytes(`WebSocket proxy: ${target} is unreachable: ${(error as Error).message}`));
    options.onAnswer?.(502);
    return true;
  }
  // The client left while the backend was dialled.
  if (link.closed) {
    backend.terminate();
    return true;
  }
  const connection = { close: () => link.reset() };
  options.connections.add(connection);
  // A backend that takes the connection but never answers the upgrade would hold the client for
  // good: `connectTimeout` bounds the whole upgrade, as it does for a relay.
  const silence = setTimeout(() => {
    refuseUpgrade(link, badGatewayBytes(`WebSocket proxy: ${target} did not answer the upgrade within ${options.connectTimeout}ms`));
    options.onAnswer?.(502);
  }, Math.max(0, deadline - Date.now()));
  link.onGone = () => {
    clearTimeout(silence);
    options.connections.delete(connection);
  };
  link.onFirstBytes = (bytes) => {
    clearTimeout(silence);
    options.onAnswer?.(answerStatus(bytes));
  };
  divert(link, backend, upgradeHead(request, url, link.address));
  return true;
}
