/**
 * The cross-runtime matrix: the conformance hub (`test/fixtures/server.ts`) under Node, Bun and
 * Deno, and the conformance suite (`test/fixtures/client.ts`) from Node, Bun and Deno against
 * each: nine pairings. Per hub it also checks what only the hub's process shows: it prints
 * nothing (stderr stays empty), and after `teardown()` the process exits on its own (nothing
 * left open).
 *
 *   node --import tsx test/matrix/matrix.ts [--servers node,bun] [--clients deno] [--verbose]
 */
import { deadPort, startBackend } from "./_backend.ts";
import { RUNTIMES, start, waitExit, type Runtime } from "./_spawn.ts";
import type { CaseResult } from "../fixtures/conformance.ts";

const SERVER_SCRIPT = "test/fixtures/server.ts";
const CLIENT_SCRIPT = "test/fixtures/client.ts";

interface Pairing {
  server: Runtime;
  client: Runtime;
  results: CaseResult[];
  error?: string;
}

interface HubCheck {
  server: Runtime;
  name: string;
  ok: boolean;
  detail?: string;
}

const servers = pick("--servers");
const clients = pick("--clients");
const verbose = process.argv.includes("--verbose");
const backend = await startBackend();
const deadUrl = `http://127.0.0.1:${await deadPort()}`;
const pairings: Pairing[] = [];
const hubChecks: HubCheck[] = [];
const started = Date.now();

for (const server of servers) {
  const hub = start(server, SERVER_SCRIPT, ["--backend", backend.url, "--dead", deadUrl]);
  let port: number;
  try {
    ({ port } = await hub.nextJson<{ port: number }>(60_000, "listening port"));
  } catch (error) {
    hubChecks.push({ server, name: "starts", ok: false, detail: (error as Error).message });
    for (const client of clients) pairings.push({ server, client, results: [], error: "hub did not start" });
    hub.proc.kill("SIGKILL");
    continue;
  }
  log(`hub on ${server} listening on ${port}`);

  pairings.push(...(await Promise.all(clients.map((client) => runClient(server, client, port)))));

  hub.proc.stdin.end();
  try {
    const stopped = await hub.nextJson<{ stopped?: boolean }>(10_000, "teardown confirmation");
    const code = await waitExit(hub, 10_000, "exit after teardown");
    hubChecks.push({ server, name: "exits on its own after teardown()", ok: stopped.stopped === true && code === 0, detail: `exit ${code}` });
  } catch (error) {
    hubChecks.push({ server, name: "exits on its own after teardown()", ok: false, detail: (error as Error).message });
  }
  const stderr = hub.stderr().trim();
  hubChecks.push({ server, name: "prints nothing (library silent)", ok: stderr === "", detail: stderr.slice(0, 2000) });
}
await backend.close();

const failed = report();
process.exitCode = failed ? 1 : 0;

// --- steps --------------------------------------------------------------------------------

async function runClient(server: Runtime, client: Runtime, port: number): Promise<Pairing> {
  const child = start(client, CLIENT_SCRIPT, ["--port", String(port), "--server", server, "--dead", deadUrl]);
  const results: CaseResult[] = [];
  try {
    for (;;) {
      const line = await child.nextJson<CaseResult & { done?: boolean }>(60_000, "the next case result");
      if (line.done) break;
      results.push(line);
      if (verbose) log(`${server} ← ${client}: ${line.status} ${line.name} (${line.ms} ms)${line.error ? `: ${line.error}` : ""}`);
    }
    const code = await waitExit(child, 10_000, "exit after the suite");
    const stderr = child.stderr().trim();
    const error = stderr ? `client stderr: ${stderr.slice(0, 2000)}` : undefined;
    log(`${server} ← ${client}: ${results.filter((r) => r.status === "pass").length}/${results.length} passed (exit ${code})`);
    return { server, client, results, error };
  } catch (error) {
    child.proc.kill("SIGKILL");
    return { server, client, results, error: (error as Error).message };
  }
}

function report(): number {
  const names = [...new Set(pairings.flatMap((p) => p.results.map((r) => r.name)))];
  const cell = (p: Pairing | undefined) => {
    if (!p) return "-";
    const pass = p.results.filter((r) => r.status === "pass" || r.status === "known-gap").length;
    const bad = p.error || p.results.some((r) => r.status === "fail" || r.status === "gap-fixed") || p.results.length < names.length;
    const gaps = p.results.filter((r) => r.status === "known-gap").length;
    return `${bad ? "FAIL" : "ok"} ${pass}/${names.length}${gaps ? ` (${gaps} known gaps)` : ""}`;
  };
  const width = 26;
  console.log(`\nConformance matrix (${names.length} cases per pairing, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  console.log(["server \\ client".padEnd(16), ...clients.map((c) => c.padEnd(width))].join(""));
  for (const server of servers) {
    console.log([server.padEnd(16), ...clients.map((client) => cell(pairings.find((p) => p.server === server && p.client === client)).padEnd(width))].join(""));
  }
  console.log("\nHub checks\n");
  for (const check of hubChecks) console.log(`  ${check.ok ? "ok  " : "FAIL"} ${check.server.padEnd(5)} ${check.name}${check.detail ? `: ${check.detail}` : ""}`);

  let failures = hubChecks.filter((c) => !c.ok).length;
  const details: string[] = [];
  for (const p of pairings) {
    if (p.error) details.push(`  ${p.server} ← ${p.client}: ${p.error}`);
    for (const r of p.results) {
      if (r.status === "fail" || r.status === "gap-fixed") details.push(`  ${p.server} ← ${p.client}: ${r.status.toUpperCase()} ${r.name}\n      ${r.error ?? r.gap}`);
      else if (r.status === "known-gap") console.log(`  known gap ${p.server} ← ${p.client}: ${r.name}: ${r.gap}`);
    }
    for (const name of names) if (!p.results.some((r) => r.name === name)) details.push(`  ${p.server} ← ${p.client}: MISSING ${name}`);
  }
  failures += details.length;
  if (details.length) console.log(`\nFailures\n\n${details.join("\n")}`);
  console.log(failures ? `\nmatrix: ${failures} failure(s)` : "\nmatrix: all green");
  return failures;
}

function pick(flag: string): Runtime[] {
  const index = process.argv.indexOf(flag);
  if (index === -1) return RUNTIMES;
  return process.argv[index + 1]!.split(",") as Runtime[];
}

function log(message: string): void {
  console.log(`[matrix] ${message}`);
}
