/**
 * A token carried in the server URL (`http://127.0.0.1:9000/?token=T`, taken since the URL's
 * query became the access token) is never shown: connectMocks' error for a server that does
 * not take mocks named the URL as given, token and all.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { WebSocketServer } from "ws";
import { connectMocks } from "../../adapters/node.ts";

test("connectMocks to a server without mocks: the error names the server, not the URL's token", async (t) => {
  // A framework server of another kind: it answers every request "No handler for", as a hub
  // without the mocks protocol does.
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  t.after(() => server.close());
  await new Promise((resolve) => server.once("listening", resolve));
  server.on("connection", (socket) => {
    socket.on("message", (raw) => {
      const frame = String(raw);
      const [type, id, path] = frame.split(":");
      if (type === "r") socket.send(`s:${id}:${path}:${JSON.stringify({ success: false, error: `No handler for: ${path}` })}`);
    });
  });
  const port = (server.address() as { port: number }).port;
  const secret = "s3cret-token-value";
  const error = await connectMocks(`http://127.0.0.1:${port}/?token=${secret}`).then(
    () => assert.fail("connectMocks took a server without mocks"),
    (error: Error) => error,
  );
  assert.match(error.message, /does not take mocks/);
  assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.doesNotMatch(error.message, new RegExp(secret));
});
