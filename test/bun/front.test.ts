/**
 * The Bun hub's front (adapters/_bun-front.ts) as a user of `bun test` meets it: its Unix socket
 * lives in a directory of its own that teardown removes (a loopback port where there is no
 * temporary directory), a framework client and an intercept route work through it, and
 * `resettableConnections: false` serves on `Bun.serve` alone. Pipelining and
 * absolute-form targets over raw TCP: test/hardening/pipeline.ts.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, crossipc, startServer } from "./_setup.ts";

const echo = crossipc.IPCServer.defineRequest<string, number>("test/length");

/** A server started while TMPDIR is `dir` (where the front makes its socket's directory). */
async function startWithTmpdir(dir: string) {
  const saved = process.env["TMPDIR"];
  process.env["TMPDIR"] = dir;
  try {
    return await startServer();
  } finally {
    if (saved === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = saved;
  }
}

test("the front's socket directory is made under the temporary directory and removed at teardown", async () => {
  // A temporary directory of the test's own, so that other servers' directories do not count.
  const own = mkdtempSync(join(tmpdir(), "front-test-"));
  const server = await startWithTmpdir(own);
  try {
    expect(readdirSync(own).filter((name) => name.startsWith("crossipc-")).length).toBe(1);
    server.interceptHttp("GET", "/hello", () => ({ hello: true }));
    expect(await (await fetch(`${server.getUrl()}/hello`)).json()).toEqual({ hello: true });
    server.onFrameworkMessage(echo, (text) => text.length);
    const client = await connect(server);
    expect(await client.sendFrameworkRequest(echo, "four")).toBe(4);
    client.disconnect();
    await server.teardown();
    expect(readdirSync(own)).toEqual([]);
  } finally {
    rmSync(own, { recursive: true, force: true });
  }
});

test("without a temporary directory to put the socket in, the front copies to a loopback port", async () => {
  const server = await startWithTmpdir(join(tmpdir(), "front-test-missing", "nowhere"));
  server.interceptHttp("GET", "/hello", () => ({ hello: true }));
  expect(await (await fetch(`${server.getUrl()}/hello`)).json()).toEqual({ hello: true });
  await server.teardown();
});

test("resettableConnections: false serves straight on Bun.serve", async () => {
  const server = await startServer({ resettableConnections: false });
  server.interceptHttp("GET", "/hello", () => ({ hello: true }));
  server.onFrameworkMessage(echo, (text) => text.length);
  expect(await (await fetch(`${server.getUrl()}/hello`)).json()).toEqual({ hello: true });
  const client = await connect(server);
  expect(await client.sendFrameworkRequest(echo, "four")).toBe(4);
  client.disconnect();
  await server.teardown();
});
