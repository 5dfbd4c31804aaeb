// The driver of test/run-user-runners.sh, run inside the temp project the packed tarball was
// installed into: one `crossipc hub` (in the runtime HUB_RUNTIME names) and three real services
// (users: Node, shop: Bun, echo: Deno), then every runner at the same time, RUNS times (argv[2]);
// each run one runner's test process is SIGKILLed mid-run (rotating), and afterwards the hub must
// hold no rule and no fault, and unscoped requests must reach the real services.
//   node --experimental-websocket --import tsx run.mts [RUNS]
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";

const B = process.env.CROSSIPC_BIN!;
const DENO = `${B}/deno`, BUN = `${B}/bun`;
const denoPerms = (out: string) => ["--allow-net=127.0.0.1", "--allow-env=CROSSIPC_HUB_PORT,R5_OUT,R5_REQUESTS", `--allow-write=${out}`];
const RUNS = Number(process.argv[2] ?? 1);
const OUT = process.env.R5_ROOT_OUT!;
const HUB_RUNTIME = process.env.HUB_RUNTIME ?? "node";

const port = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
});
const hub = `http://127.0.0.1:${port}`;
const started: ChildProcess[] = [];
function background(name: string, cmd: string, args: string[]): { log: () => string } {
  const child = spawn(cmd, args, { env: { ...process.env, CROSSIPC_HUB_PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  child.on("exit", (code, signal) => { if (!stopping) console.log(`${name} exited early (${code ?? signal}):\n${log}`); });
  started.push(child);
  return { log: () => log };
}
let stopping = false;
process.on("exit", () => { stopping = true; for (const child of started) child.kill("SIGTERM"); });

const HUBS: Record<string, [string, string[]]> = {
  node: ["node", ["node_modules/crossipc/dist/bin/crossipc.js", "hub", "--no-takeover"]],
  bun: [BUN, ["--bun", "node_modules/crossipc/dist/bin/crossipc.js", "hub", "--no-takeover"]],
  deno: [DENO, ["run", "--allow-net", "--allow-env", "node_modules/crossipc/dist/bin/crossipc.js", "hub", "--no-takeover"]],
};
const hubLog = background("hub", ...HUBS[HUB_RUNTIME]!);
await until("the hub", async () => (await fetch(`${hub}/__crossipc/api/state`).catch(() => undefined))?.ok === true);
background("users", "node", ["--import", "tsx", "services/users.ts"]);
background("shop", BUN, ["services/shop.ts"]);
background("echo", DENO, ["run", "--allow-net=127.0.0.1", "--allow-env=CROSSIPC_HUB_PORT", "services/echo.ts"]);
await until("three services", async () => (await state()).services.length === 3);
console.log(hubLog.log().split("\n")[0]);

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; !(await check().catch(() => false)); i++) {
    if (i > 300) throw new Error(`no ${what} after 30 s`);
    await sleep(100);
  }
}

function sleep(ms: number) { return new Promise((r) => setTimeout(r, ms)); }
async function state(): Promise<any> { return (await fetch(`${hub}/__crossipc/api/state`)).json(); }

function run(name: string, cmd: string, args: string[], out: string, extraEnv: Record<string, string> = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, CROSSIPC_HUB_PORT: String(port), R5_OUT: out, FORCE_COLOR: "0", NO_COLOR: "1", ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const started = Date.now();
  const done = new Promise<{ name: string; code: number | string; log: string; ms: number }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ name, code: code ?? signal ?? "?", log, ms: Date.now() - started })));
  return { child, done };
}

const nodeWs = { NODE_OPTIONS: "--experimental-websocket --no-warnings" };
const runners = (out: string) => [
  run("vitest", `${B}/vitest`, ["run", "suite", "fail"], out, nodeWs),
  run("vitest-readme", `${B}/vitest`, ["run", "readme"], out, nodeWs),
  // bun test's default timeout is 5 s a test: with every runner at once on 2 cores (and the timed
  // faults of suite-b, ~3 s alone) that is not enough; vitest's config and the others give 60 s.
  run("bun", BUN, ["test", "--timeout", "60000", "tests/bun/suite-a.test.ts", "tests/bun/suite-b.test.ts", "tests/bun/fail.test.ts"], out),
  run("bun-readme", BUN, ["test", "tests/bun/readme.test.ts"], out),
  run("node", "node", ["--experimental-websocket", "--no-warnings", "--import", "tsx", "--test", "tests/node/suite-a.test.ts", "tests/node/suite-b.test.ts", "tests/node/fail.test.ts"], out),
  run("node-readme", "node", ["--import", "tsx", "--test", "tests/node/readme.test.ts"], out),
  run("deno", DENO, ["test", "--parallel", ...denoPerms(out), "tests/deno/suite-a.test.ts", "tests/deno/suite-b.test.ts", "tests/deno/suite-c.test.ts", "tests/deno/fail.test.ts"], out),
  run("deno-readme", DENO, ["test", "--allow-net=127.0.0.1", "--allow-env=CROSSIPC_HUB_PORT", "tests/deno/readme.test.ts"], out),
  run("playwright", `${B}/playwright`, ["test", "suite", "fail"], out, nodeWs),
  run("playwright-readme", `${B}/playwright`, ["test", "readme"], out, nodeWs),
];

const KILLERS: Array<[string, (out: string) => ReturnType<typeof run>]> = [
  ["bun", (out) => run("kill-bun", BUN, ["test", "tests/kill/bun.test.ts"], out)],
  ["node", (out) => run("kill-node", "node", ["--import", "tsx", "--test", "tests/kill/node.test.ts"], out)],
  ["deno", (out) => run("kill-deno", DENO, ["test", ...denoPerms(out), "tests/kill/deno.test.ts"], out)],
  ["vitest", (out) => run("kill-vitest", `${B}/vitest`, ["run", "--config", "vitest.kill.config.ts"], out, nodeWs)],
];

const EXPECTED = [
  ...["a", "b", "c"].flatMap((f) => ["iso1", "iso2", "faults", "replay", "ws", "fixture"].map((t) => `vitest-${f}-${t}`)),
  "vitest-fail-timeout-clean", "vitest-fail-skip-clean",
  ...["a", "b"].flatMap((f) => ["iso1", "iso2", "faults", "replay", "ws"].map((t) => `bun-${f}-${t}`)),
  "bun-fail-throws-clean", "bun-fail-after-timeout",
  ...["a", "b"].flatMap((f) => ["iso1", "iso2", "faults", "replay", "ws"].map((t) => `node-${f}-${t}`)),
  "node-fail-throws-clean", "node-fail-timeout-clean", "node-fail-skip-clean",
  ...["a", "b", "c"].flatMap((f) => ["isolation", "faults", "replay", "websocket"].map((t) => `deno-${f}-${t}`)),
  // suite-b of each runner also waits for requests and faults with timing and on WebSockets.
  ...["vitest-b", "bun-b", "node-b"].flatMap((f) => ["waits", "timing", "wsfaults"].map((t) => `${f}-${t}`)), "deno-b-waits", "deno-b-timing", "deno-b-wsFaults", "pw-b-waits",
  "deno-fail-throws-clean",
  ...["a", "b"].flatMap((f) => ["iso", "faults", "replay", "ws", "page1", "page2", "page3"].map((t) => `pw-${f}-${t}`)),

];
// Runners whose run has deliberate failures exit non-zero; the README examples must exit 0.
const MUST_PASS = new Set(["vitest-readme", "bun-readme", "node-readme", "deno-readme", "playwright-readme"]);


async function killMidRun(out: string, which: string, start: (out: string) => ReturnType<typeof run>) {
  const { child, done } = start(out);
  const file = `${out}/kill-ready`;
  for (let i = 0; !existsSync(file) || !readFileSync(file, "utf8"); i++) {
    if (i > 600) throw new Error(`kill-${which}: never ready`);
    await sleep(100);
  }
  const { scope, pid } = JSON.parse(readFileSync(file, "utf8"));
  const headers = { "x-crossipc-scope": scope };
  const pending = fetch(`${hub}/shop/price/held`, { headers }).then(async (r) => [r.status, await r.text()] as const);
  const ws = new WebSocket(`${hub.replace("http", "ws")}/echo/ws`, { headers } as any);
  const greeting = new Promise((r) => (ws.onmessage = (e) => r(e.data)));
  const wsClosed = new Promise<number>((r) => (ws.onclose = (e) => r(e.code)));
  const got = await greeting;
  await sleep(300); // the request is waiting on the handler in the doomed process
  process.kill(pid, "SIGKILL");
  const [status, body] = await pending;
  const closeCode = await wsClosed;
  const result = await done;
  return { which, got, status, body: body.slice(0, 120), closeCode, exit: result.code };
}

async function afterRun(): Promise<string[]> {
  const problems: string[] = [];
  let s: any;
  for (let i = 0; i < 50; i++) {
    s = await state();
    if (s.mocks.length === 0 && s.faults.length === 0) break;
    await sleep(200);
  }
  if (s.mocks.length) problems.push(`rules left: ${JSON.stringify(s.mocks)}`);
  if (s.faults.length) problems.push(`faults left: ${JSON.stringify(s.faults)}`);
  if (s.services.length !== 3) problems.push(`services: ${JSON.stringify(s.services)}`);
  const clients = s.clients.map((c: any) => c.runtimeId ?? c.clientId);
  if (s.clients.length !== 3) problems.push(`clients left: ${JSON.stringify(clients)}`);
  const expect = async (what: string, p: Promise<unknown>, want: unknown) => {
    const got = await p.catch((e) => `threw ${e}`);
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${what}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  };
  await expect("unscoped price", fetch(`${hub}/shop/price/z`).then((r) => r.json()), { item: "z", price: 0, source: "service" });
  await expect("unscoped quote", fetch(`${hub}/shop/quote/z`).then((r) => r.json()), { item: "z", status: 200, price: { item: "z", price: 0, source: "service" } });
  for (const who of ["vitest-throws", "vitest-timeout", "vitest-skip", "bun-throws", "bun-timeout", "node-throws", "node-timeout", "node-skip", "deno-throws", "pw-throws", "pw-timeout", "killed-bun", "killed-node", "killed-deno", "killed-vitest", "1"]) {
    await expect(`unscoped /users/${who}`, fetch(`${hub}/users/${who}`).then((r) => r.json()), { id: who, name: "real", url: `/users/${who}` });
  }
  await expect("unscoped echo", fetch(`${hub}/echo`, { method: "POST", body: "plain" }).then((r) => r.text()), "plain");
  const ws = new WebSocket(`${hub.replace("http", "ws")}/echo/ws`);
  await expect("unscoped ws", new Promise((r, j) => { ws.onmessage = (e) => { r(e.data); ws.close(); }; ws.onerror = () => j(new Error("ws failed")); }), "real echo");
  const live = new WebSocket(`${hub.replace("http", "ws")}/shop/live`);
  await expect("unscoped live", new Promise((r, j) => { live.onmessage = (e) => { r(e.data); live.close(); }; live.onerror = () => j(new Error("ws failed")); }), "real live");
  // A stale scope's header must not find any rule.
  const stale = (await (await fetch(`${hub}/__crossipc/api/journal?kind=http&limit=1000`)).json()).entries.filter((e: any) => e.scope).map((e: any) => e.scope);
  for (const scope of new Set(stale.slice(-5))) {
    await expect(`old scope ${scope}`, fetch(`${hub}/shop/price/z`, { headers: { baggage: `crossipc-scope=${scope}` } }).then((r) => r.json()), { item: "z", price: 0, source: "service" });
  }
  return problems;
}

let failed = false;
for (let i = 1; i <= RUNS; i++) {
  const out = `${OUT}/run-${i}`;
  mkdirSync(out, { recursive: true });
  // Rotating, and shifted per hub, so that one run per hub kills a different runner each time.
  const [which, start] = KILLERS[(i - 1 + Object.keys(HUBS).indexOf(HUB_RUNTIME)) % KILLERS.length]!;
  const started = Date.now();
  const all = runners(out);
  const kill = killMidRun(out, which, start).catch((e) => ({ which, error: String(e) }));
  const results = await Promise.all(all.map((r) => r.done));
  const killed = await kill;
  const marks = new Set(readdirSync(out).filter((f) => f.endsWith(".ok")).map((f) => f.slice(0, -3)));
  const missing = EXPECTED.filter((m) => !marks.has(m));
  const problems: string[] = [];
  for (const r of results) {
    if (MUST_PASS.has(r.name) && r.code !== 0) problems.push(`${r.name} exited ${r.code}:\n${r.log.slice(-3000)}`);
    if (!MUST_PASS.has(r.name) && r.code === 0) problems.push(`${r.name} exited 0 despite deliberate failures`);
  }
  if (missing.length) {
    problems.push(`missing: ${missing.join(", ")}`);
    for (const r of results) if (missing.some((m) => m.startsWith(r.name.split("-")[0]!.replace("playwright", "pw")))) problems.push(`--- ${r.name} log tail:\n${r.log.slice(-4000)}`);
  }
  const k = killed as any;
  if (k.error || k.status !== 502 || k.closeCode !== 1011 || k.got !== "held") problems.push(`kill-${which}: ${JSON.stringify(killed)}`);
  problems.push(...(await afterRun()));
  console.log(`${HUB_RUNTIME} hub, run ${i}: ${((Date.now() - started) / 1000).toFixed(1)}s, ${marks.size}/${EXPECTED.length} marks, killed ${which}: ${JSON.stringify(killed)}; runners: ${results.map((r) => `${r.name}=${r.code} ${(r.ms / 1000).toFixed(0)}s`).join(" ")}`);
  if (problems.length) {
    failed = true;
    console.log(problems.join("\n"));
  } else console.log(`${HUB_RUNTIME} hub, run ${i}: hub holds nothing, unscoped requests reach the services`);
}
process.exit(failed ? 1 : 0);
