/**
 * Bun's WebSocket error quotes the URL it dialled, query and all: a server that refused the
 * upgrade (an HTTP server holding the port, answering 404) made `connect()`'s error, and joinHub's
 * (which carries the last connect failure), show the access token.
 */
import { expect, test } from "bun:test";
import { createServer } from "node:http";
import { crossipc } from "./_setup.ts";

// Characters the query encodes (space, slash, plus): the message quotes the token as sent.
const SECRET = "s3cret bun/tok+en";
const SENT = new URLSearchParams({ token: SECRET }).toString().slice("token=".length);

async function notAHub(): Promise<{ port: number; stop(): void }> {
  const server = createServer((_request, response) => response.writeHead(404).end("no")).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return { port: (server.address() as { port: number }).port, stop: () => (server.closeAllConnections(), server.close()) };
}

test("IPCClient.connect to a server answering 404: the error says why, not the token", async () => {
  const server = await notAHub();
  try {
    const client = new crossipc.IPCClient(server.port, { accessToken: SECRET, connectTimeout: 2000 });
    const error = (await client.connect("rt").then(() => undefined, (e: Error) => e)) as Error & { code?: string; cause?: Error };
    expect(error?.code).toBe("ERR_IPC_CONNECT");
    expect(error.message).toContain("404");
    expect(error.message).toContain("token=[redacted]");
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(SENT);
    expect(String(error.cause?.message)).not.toContain(SENT);
  } finally {
    server.stop();
  }
});

test("joinHub on a port a non-hub holds: its error says why, not the token", async () => {
  const server = await notAHub();
  try {
    const error = (await crossipc.joinHub(server.port, { accessToken: SECRET, joinTimeout: 1500, connectTimeout: 300 }).then(() => undefined, (e: Error) => e)) as Error;
    expect(error?.message).toContain(`port ${server.port} within 1500ms: the port is in use, and reaching a hub on it failed:`);
    expect(error.message).toContain("404");
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(SENT);
  } finally {
    server.stop();
  }
});
