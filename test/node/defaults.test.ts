import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const entry = JSON.stringify(new URL("../../adapters/node.ts", import.meta.url).pathname);

/** Runs a module in a fresh Node process, with `env` added, and returns what it printed. */
async function child(source: string, env: Record<string, string> = {}) {
  return run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", source], {
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
}

/** Prints the address every listening net.Server in this process is bound to. */
const boundAddresses = `
  const bound = process._getActiveHandles()
    .filter((h) => typeof h?.address === "function" && h.listening)
    .map((h) => h.address()?.address);
`;

test("binds loopback by default and ignores HOST and PORT", async () => {
  const { stdout } = await child(
    `import { IPCServer } from ${entry};
     const s = new IPCServer(0); await s.start();
     ${boundAddresses}
     console.log(JSON.stringify({ port: s.getPort(), bound, url: s.getUrl() }));
     await s.teardown();`,
    { HOST: "0.0.0.0", PORT: "3999" },
  );
  const result = JSON.parse(stdout) as { port: number; bound: string[]; url: string };
  assert.deepEqual(result.bound, ["127.0.0.1"]);
  assert.notEqual(result.port, 3999);
  assert.equal(result.url, `http://127.0.0.1:${result.port}`);
});

test("binds another address only when hostname says so (and with a token)", async () => {
  const { stdout } = await child(
    `import { IPCServer } from ${entry};
     const s = new IPCServer(0, { hostname: "0.0.0.0", accessToken: "t" }); await s.start();
     ${boundAddresses}
     console.log(JSON.stringify({ bound, url: s.getUrl(), port: s.getPort() }));
     await s.teardown();`,
  );
  const result = JSON.parse(stdout) as { bound: string[]; url: string; port: number };
  assert.deepEqual(result.bound, ["0.0.0.0"]);
  assert.equal(result.url, `http://127.0.0.1:${result.port}`, "getUrl still reaches it from this machine");
});

test("prints nothing, installs no signal handlers and exits on its own after teardown", async () => {
  const { stdout, stderr } = await child(
    `import { IPCServer, IPCClient } from ${entry};
     const s = new IPCServer(0); await s.start();
     s.onFrameworkMessage("boom", () => { throw new Error("x"); });
     s.setRouteProxyResolver((p) => p.startsWith("/down") ? "http://127.0.0.1:1" : undefined);
     s.interceptHttp("GET", "/fail", () => { throw new Error("y"); });
     const c = new IPCClient(s.getPort()); await c.connect("w");
     await c.sendFrameworkRequest("boom", 1).catch(() => {});
     for (const p of ["/nothing", "/down/x", "/fail"]) await (await fetch(s.getUrl() + p)).text();
     const signals = process.listenerCount("SIGINT") + process.listenerCount("SIGTERM");
     c.disconnect(); await s.teardown();
     process.stdout.write("signals=" + signals);`,
  );
  assert.equal(stdout, "signals=0");
  assert.equal(stderr, "");
});

test("a logger, when given, hears what happens", async () => {
  const { stdout } = await child(
    `import { IPCServer } from ${entry};
     const lines = [];
     const logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m), debug: () => {} };
     const s = new IPCServer(0, { logger }); await s.start();
     s.interceptHttp("GET", "/fail", () => { throw new Error("y"); });
     await (await fetch(s.getUrl() + "/fail")).text();
     await s.teardown();
     console.log(JSON.stringify(lines));`,
  );
  const lines = JSON.parse(stdout) as string[];
  assert.ok(lines.some((l) => /listening on http:\/\/127\.0\.0\.1:\d+/.test(l)), stdout);
  assert.ok(lines.some((l) => l.includes("GET /fail threw")), stdout);
});
