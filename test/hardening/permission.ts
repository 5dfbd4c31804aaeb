/**
 * A Deno hub started as the README says (`--allow-net=127.0.0.1`, in a terminal: `script` gives
 * it one) and a service registered as `http://localhost:B`: Deno would put up its permission
 * prompt and freeze the whole hub. It must answer 502 naming the permission, for HTTP and for a
 * WebSocket upgrade, and keep answering everything else (issue 21). The same for the host written
 * so that only the URL parser reads it as `localhost` (`%6cocalhost`: the permission query threw,
 * the dial went on and Deno prompted), while `127.1`, which the parser reads as 127.0.0.1, is
 * dialled (it was refused, naming `--allow-net=127.1`).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ROOT } from "../matrix/_spawn.ts";
import { rawExchange, sleep, statuses } from "./_attack.ts";

const backend = createServer((_req, res) => res.end("backend"));
await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
const port = (backend.address() as AddressInfo).port;
let failed = false;
for (const [written, refusedAs] of [["localhost", "localhost"], ["%6cocalhost", "localhost"], ["127.1", undefined]] as const) {
  const config = JSON.stringify({ backend: `http://${written}:${port}` });
  const deno = `${ROOT}node_modules/.bin/deno run --allow-net=127.0.0.1 test/hardening/hub.ts '${config}'`;
  const hub = spawn("script", ["-qfec", deno, "/dev/null"], { cwd: ROOT, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" }, detached: true });
  let terminal = "";
  hub.stdout.setEncoding("utf8").on("data", (chunk: string) => (terminal += chunk));
  try {
    const deadline = Date.now() + 60_000;
    // Up to the comma after the digits: a terminal may hand the line over in pieces.
    while (!/"port":\d+,/.test(terminal) && Date.now() < deadline) await sleep(100);
    const hubPort = /"port":(\d+),/.exec(terminal)?.[1];
    assert.ok(hubPort, `the hub did not start: ${terminal}`);
    const url = `http://127.0.0.1:${hubPort}`;

    const proxied = await fetch(`${url}/svc/x`, { signal: AbortSignal.timeout(5000) });
    if (refusedAs === undefined) {
      const text = await proxied.text();
      assert.deepEqual([proxied.status, text], [200, "backend"], written);
    } else {
      const body = (await proxied.json()) as { error: string };
      assert.equal(proxied.status, 502);
      assert.match(body.error, new RegExp(`--allow-net=${refusedAs}:${port}`));

      const upgrade = await rawExchange(
        Number(hubPort),
        "GET /svc/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
      assert.equal(statuses(upgrade)[0], 502, upgrade);
      assert.match(upgrade, /net permission/);
    }

    assert.equal((await fetch(`${url}/api/hello`, { signal: AbortSignal.timeout(5000) })).status, 200);
    assert.doesNotMatch(terminal, /Allow\?/, "Deno prompted");
    console.log(`ok   deno  a service at http://${written}:B ${refusedAs ? "answers 502 naming --allow-net" : "is dialled as 127.0.0.1"}, and nothing prompts`);
  } catch (error) {
    failed = true;
    console.log(`FAIL deno  permission, a service at http://${written}:B: ${(error as Error).message}\n     terminal: ${JSON.stringify(terminal.slice(-400))}`);
  } finally {
    process.kill(-hub.pid!, "SIGKILL");
  }
}
backend.close();
process.exit(failed ? 1 : 0);
