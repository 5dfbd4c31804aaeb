/**
 * Mocks against every kind of hub (SPEC §10): the built `crossipc hub` under node, bun and deno
 * (deno with the network and environment variables allowed, as a user grants) and a `joinHub` leader, each taking rules from
 * `connectMocks` in this process and scoping them, with a registered service behind.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { connectMocks, IPCClient, HubRequests, joinHub } from "../../adapters/node.ts";
import { freePort } from "../fixtures/compat/scenarios.ts";
import { startEchoService } from "../fixtures/_echoService.ts";
import { ROOT, type Runtime } from "../matrix/_spawn.ts";

const BIN = `${ROOT}node_modules/.bin`;
const ENTRY = "dist/bin/crossipc.js";
const COMMANDS: Record<Runtime, [string, string[]]> = {
  node: [process.execPath, [ENTRY]],
  bun: [`${BIN}/bun`, [ENTRY]],
  deno: [`${BIN}/deno`, ["run", "--allow-net", "--allow-env", ENTRY]],
};

/** A service registered with the hub over the wire, as a grest-ts service would. */
async function registerService(t: { after(fn: () => unknown): void }, port: number, api: string): Promise<void> {
  const service = await startEchoService(api);
  t.after(() => service.close());
  const client = new IPCClient(port, { heartbeatInterval: 0 });
  await client.connect(`${api}-service`);
  t.after(() => client.disconnect());
  await client.sendFrameworkRequest(HubRequests.register, [{ api, baseUrl: service.url, pathPrefix: `/${api}` }]);
}

async function checkMocks(t: { after(fn: () => unknown): void }, port: number): Promise<void> {
  const hub = `http://127.0.0.1:${port}`;
  await registerService(t, port, "users");
  await using mocks = await connectMocks(port, { runtimeId: "hub-kinds" });
  await using scope = mocks.scope();
  await scope.intercept("GET", "/users/:id", (_body, params) => ({ mocked: params.id }));
  assert.deepEqual(await (await fetch(`${hub}/users/5`, { headers: scope.headers })).json(), { mocked: "5" });
  const real = await fetch(`${hub}/users/5`);
  assert.equal(real.status, 200);
  assert.notDeepEqual(await real.json(), { mocked: "5" });
}

for (const runtime of ["node", "bun", "deno"] as const) {
  test(`crossipc hub under ${runtime} takes mocks from another process`, async (t) => {
    const port = await freePort();
    const [cmd, argv] = COMMANDS[runtime];
    const proc = spawn(cmd, [...argv, "hub", "--port", String(port), "--json"], { cwd: ROOT, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    t.after(() => proc.kill("SIGKILL"));
    let out = "";
    let err = "";
    proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${runtime}: the hub did not start: ${out}${err}`)), 30_000);
      proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        if (out.includes('"event":"started"')) (clearTimeout(timer), resolve());
      });
    });
    await checkMocks(t, port);
  });
}

test("a joinHub leader takes mocks from another process", async (t) => {
  const port = await freePort();
  const member = await joinHub(port);
  t.after(() => member.leave());
  assert.equal(member.role, "leader");
  await checkMocks(t, port);
});
