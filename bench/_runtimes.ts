/**
 * The runtimes the bench measures (the Node that runs the orchestrator, the other Node major,
 * Bun, Deno), how their host and driver processes are started, and `bufferutil`.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ROOT, WANTED } from "./_config.ts";
import { Proc, type RuntimeSpec } from "./_proc.ts";

const require = createRequire(import.meta.url);

/**
 * Node runs the bench compiled to JS (bench/run.sh compiles it): under tsx's require hook the
 * very same `ws` echo measured 25–35% slower, which would skew every Node number.
 */
const COMPILED = path.join(ROOT, "bench", ".build");
const nodeScript = (name: string) => (existsSync(path.join(COMPILED, "bench", `${name}.js`)) ? path.join(COMPILED, "bench", `${name}.js`) : path.join(ROOT, "bench", `${name}.ts`));
const nodeArgs = () => (existsSync(path.join(COMPILED, "bench", "host.js")) ? [] : ["--import", "tsx"]);

const nodeMajor = Number(process.versions.node.split(".")[0]);
const nodeSpec = (name: string, command: string, extraEnv: Record<string, string> = {}): RuntimeSpec => ({
  name,
  command,
  args: nodeArgs(),
  gcArgs: ["--expose-gc"],
  script: nodeScript,
  // Without bufferutil unless a variant asks for it (ws loads it by itself when it is installed).
  env: { WS_NO_BUFFER_UTIL: "1", ...extraEnv },
});

function findOtherNode(): { name: string; command: string } | undefined {
  const otherMajor = nodeMajor === 24 ? 20 : 24;
  const name = `node${otherMajor}`;
  if (process.env["BENCH_NODE_OTHER"]) return { name, command: process.env["BENCH_NODE_OTHER"] };
  try {
    const out = execFileSync("npx", ["-y", `node@${otherMajor}`, "-p", "process.execPath"], { encoding: "utf8", timeout: 180_000, stdio: ["ignore", "pipe", "ignore"] });
    const command = out.trim().split("\n").pop()!;
    return existsSync(command) ? { name, command } : undefined;
  } catch {
    return undefined;
  }
}

export const specs: RuntimeSpec[] = [];
/** Runtimes that could not be measured, and why. */
export const skipped: string[] = [];
/** The Node that runs the orchestrator: it also runs the reference client and server and the backend. */
export const primary = nodeSpec(`node${nodeMajor}`, process.execPath);
specs.push(primary);
if (WANTED.has(nodeMajor === 24 ? "node20" : "node24")) {
  const other = findOtherNode();
  if (other) specs.push(nodeSpec(other.name, other.command));
  else skipped.push(`${nodeMajor === 24 ? "node20" : "node24"}: no binary (npx node@… failed and BENCH_NODE_OTHER unset)`);
}
for (const [name, bin, args, gcArgs] of [
  ["bun", "node_modules/.bin/bun", [], []],
  ["deno", "node_modules/.bin/deno", ["run", "-A"], ["--v8-flags=--expose-gc"]],
] as const) {
  if (!WANTED.has(name)) continue;
  const command = path.join(ROOT, bin);
  if (existsSync(command)) specs.push({ name, command, args: [...args], gcArgs: [...gcArgs], script: (n) => path.join(ROOT, "bench", `${n}.ts`) });
  else skipped.push(`${name}: ${bin} not found`);
}
const ORDER = ["node20", "node24", "bun", "deno"];
specs.sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));

export const isNode = (spec: RuntimeSpec) => spec.name.startsWith("node");

/**
 * `bufferutil`, when it can be found: the optional native addon that `ws` (and the copy of `ws`
 * inside crossws) loads by itself for masking. BENCH_BUFFERUTIL names a folder whose
 * node_modules has it; otherwise the repository's own install (a dev dependency: a user adds it
 * to their own project, see the README).
 */
function findBufferutil(): Record<string, string> | undefined {
  const dir = process.env["BENCH_BUFFERUTIL"];
  if (dir) {
    const modules = path.join(dir, "node_modules");
    return existsSync(path.join(modules, "bufferutil")) ? { NODE_PATH: modules } : undefined;
  }
  try {
    require.resolve("bufferutil");
    return {};
  } catch {
    return undefined;
  }
}
const bufferutilEnv = findBufferutil();
/** The primary Node with bufferutil loaded (every other Node process runs without it). */
export const bufferutilSpec: RuntimeSpec | undefined = bufferutilEnv && { ...primary, name: `${primary.name}+bufferutil`, env: bufferutilEnv };
export const bufferutilNote = bufferutilSpec
  ? `measured with and without on ${primary.name} (rows marked +bufferutil; ${process.env["BENCH_BUFFERUTIL"] ? "from BENCH_BUFFERUTIL" : "the repository's dev dependency"}); every other row runs with WS_NO_BUFFER_UTIL=1`
  : "not installed: only measured without";

function scriptArgs(spec: RuntimeSpec, script: string, extra: string[], flags: string[] = []): string[] {
  return [...spec.args, ...flags, spec.script(script), ...extra];
}

/** A host process: the servers of `roles` (see host.ts) on one runtime. */
export function spawnHost(spec: RuntimeSpec, roles: string, backendUrl: string, flags: string[] = []): Proc {
  return new Proc(`host ${spec.name} (${roles})`, spec.command, scriptArgs(spec, "host", ["--roles", roles, "--backend", backendUrl], flags), { cwd: ROOT, env: spec.env });
}

/** A driver process: load loops and clients (see driver.ts) on one runtime. */
export function spawnDriver(spec: RuntimeSpec, flags: string[] = []): Proc {
  return new Proc(`driver ${spec.name}`, spec.command, scriptArgs(spec, "driver", [], flags), { cwd: ROOT, env: spec.env });
}

/** The backend for the proxy cases: plain node:http + ws on the primary Node. */
export function spawnBackend(): Proc {
  return new Proc("backend", primary.command, [...primary.args, primary.script("backend")], { cwd: ROOT, env: primary.env });
}
