/**
 * `crossipc hub` under Deno with default flags (Deno.serve cannot drop a connection by itself:
 * the TCP front in front of it does), with the permissions a user gives (`--allow-net=127.0.0.1`),
 * and a reset fault added with `crossipc fault` from another process: clients see a reset.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { ROOT } from "../matrix/_spawn.ts";

test("a reset fault added by `crossipc fault` resets connections on a Deno `crossipc hub` with default flags", async (t) => {
  const hub = spawn(`${ROOT}node_modules/.bin/deno`, ["run", "--allow-net=127.0.0.1", "bin/crossipc.ts", "hub", "--port", "0", "--json"], {
    cwd: ROOT,
    // As in a person's terminal: no NO_COLOR.
    env: { ...process.env, NO_COLOR: undefined, DENO_NO_UPDATE_CHECK: "1", CROSSIPC_HUB_PORT: "", GG_LOCAL_ROUTER_PORT: "" },
  });
  t.after(() => hub.kill("SIGKILL"));
  let stdout = "";
  hub.stdout.setEncoding("utf8");
  const started = await new Promise<{ url: string }>((resolve, reject) => {
    hub.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      // Whole lines only: the started line may arrive in pieces, and half of it is not JSON.
      const line = stdout.split("\n").slice(0, -1).find((l) => l.includes('"started"'));
      if (line) resolve(JSON.parse(line));
    });
    hub.on("exit", (code) => reject(new Error(`hub exited ${code}: ${stdout}`)));
  });
  const port = new URL(started.url).port;
  const added = spawn(process.execPath, ["--import", "tsx", "bin/crossipc.ts", "fault", "--port", port, "--path", "/orders/**", "--reset"], { cwd: ROOT });
  let id = "";
  added.stdout.on("data", (chunk) => (id += chunk));
  const [code] = await once(added, "close");
  assert.equal(code, 0);
  assert.match(id.trim(), /^f\d+-[0-9a-f]+$/);
  await assert.rejects(fetch(`${started.url}/orders/1`), TypeError);
  assert.equal((await fetch(`${started.url}/users/1`)).status, 404, "other paths are answered");
  hub.kill("SIGTERM");
  assert.equal((await once(hub, "exit"))[0], 0);
});
