// The driver of test/run-audit-runners.sh, run inside the temp project the packed tarball was
// installed into: one `crossipc hub --record` (bodies on) in the runtime HUB_RUNTIME names, the
// services (services.mjs), then every runner at once — vitest, `bun test`, `node --test`, `deno test
// --parallel` (--allow-net=127.0.0.1 and the env and write its marks need) and Playwright Test —
// each running every scenario of scenarios.ts in two files. Every test leaves a mark; afterwards
// the hub must hold no rule and no fault.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { createServer } from "node:net";

const B = process.env.CROSSIPC_BIN;
const OUT = process.env.AUDIT_OUT;
const HUB_RUNTIME = process.env.HUB_RUNTIME ?? "node";
mkdirSync(OUT, { recursive: true });
const port = await new Promise((r) => { const s = createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
const hub = `http://127.0.0.1:${port}`;
const kids = [];
process.on("exit", () => { for (const k of kids) k.kill("SIGTERM"); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const state = async () => (await fetch(`${hub}/__crossipc/api/state`)).json();

function start(name, cmd, args, env = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, CROSSIPC_HUB_PORT: String(port), R5_OUT: OUT, FORCE_COLOR: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  kids.push(child);
  const t0 = Date.now();
  return { log: () => log, done: new Promise((r) => child.on("exit", (code, signal) => r({ name, code: code ?? signal, log, s: ((Date.now() - t0) / 1000).toFixed(0) }))) };
}
async function until(what, check, log) {
  for (let i = 0; !(await check().catch(() => false)); i++) {
    if (i > 300) { console.log(`no ${what} after 30 s\n${log?.() ?? ""}`); process.exit(1); }
    await sleep(100);
  }
}

const cli = "node_modules/crossipc/dist/bin/crossipc.js";
const hubArgs = [cli, "hub", "--no-takeover", "--record", `${OUT}/recorded.har`, "--journal-size", "5000"];
const HUBS = {
  node: ["node", hubArgs],
  bun: [`${B}/bun`, hubArgs],
  deno: [`${B}/deno`, ["run", "--allow-net", "--allow-env", "--allow-read=.", `--allow-write=${OUT}`, ...hubArgs]],
};
const h = start("hub", ...HUBS[HUB_RUNTIME]);
await until("hub", async () => (await fetch(`${hub}/__crossipc/api/state`)).ok, h.log);
const services = start("services", "node", ["services.mjs"]);
await until("services", async () => (await state()).services.length === 2, services.log);

const nodeWs = { NODE_OPTIONS: "--experimental-websocket --no-warnings" };
const results = await Promise.all([
  start("vitest", `${B}/vitest`, ["run"], nodeWs),
  start("bun", `${B}/bun`, ["test", "tests/bun/"]),
  start("node", "node", ["--experimental-websocket", "--no-warnings", "--import", "tsx", "--test", "tests/node/a.test.ts", "tests/node/b.test.ts"]),
  start("deno", `${B}/deno`, ["test", "--parallel", "--no-check", "--allow-net=127.0.0.1", "--allow-env=CROSSIPC_HUB_PORT,R5_OUT", `--allow-write=${OUT}`, "tests/deno/"]),
  start("playwright", `${B}/playwright`, ["test"], nodeWs),
].map((r) => r.done));

const SCENARIOS = ["precedence", "shadowing", "passthroughs", "errors", "journal", "replay", "faults", "websocket"];
const expected = ["vitest", "bun", "node", "deno", "pw"].flatMap((runner) => ["a", "b"].flatMap((file) => [...SCENARIOS, ...(runner === "pw" ? ["page"] : [])].map((s) => `${runner}-${file}-${s}`)));
const marks = new Set(readdirSync(OUT).filter((f) => f.endsWith(".ok")).map((f) => f.slice(0, -3)));
const problems = [];
for (const r of results) if (r.code !== 0) problems.push(`--- ${r.name} exited ${r.code}:\n${r.log.slice(-6000)}`);
const missing = expected.filter((m) => !marks.has(m));
if (missing.length) problems.push(`missing: ${missing.join(", ")}`);
let left;
for (let i = 0; i < 50; i++) {
  left = await state();
  if (left.mocks.length === 0 && left.faults.length === 0) break;
  await sleep(100);
}
if (left.mocks.length || left.faults.length) problems.push(`left at the hub: ${JSON.stringify({ mocks: left.mocks, faults: left.faults })}`);
console.log(`${HUB_RUNTIME} hub: ${marks.size}/${expected.length} marks; ${results.map((r) => `${r.name}=${r.code} ${r.s}s`).join(" ")}`);
if (problems.length) console.log(problems.join("\n"));
// The hub writes its recording on SIGTERM: waited for, so the temp project is not removed under it.
await Promise.all(kids.map((k) => (k.exitCode !== null || k.signalCode !== null ? undefined : new Promise((r) => { k.once("exit", r); k.kill("SIGTERM"); }))));
process.exit(problems.length ? 1 : 0);
