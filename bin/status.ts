/** `crossipc status`: the clients, services, intercept routes and mocks of the hub on the known port. */
import type { CommandDef } from "citty";
import type { DashboardState } from "../src/dashboard/_state.ts";
import { printable } from "./_printable.ts";
import { terminalSafeJson } from "../src/server/_json.ts";
import { getJson, hubArgs, hubCommand, readAnswer, resolveHub } from "./_hub-api.ts";
import { withoutSecret } from "./_printable.ts";

const args = hubArgs;

const command: CommandDef<any> = hubCommand("status", "Show the clients, services and intercept routes of the running hub", args, async (given) => {
  const hub = resolveHub(given);
  const state = await getJson<DashboardState>(hub, "/__crossipc/api/state", {}, (s) => Array.isArray(s.clients) && Array.isArray(s.services) && Array.isArray(s.routes) && typeof s.journal === "object");
  process.stdout.write(given.json ? withoutSecret(`${terminalSafeJson(state)}\n`) : readAnswer(hub, () => describe(state)));
});

export default command;

/** Rules listed at most (a hub can hold thousands). */
const MAX_MOCK_LINES = 50;

/**
 * The state as lines a person reads in a terminal or a CI log. Never a secret: the dashboard's
 * URL is printed without its key, with where to find it; control characters printed escaped.
 */
export function describe(state: DashboardState): string {
  const lines: string[] = [];
  const runtime = `${state.runtime}${state.runtimeVersion ? ` ${state.runtimeVersion}` : ""}`;
  lines.push(`hub ${state.url} (${runtime}, ${state.leader ? "leader" : "follower"}, ${state.kind}, up ${duration(state.uptimeMs)})`);
  // With a token the key is that token; without one it is a secret of the hub's run, which only
  // its start line (or getDashboardUrl) shows.
  const where = state.tokenRequired ? "add #key=<your token>" : "open it with the #key=… that `crossipc hub` printed, or server.getDashboardUrl()";
  lines.push(`dashboard ${state.url}/__crossipc/ (${where})`);
  lines.push("", `clients (${state.clients.length})`);
  for (const c of state.clients) {
    lines.push(
      `  ${c.clientId}${c.runtimeId ? ` ${c.runtimeId}` : ""}  since ${clock(c.connectedAt)}  in ${c.requests.in}  out ${c.requests.out}  pending ${c.pending}`,
    );
  }
  lines.push("", `services (${state.services.length})`);
  for (const service of state.services) {
    lines.push(`  ${service.api} (${service.strategy})`);
    for (const i of service.instances) lines.push(`    ${i.pathPrefix} → ${i.baseUrl}  (${i.owner})`);
  }
  lines.push("", `routes (${state.routes.length})`);
  for (const route of state.routes) lines.push(`  ${route.method} ${route.path}  ${route.hits} ${route.hits === 1 ? "hit" : "hits"}`);
  const journal = state.journal;
  // Rules from connectMocks, by scope (only when there are any: most hubs have none).
  const mocks = state.mocks ?? [];
  if (mocks.length) {
    const scopes = new Map<string, typeof mocks>();
    for (const rule of mocks) {
      const key = rule.scope ?? "";
      const rules = scopes.get(key);
      if (rules) rules.push(rule);
      else scopes.set(key, [rule]);
    }
    // An owner reads as the dashboard shows it: its runtimeId, with the clientId the rule names.
    const runtimeIds = new Map(state.clients.map((c) => [c.clientId, c.runtimeId]));
    const owner = (clientId: string) => (runtimeIds.get(clientId) ? `${runtimeIds.get(clientId)} ${clientId}` : clientId);
    lines.push("", `mocks (${mocks.length} in ${scopes.size} ${scopes.size === 1 ? "scope" : "scopes"})`);
    let shown = 0;
    for (const [scope, rules] of [...scopes].sort(([a], [b]) => a.localeCompare(b))) {
      if (shown >= MAX_MOCK_LINES) break;
      lines.push(`  ${scope === "" ? "unscoped" : `scope ${scope}`}`);
      for (const rule of rules.slice(0, MAX_MOCK_LINES - shown)) {
        lines.push(`    ${rule.id} ${rule.kind} ${rule.method} ${rule.path}  (${owner(rule.owner)})  ${rule.calls} ${rule.calls === 1 ? "call" : "calls"}`);
      }
      shown += rules.length;
    }
    if (mocks.length > MAX_MOCK_LINES) lines.push(`  … ${mocks.length - MAX_MOCK_LINES} more (/__crossipc/api/state)`);
  }
  lines.push("", journal.enabled ? `journal: ${journal.count} of the last ${journal.size} entries (\`crossipc journal\`)` : "journal: off");
  return `${lines.map(printable).join("\n")}\n`;
}

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
