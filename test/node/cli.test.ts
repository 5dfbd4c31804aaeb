import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { setHubDescriber } from "../../src/server/_describe.ts";
import { crossipc, ROOT } from "./_cli.ts";
import { startServer } from "./_helpers.ts";

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = new IPCServer(0);
  await server.start();
  const port = server.getPort();
  await server.teardown();
  return port;
}

async function busyHub(t: { after(fn: () => unknown): void }, options = {}) {
  const server = await startServer(t, { dashboard: true, ...options });
  server.interceptHttp("POST", "/mock/orders", () => ({ ok: true }));
  setHubDescriber(server, () => ({
    kind: "bin",
    leader: true,
    services: [{ api: "orders", strategy: "first", instances: [{ baseUrl: "http://127.0.0.1:4100", pathPrefix: "/orders", owner: "client-1" }] }],
  }));
  const token = (options as { accessToken?: string }).accessToken;
  const client = new IPCClient(server.getPort(), { heartbeatInterval: 0, accessToken: token });
  await client.connect("orders-service");
  t.after(() => client.disconnect());
  await fetch(`${server.getUrl()}/mock/orders${token ? "" : ""}`, { method: "POST" });
  return server;
}

test("crossipc status lists the hub's clients, services and routes", async (t) => {
  const server = await busyHub(t);
  const { code, stdout, stderr } = await crossipc(["status", "--port", String(server.getPort())]);
  assert.equal(stderr, "");
  assert.equal(code, 0);
  assert.match(stdout, new RegExp(`^hub ${server.getUrl()} \\(node \\d+\\.\\d+\\.\\d+, leader, bin, up \\d+s\\)\n`));
  assert.match(stdout, new RegExp(`dashboard ${server.getUrl()}/__crossipc/ \\(open it with the #key=… that \`crossipc hub\` printed, or server\\.getDashboardUrl\\(\\)\\)\n`));
  assert.match(stdout, /clients \(1\)\n {2}client-\d+ orders-service {2}since \d\d:\d\d:\d\d {2}in 0 {2}out 0 {2}pending 0\n/);
  assert.match(stdout, /services \(1\)\n {2}orders \(first\)\n {4}\/orders → http:\/\/127\.0\.0\.1:4100 {2}\(client-1\)\n/);
  assert.match(stdout, /routes \(1\)\n {2}POST \/mock\/orders {2}1 hit\n/);

  const json = await crossipc(["status", "--json"], { CROSSIPC_HUB_PORT: String(server.getPort()) });
  assert.equal(json.code, 0);
  const state = JSON.parse(json.stdout);
  assert.equal(state.url, server.getUrl());
  assert.equal(state.clients[0].runtimeId, "orders-service");
  assert.deepEqual(state.routes, [{ method: "POST", path: "/mock/orders", hits: 1 }]);
});

test("status given a token for a hub without one points at the start line's key, not at the token", async (t) => {
  const server = await busyHub(t);
  const { code, stdout } = await crossipc(["status", "--port", String(server.getPort()), "--token", "not-this-hubs"]);
  assert.equal(code, 0);
  assert.match(stdout, /dashboard http:\/\/127\.0\.0\.1:\d+\/__crossipc\/ \(open it with the #key=… that `crossipc hub` printed/);
  const state = JSON.parse((await crossipc(["status", "--port", String(server.getPort()), "--json"])).stdout);
  assert.equal(state.tokenRequired, false);
});

test("the port comes from --port, then CROSSIPC_HUB_PORT, then GG_LOCAL_ROUTER_PORT", async (t) => {
  const server = await busyHub(t);
  const port = String(server.getPort());
  const dead = String(await deadPort());
  assert.equal((await crossipc(["status"], { GG_LOCAL_ROUTER_PORT: port })).code, 0);
  assert.equal((await crossipc(["status"], { CROSSIPC_HUB_PORT: port, GG_LOCAL_ROUTER_PORT: dead })).code, 0);
  assert.equal((await crossipc(["status", "--port", port], { CROSSIPC_HUB_PORT: dead })).code, 0);
  const wrong = await crossipc(["status"], { CROSSIPC_HUB_PORT: dead, GG_LOCAL_ROUTER_PORT: port });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, new RegExp(`no hub answers at http://127\\.0\\.0\\.1:${dead}`));
});

test("with an access token, status needs --token (or CROSSIPC_ACCESS_TOKEN), and a wrong one is said to be wrong", async (t) => {
  const server = await busyHub(t, { accessToken: "s3cret" });
  const port = String(server.getPort());
  const refused = await crossipc(["status", "--port", port]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^crossipc status: the hub at http:\/\/127\.0\.0\.1:\d+ needs its access token: pass --token/);
  // A wrong token is named as wrong, with where it came from (it read "pass --token" when one was passed).
  const wrong = await crossipc(["status", "--port", port, "--token", "not-the-one"]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^crossipc status: the hub at http:\/\/127\.0\.0\.1:\d+ refused the access token of --token: is it the one this hub was started with\?/);
  assert.doesNotMatch(wrong.stderr, /not-the-one/);
  const wrongEnv = await crossipc(["journal", "--har", "--port", port], { CROSSIPC_ACCESS_TOKEN: "not-the-one" });
  assert.match(wrongEnv.stderr, /^crossipc journal: the hub at http:\/\/127\.0\.0\.1:\d+ refused the access token of CROSSIPC_ACCESS_TOKEN: is it/);
  const ok = await crossipc(["status", "--port", port, "--token", "s3cret"]);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /dashboard http:\/\/127\.0\.0\.1:\d+\/__crossipc\/ \(add #key=<your token>\)\n/, "says how to open the dashboard");
  assert.equal(JSON.parse((await crossipc(["status", "--port", port, "--token", "s3cret", "--json"])).stdout).tokenRequired, true);
  assert.doesNotMatch(ok.stdout, /s3cret/, "never prints the token");
  assert.equal((await crossipc(["status", "--port", port], { CROSSIPC_ACCESS_TOKEN: "s3cret" })).code, 0);
});

test("crossipc journal prints one line per entry, filtered, and --follow prints new ones", async (t) => {
  const server = await busyHub(t);
  const port = String(server.getPort());
  await fetch(`${server.getUrl()}/nowhere?x=1`);
  const all = await crossipc(["journal", "--port", port]);
  assert.equal(all.code, 0);
  const lines = all.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 3, all.stdout);
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} websocket GET \/__ggFrameworkConnection\?runtimeId=orders-service → framework 101 \[orders-service\] [\d.]+ms$/);
  assert.match(lines[1]!, /^\d\d:\d\d:\d\d\.\d{3} http POST \/mock\/orders → intercept POST \/mock\/orders 200 [\d.]+ms 11 B$/);
  assert.match(lines[2]!, /^\d\d:\d\d:\d\d\.\d{3} http GET \/nowhere\?x=1 → no route 404 [\d.]+ms \d+ B$/);

  const filtered = await crossipc(["journal", "--port", port, "--status", "4xx", "--json"]);
  assert.deepEqual(filtered.stdout.trimEnd().split("\n").map((l) => JSON.parse(l).path), ["/nowhere?x=1"]);

  const child = spawn(process.execPath, ["--import", "tsx", "bin/crossipc.ts", "journal", "--follow", "--port", port, "--kind", "http", "--limit", "0"], { cwd: ROOT });
  t.after(() => child.kill());
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  // Requests made once it follows show up as new lines (it started with none: --limit 0).
  const deadline = Date.now() + 10_000;
  while (!out.includes("\n") && Date.now() < deadline) {
    await fetch(`${server.getUrl()}/mock/orders`, { method: "POST" });
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.match(out, /^\d\d:\d\d:\d\d\.\d{3} http POST \/mock\/orders → intercept POST \/mock\/orders 200 /);
});

test("no hub, or a bad flag: a clear message and a non-zero exit", async () => {
  const dead = String(await deadPort());
  for (const command of ["status", "journal"]) {
    const none = await crossipc([command, "--port", dead]);
    assert.equal(none.code, 1);
    assert.equal(none.stdout, "");
    assert.equal(none.stderr, `crossipc ${command}: no hub answers at http://127.0.0.1:${dead} (ECONNREFUSED). Start one with \`crossipc hub\`, or pass --port\n`);
  }
  const cases: Array<[string[], RegExp]> = [
    [["status", "--port", "abc"], /^crossipc status: --port must be a port number from 1 to 65535, got 'abc'\n/],
    [["status", "--port", "70000"], /^crossipc status: --port must be a port number/],
    [["status", "--prot", "9000"], /^crossipc status: unknown flag --prot\n/],
    [["journal", "--status", "teapot"], /^crossipc journal: --status must be a status \(404\) or a class \(5xx\), got 'teapot'/],
    [["journal", "--limit", "ten"], /^crossipc journal: --limit must be a whole number \(0 or more\), got 'ten'/],
    [["journal", "--limit", "-1"], /^crossipc journal: --limit must be a whole number \(0 or more\), got '-1'/],
    [["journal", "--kind", "ftp"], /^crossipc journal: --kind must be http, websocket or framework, got 'ftp'/],
  ];
  for (const [args, message] of cases) {
    const bad = await crossipc(args);
    assert.equal(bad.code, 2, args.join(" "));
    assert.match(bad.stderr, message);
    assert.match(bad.stderr, /--help` for its flags\.\n$/);
  }
  const env = await crossipc(["status"], { CROSSIPC_HUB_PORT: "nine" });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /CROSSIPC_HUB_PORT must be a port number from 1 to 65535, got 'nine'/);
});

test("status, journal and fault refuse what they would ignore: a stray word, a flag with no value, one given twice, a value for a switch", async (t) => {
  // Each of these ran against the hub (exit 0) as if the mistake were not there: `journal --method`
  // printed every entry, `--method --port N` asked the hub on 9000, `--json=no` printed JSON.
  const server = await startServer(t, { dashboard: true });
  const port = String(server.getPort());
  const cases: Array<[string[], string]> = [
    [["status", "--port", port, "extra"], "crossipc status: unexpected argument 'extra'"],
    [["status", "--port", port, "--", "extra"], "crossipc status: unexpected argument 'extra'"],
    [["status", "--port", port, "--json=no"], "crossipc status: --json takes no value"],
    [["status", "--port", "1", "--port", port], "crossipc status: --port given more than once"],
    [["status", "--port", port, "--hostname"], "crossipc status: --hostname needs a value"],
    [["status", "--port", port, "--hostname="], "crossipc status: --hostname needs a value"],
    [["journal", "--port", port, "--method"], "crossipc journal: --method needs a value"],
    [["journal", "--method", "--port", port], "crossipc journal: --method needs a value"],
    [["journal", "--port", port, "stray"], "crossipc journal: unexpected argument 'stray'"],
    [["journal", "--port", port, "-f=x"], "crossipc journal: -f takes no value"],
    [["journal", "--port", port, "--limit", "1", "--limit", "2"], "crossipc journal: --limit given more than once"],
    [["fault", "--port", port, "--path", "--status", "503"], "crossipc fault: --path needs a value"],
  ];
  for (const [args, message] of cases) {
    const run = await crossipc(args);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.equal(run.stdout, "", args.join(" "));
    assert.equal(run.stderr, `${message}\nRun \`crossipc ${args[0]} --help\` for its flags.\n`, args.join(" "));
  }
  assert.deepEqual(server.faults(), [], "nothing added");
  // What they take still works: switches negated or set, a value joined with =, fault's id after --clear.
  assert.equal((await crossipc(["status", `--port=${port}`, "--json", "--no-json"])).code, 0);
  assert.equal((await crossipc(["journal", "--port", port, "--json=true", "--limit", "1"])).code, 0);
  const kept = server.fault({ path: "/kept" }, { status: 503 });
  const cleared = await crossipc(["fault", "--port", port, "--clear", kept.id]);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.equal(cleared.stdout, "removed 1 fault\n");
});

test("a server without the dashboard is named as such", async (t) => {
  const server = await startServer(t, { dashboard: false });
  const result = await crossipc(["status", "--port", String(server.getPort())]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /answers, but serves no dashboard API/);
});
