/**
 * The Deno adapter's WebSocket proxy behind its front (`_deno-front.ts`): the front hands the
 * client's connection to a TCP connection to the backend, as the Node adapter pipes its sockets
 * (`_node-pipe.ts` says why a pipe and not a relay of messages; `_bun-pipe.ts` what it saves
 * behind a front). The front still closes a client's message past `maxMessageSize` with 1009.
 * Without the front, the server relays messages.
 */
import type { PipeUpgradeOptions } from "../src/platform.ts";
import { fronted, refusePiped } from "./_deno-front.ts";
import { answerStatus, badGatewayBytes, dialTarget, dialWithin, upgradeHead } from "./_front-pipe.ts";

interface DenoConn {
  close(): void;
}
declare const Deno: {
  connect(options: { hostname: string; port: number }): Promise<DenoConn>;
  connectTls(options: { hostname: string; port: number }): Promise<DenoConn>;
};

export async function pipeUpgradeDeno(request: Request, target: string, options: PipeUpgradeOptions): Promise<boolean> {
  const info = (request as { runtime?: { deno?: { info?: { remoteAddr?: { port: number } } } } }).runtime?.deno?.info;
  const connection = fronted(info?.remoteAddr?.port);
  if (!connection) return false;
  const url = new URL(target);
  const { hostname, port, tls } = dialTarget(url);
  const deadline = Date.now() + options.connectTimeout;
  let backend;
  try {
    backend = await dialWithin(() => (tls ? Deno.connectTls({ hostname, port }) : Deno.connect({ hostname, port })), options.connectTimeout);
  } catch (error) {
    connection.refuseUpgrade(badGatewayBytes(`WebSocket proxy: ${target} is unreachable: ${(error as Error).message}`));
    options.onAnswer?.(502);
    return true;
  }
  // The client left while the backend was dialled.
  if (connection.closed) {
    backend.close();
    return true;
  }
  const pipe = { close: () => connection.reset() };
  options.connections.add(pipe);
  // A backend that takes the connection but never answers the upgrade would hold the client for
  // good: `connectTimeout` bounds the whole upgrade, as it does for a relay.
  const silence = setTimeout(() => {
    refusePiped(connection, badGatewayBytes(`WebSocket proxy: ${target} did not answer the upgrade within ${options.connectTimeout}ms`));
    options.onAnswer?.(502);
  }, Math.max(0, deadline - Date.now()));
  connection.onGone = () => {
    clearTimeout(silence);
    options.connections.delete(pipe);
  };
  connection.onFirstBytes = (bytes) => {
    clearTimeout(silence);
    options.onAnswer?.(answerStatus(bytes));
  };
  connection.divert(backend as never, upgradeHead(request, url, connection.clientAddress.hostname));
  return true;
}
