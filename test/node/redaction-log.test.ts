/** Secrets in what the server logs: a request's `?token=` never reaches the logger (the hub's stderr). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { deadPort, startServer } from "./_helpers.ts";

test("a failed proxy's log line reads [redacted] for token and access_token query values, as its journal entry does", async (t) => {
  const port = await deadPort();
  const lines: string[] = [];
  const logger = { warn: (...args: unknown[]) => lines.push(args.map(String).join(" ")), error: () => {}, info: () => {}, debug: () => {} };
  const server = await startServer(t, { logger });
  server.setRouteProxyResolver(() => `http://127.0.0.1:${port}`);
  const response = await fetch(`${server.getUrl()}/api/orders?token=s3cret-query&%61ccess_token=s3cret-too&page=2`);
  assert.equal(response.status, 502);
  await response.text();
  const line = lines.find((text) => text.includes("Proxy to"));
  assert.ok(line, lines.join("\n"));
  assert.doesNotMatch(line, /s3cret/);
  assert.match(line, /\/api\/orders\?token=\[redacted\]&%61ccess_token=\[redacted\]&page=2 failed \(502\)/);
  assert.doesNotMatch(JSON.stringify(server.journal.entries()), /s3cret/);
});
