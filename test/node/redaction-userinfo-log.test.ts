/**
 * The lines a logger is given redact a URL's userinfo in an error's message (../../src/server/_userinfo.ts),
 * and only there: a pathless URL inside JSON followed by an `@` (`{"url":"http://h:1","owner":"a@b"}`)
 * read `{"url":"http://h:[redacted]@b"}`, the error's text lost, though it holds no secret.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCServer } from "../../adapters/node.ts";

test("a thrown error's message keeps a JSON text holding a URL and an address, and loses a URL's spaced password", async (t) => {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => lines.push(args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(" "));
  const server = new IPCServer(0, { logger: { error: keep, warn: keep, info: keep, debug: keep } });
  assert.equal(await server.start(), true);
  t.after(() => server.teardown());
  const json = JSON.stringify({ upstream: "http://127.0.0.1:1", owner: "ops@example.com" });
  server.interceptHttp("GET", "/json", () => {
    throw new Error(`upstream refused: ${json}`);
  });
  server.interceptHttp("GET", "/spaced", () => {
    throw new Error("cannot reach http://svc:pa ss-w0rd@127.0.0.1:1/x");
  });
  for (const path of ["/json", "/spaced"]) {
    const response = await fetch(`${server.getUrl()}${path}`);
    await response.text();
    assert.equal(response.status, 500);
  }
  const log = lines.join("\n");
  assert.ok(log.includes(`upstream refused: ${json}`), log);
  assert.ok(log.includes("cannot reach http://svc:[redacted]@127.0.0.1:1/x"), log);
  assert.ok(!log.includes("ss-w0rd"), log);
});

test("a URL with a port ended by punctuation, then an address, keeps every word in the log", async (t) => {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => lines.push(args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(" "));
  const server = new IPCServer(0, { logger: { error: keep, warn: keep, info: keep, debug: keep } });
  assert.equal(await server.start(), true);
  t.after(() => server.teardown());
  const messages = ["cannot reach http://127.0.0.1:1, mail ops@example.com", "cannot reach http://db:5432. Ask alice@example.com", "down: http://svc:80; owner bob@example.com"];
  messages.forEach((message, i) =>
    server.interceptHttp("GET", `/fail${i}`, () => {
      throw new Error(message);
    }),
  );
  for (let i = 0; i < messages.length; i++) {
    const response = await fetch(`${server.getUrl()}/fail${i}`);
    await response.text();
    assert.equal(response.status, 500);
  }
  const log = lines.join("\n");
  for (const message of messages) assert.ok(log.includes(message), log);
});
