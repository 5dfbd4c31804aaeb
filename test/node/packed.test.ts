import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const root = new URL("../..", import.meta.url).pathname;

test("the packed package works from a plain Node ESM script, as a framework imports it", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "crossipc-packed-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, stdio: ["ignore", "pipe", "pipe"], timeout: 180_000 }).toString();
  npm(["pack", "--pack-destination", dir], root);
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  npm(["install", "--no-audit", "--no-fund", `./${tarball}`], dir);
  writeFileSync(
    join(dir, "app.mjs"),
    `import { IPCServer, IPCClient, IPCSocket, INTERNAL_SOCKET_PATH } from "crossipc";
     import * as explicit from "crossipc/node";
     const server = new IPCServer(0);
     if (!(await server.start())) throw new Error("no start");
     const add = IPCServer.defineRequest("math/add");
     const hello = IPCClient.defineRequest("worker/hello");
     server.onFrameworkMessage(add, async ({ a, b }) => a + b);
     const client = new IPCClient(server.getPort());
     client.onFrameworkRequest(hello, async (name) => "hello " + name);
     await client.connect("w1");
     const sum = await client.sendFrameworkRequest(add, { a: 2, b: 3 });
     const greeting = await server.sendFrameworkMessage("w1", hello, "hub");
     client.disconnect();
     await server.teardown();
     console.log(JSON.stringify({ sum, greeting, path: INTERNAL_SOCKET_PATH, socket: typeof IPCSocket, same: explicit.IPCServer === IPCServer }));`,
  );
  const out = execFileSync(process.execPath, ["app.mjs"], { cwd: dir, timeout: 30_000 }).toString();
  assert.deepEqual(JSON.parse(out), { sum: 5, greeting: "hello hub", path: "/__ggFrameworkConnection", socket: "function", same: true });
  const dts = readdirSync(join(dir, "node_modules/crossipc/dist/adapters"));
  assert.ok(dts.includes("node.d.ts"), "types are shipped");
});
