/**
 * `deno run --allow-net=127.0.0.1:<port> crossipc.js hub --port <port>`: the least a user may
 * grant a hub. Deno.serve behind the TCP front needs a loopback port of its own, so the hub
 * serves without the front; it used to do so silently (a `reset` fault then answered a 200 head,
 * and none of the front's bounds held). It now says so once on stderr; with `--allow-net=127.0.0.1`
 * it has its front and says nothing. A registered service it may not dial answers 502 naming the
 * flag (issue 21); the hub used to print that refusal once per request, now once.
 */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createServer as createHttpServer, request } from "node:http";
import { HubRequests, IPCClient } from "../../adapters/node.ts";
import { freePort } from "../fixtures/_freePort.ts";
import { ENTRY, spawnDeno } from "./_cli.ts";

/** Starts the hub with `net`, waits for it to answer, runs `meanwhile`, stops it with SIGINT; resolves with its stderr. */
async function hubStderr(net: (port: number) => string, meanwhile: (port: number) => Promise<void> = async () => {}): Promise<string> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };
  delete env.NO_COLOR;
  const { child, output, exited } = spawnDeno(["run", net(port), ENTRY, "hub", "--port", String(port)], env);
  try {
    const deadline = Date.now() + 30_000;
    while (!output.stdout.includes("dashboard:")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the hub did not start: ${output.stdout}${output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const state = await fetch(`http://127.0.0.1:${port}/__crossipc/api/state`);
    assert.equal(state.status, 200);
    await state.body?.cancel();
    await meanwhile(port);
    child.kill("SIGINT");
    assert.equal(await exited, 0, output.stderr);
    return output.stderr;
  } finally {
    child.kill("SIGKILL");
  }
}

test("deno hub granted its own port alone serves without its front and says so in one warn line", async () => {
  const stderr = await hubStderr((port) => `--allow-net=127.0.0.1:${port}`);
  const lines = stderr.split("\n").filter(Boolean);
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, /^warn: \[crossipc\] Serving without the TCP front: Deno may not dial 127\.0\.0\.1 on any port \(--allow-net=127\.0\.0\.1 grants it\)\. A reset fault/);
});

test("deno hub granted 127.0.0.1 has its front and prints nothing on stderr", async () => {
  assert.equal(await hubStderr(() => "--allow-net=127.0.0.1"), "");
});

/** The answer to a WebSocket upgrade of `url`: its status and body (101 with no body when it switched). */
function upgradeAnswer(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, {
      headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" },
    });
    sent.on("response", (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, body }));
    });
    sent.on("upgrade", (_response, socket) => (socket.destroy(), resolve({ status: 101, body: "" })));
    sent.on("error", reject);
    sent.end();
  });
}

/**
 * A Deno hub granted its own port alone, with a service at `baseUrl(servicePort)` registered under
 * /svc that it may not dial; `check` runs against the hub. Resolves with the hub's stderr and the
 * flag a refusal names.
 */
async function refusedService(baseUrl: (servicePort: number) => string, check: (port: number, flag: string) => Promise<void>): Promise<{ stderr: string; flag: string }> {
  const service = createHttpServer((_request, response) => response.end("service"));
  await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
  const servicePort = (service.address() as AddressInfo).port;
  const flag = `--allow-net=127.0.0.1:${servicePort}`;
  const stderr = await hubStderr(
    (port) => `--allow-net=127.0.0.1:${port}`,
    async (port) => {
      const client = new IPCClient(port);
      await client.connect("svc-1");
      try {
        await client.sendFrameworkRequest(HubRequests.register, [{ api: "svc", baseUrl: baseUrl(servicePort), pathPrefix: "/svc" }]);
        await check(port, flag);
      } finally {
        client.disconnect();
      }
    },
  ).finally(() => service.close());
  return { stderr, flag };
}

test("deno hub granted its own port alone: a service it may not dial gets 502 naming the flag, and the refusal is printed once", async () => {
  const { stderr, flag } = await refusedService(
    (servicePort) => `http://127.0.0.1:${servicePort}`,
    async (port, flag) => {
      for (const n of [1, 2, 3]) {
        const answer = await fetch(`http://127.0.0.1:${port}/svc/${n}`);
        assert.equal(answer.status, 502);
        const { error } = (await answer.json()) as { error: string };
        assert.ok(error.includes(flag), error);
        assert.doesNotMatch(error, /Did the service crash/);
      }
      assert.equal((await upgradeAnswer(`http://127.0.0.1:${port}/svc/ws`)).status, 502);
    },
  );
  const refusals = stderr.split("\n").filter((line) => line.includes("no net permission"));
  assert.equal(refusals.length, 1, stderr);
  assert.ok(refusals[0]!.includes(flag), stderr);
});

test("deno hub granted its own port alone: a service URL with credentials gets the same 502 (not a 500), and its password is shown nowhere", async () => {
  // The refusal's host was read with the URL's `user:password@`: Deno's permission query threw
  // on it (a 500 for HTTP), and the password went into the log line and the WebSocket's 502.
  const answers: string[] = [];
  const { stderr, flag } = await refusedService(
    (servicePort) => `http://admin:s3cret-pw@127.0.0.1:${servicePort}`,
    async (port, flag) => {
      const answer = await fetch(`http://127.0.0.1:${port}/svc/1`);
      const text = await answer.text();
      answers.push(text);
      assert.equal(answer.status, 502, text);
      assert.ok(text.includes(flag), text);
      const upgrade = await upgradeAnswer(`http://127.0.0.1:${port}/svc/ws`);
      answers.push(upgrade.body);
      assert.equal(upgrade.status, 502, upgrade.body);
    },
  );
  for (const shown of [...answers, stderr]) assert.doesNotMatch(shown, /s3cret-pw/, shown);
  assert.ok(stderr.includes(flag), stderr);
});
