/**
 * The frame stress (test/soak/README.md): a hub (`_frames-hub.ts` under FRAMES_HUB=node|bun|deno)
 * and, for FRAMES_SECONDS, FRAMES_CLIENTS echo clients (`_frames-client.ts`) under each of node,
 * bun and deno at once, checking every answer byte for byte, while victims (each runtime in turn)
 * write frames in pieces and are SIGKILLed part-way. Prints each client's line, the hub's memory
 * after GC before, every FRAMES_SAMPLE_S (20) and after, and whether it still answers. Not part of
 * the suite.
 *   PATH=$PWD/node_modules/.bin:$PATH FRAMES_HUB=deno node --import tsx test/soak/_frames-stress.ts
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import process from "node:process";
import { createInterface } from "node:readline";

const env = process.env;
const hubRuntime = env.FRAMES_HUB ?? "deno";
const seconds = Number(env.FRAMES_SECONDS ?? 90);
const perRuntime = Number(env.FRAMES_CLIENTS ?? 2);
const runtimes = (env.FRAMES_CLIENT_RUNTIMES ?? "node,bun,deno").split(",");

const command = (runtime: string, file: string, flags: string[] = []): string[] =>
  runtime === "node"
    ? [process.execPath, ...flags, "--import", "tsx", file]
    : runtime === "bun"
      ? ["node_modules/.bin/bun", file]
      : ["node_modules/.bin/deno", "run", "-A", ...(flags.length ? ["--v8-flags=--expose-gc"] : []), file];

const [hubCmd, ...hubArgs] = command(hubRuntime, "test/soak/_frames-hub.ts", ["--expose-gc"]);
const hub = spawn(hubCmd!, hubArgs, { stdio: ["pipe", "pipe", "inherit"] });
const hubLines = createInterface({ input: hub.stdout! });
const waiting: Array<(line: Record<string, unknown>) => void> = [];
hubLines.on("line", (line) => {
  try {
    waiting.shift()?.(JSON.parse(line));
  } catch {}
});
const nextLine = () => new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve));
const hello = await nextLine();
const port = hello.port as number;
const hubPid = hello.pid as number;
const fds = () => readdirSync(`/proc/${hubPid}/fd`).length;
const sample = async () => {
  hub.stdin!.write("sample\n");
  const m = await nextLine();
  return { rssMB: Math.round((m.rss as number) / 1e5) / 10, heapMB: Math.round((m.heap as number) / 1e5) / 10, externalMB: Math.round(((m.external as number) ?? 0) / 1e5) / 10, fds: fds(), dropped: m.dropped, warnings: m.warnings };
};
console.error(`# ${hubRuntime} hub pid ${hubPid} port ${port}; ${perRuntime} echo clients under each of ${runtimes.join(", ")} for ${seconds} s`);
console.log(JSON.stringify({ before: await sample() }));

function run(runtime: string, args: string[]): ChildProcess {
  const [cmd, ...rest] = command(runtime, "test/soak/_frames-client.ts");
  return spawn(cmd!, [...rest, String(port), ...args], { stdio: ["ignore", "pipe", "inherit"] });
}
function output(child: ChildProcess): Promise<string> {
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  return new Promise((resolve) => child.on("exit", () => resolve(out.trim())));
}

const echoes: Promise<string>[] = [];
for (const runtime of runtimes) for (let k = 0; k < perRuntime; k++) echoes.push(output(run(runtime, [`${runtime}-${k}`, "echo", String(seconds)])));

// Victims, one at a time, each runtime in turn, killed 50-800 ms after their upgrade.
let killed = 0;
const victimsEnd = Date.now() + seconds * 1000;
const victims = (async () => {
  while (Date.now() < victimsEnd) {
    const runtime = runtimes[killed % runtimes.length]!;
    const child = run(runtime, [`victim-${killed}`, "victim"]);
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000);
      child.stdout!.on("data", (d) => String(d).includes("ready") && (clearTimeout(timer), resolve(true)));
      child.on("exit", () => (clearTimeout(timer), resolve(false)));
    });
    if (ready) await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 750));
    child.kill("SIGKILL");
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(0) : child.on("exit", resolve)));
    if (ready) killed++;
  }
})();

// The hub's memory after GC as it goes (a pooled buffer kept by a dead connection would add up).
let sampling = true;
const samples = (async () => {
  const every = Number(env.FRAMES_SAMPLE_S ?? 20) * 1000;
  for (let t = every; sampling; t += every) {
    await new Promise((resolve) => setTimeout(resolve, every));
    if (sampling) console.log(JSON.stringify({ s: t / 1000, ...(await sample()), warnings: undefined }));
  }
})();

for (const line of await Promise.all(echoes)) console.log(line);
await victims;
sampling = false;
await samples;
console.error(`# ${killed} victims killed`);
await new Promise((resolve) => setTimeout(resolve, 2000));
console.log(JSON.stringify({ after: await sample() }));
// Still answering, every size, to a fresh client.
const [last] = await Promise.all([output(run("node", ["after", "echo", "5"]))]);
console.log(last);
console.log(JSON.stringify({ afterCheck: await sample() }));
hub.stdin!.end();
await nextLine();
