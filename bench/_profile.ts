/** Summarises a V8 `.cpuprofile` (node --cpu-prof): self time by function and by component. */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of samples that were not idle. */
  busyShare: number;
  top: Array<{ name: string; where: string; ms: number; share: number }>;
  components: Array<{ component: string; ms: number; share: number }>;
}

export function summariseProfile(file: string, topN = 14): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const self = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const functions = new Map<string, { name: string; where: string; ms: number }>();
  const components = new Map<string, number>();
  let idle = 0;
  for (const [id, ms] of self) {
    const frame = byId.get(id)!.callFrame;
    const name = frame.functionName || "(anonymous)";
    if (name === "(idle)") idle += ms;
    const where = shortUrl(frame.url, frame.lineNumber);
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, ms: 0 };
    entry.ms += ms;
    functions.set(key, entry);
    const component = componentOf(name, frame.url);
    components.set(component, (components.get(component) ?? 0) + ms);
  }
  const busy = total - idle;
  const share = (ms: number) => (busy > 0 ? ms / busy : 0);
  return {
    totalMs: total,
    busyShare: total > 0 ? busy / total : 0,
    top: [...functions.values()]
      .filter((f) => f.name !== "(idle)")
      .sort((a, b) => b.ms - a.ms)
      .slice(0, topN)
      .map((f) => ({ ...f, share: share(f.ms) })),
    components: [...components.entries()]
      .filter(([c]) => c !== "idle")
      .map(([component, ms]) => ({ component, ms, share: share(ms) }))
      .sort((a, b) => b.ms - a.ms),
  };
}

function shortUrl(url: string, line: number): string {
  if (!url) return "native";
  const nm = url.lastIndexOf("node_modules/");
  let short = nm !== -1 ? url.slice(nm + "node_modules/".length) : url.replace(/^file:\/\/.*?\/(bench\/\.build\/)?(src|adapters|bench)\//, "$2/");
  short = short.replace(/^file:\/\//, "");
  return `${short}:${line + 1}`;
}

/** Where a function lives: a package, crossipc's own src, the bench, Node internals, or V8/native. */
function componentOf(name: string, url: string): string {
  if (name === "(idle)") return "idle";
  if (name === "(garbage collector)") return "GC";
  if (name === "(program)") return "V8/native (program)";
  if (!url) return "V8/native builtins";
  // crossipc's sources compiled by bench/run.sh live under bench/.build/.
  const built = /\/bench\/\.build\/(src|adapters|bench)\//.exec(url);
  if (built) return built[1] === "bench" ? "bench harness" : `crossipc ${built[1]}/`;
  const nm = url.lastIndexOf("node_modules/");
  if (nm !== -1) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (pkg === "crossws" && url.includes("libs/ws")) return "ws (bundled in crossws)";
    return pkg;
  }
  if (url.startsWith("node:")) {
    if (/node:internal\/(http|_http)|node:_http/.test(url)) return "node:http";
    if (/net|stream|tls/.test(url)) return "node:net/streams";
    if (/deps\/undici|fetch/.test(url)) return "undici (fetch/WebSocket)";
    return "node internals";
  }
  const m = /\/(src|adapters|bench)\//.exec(url);
  if (m) return m[1] === "bench" ? "bench harness" : `crossipc ${m[1]}/`;
  return url;
}
