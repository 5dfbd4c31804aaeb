/** Recording bodies through Deno's proxy (test/fixtures/record-proxy-cases.ts): small answers kept as the bytes read, cut at maxBodySize; streamed ones copied. */
import { keepsTheBodyBudget, recordingBackend, recordsBodiesCutAtMaxBodySize } from "../fixtures/record-proxy-cases.ts";
import { Deno, startServer } from "./_deno.ts";

async function withBackend(options: Parameters<typeof startServer>[0], run: (server: Awaited<ReturnType<typeof startServer>>, backend: ReturnType<typeof recordingBackend>) => Promise<void>): Promise<void> {
  const backend = recordingBackend();
  const served = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, backend.handler);
  const server = await startServer(options);
  try {
    server.setRouteProxyResolver(() => `http://127.0.0.1:${served.addr.port}`);
    await run(server, backend);
  } finally {
    backend.release();
    await server.teardown();
    await served.shutdown();
  }
}

Deno.test("recording bodies, proxied answers reach the client whole and the journal keeps them cut at maxBodySize", () =>
  withBackend({ journal: { bodies: true, maxBodySize: 64 } }, (server) => recordsBodiesCutAtMaxBodySize(server)));

Deno.test("journal.maxTotalBodySize: proxied and intercepted bodies never hold more than the budget; the oldest go first; a streamed answer counts as it arrives", () =>
  withBackend({ journal: { bodies: true, maxBodySize: 1 << 20, maxTotalBodySize: 150_000 } }, (server, backend) => keepsTheBodyBudget(server, backend, 150_000)));
