/**
 * Leader election across runtimes: two Node, two Bun and two Deno processes race
 * `new IPCServer(samePort).start()`. Exactly one gets `true`, the others follow it as clients.
 * The leader is then killed with SIGKILL; the followers see their connection die, bid again,
 * and again exactly one wins. Repeated until two processes are left (then the follower is
 * killed and the leader must report the disconnect); the bids go out in a
 * new random order each round, and the whole election runs `--elections N` times (default 3).
 *
 *   node --import tsx test/matrix/leader.ts [--elections N]
 */
import { deadPort } from "./_backend.ts";
import { start, waitExit, type Child, type Runtime } from "./_spawn.ts";

interface Bid {
  pid: number;
  runtime: Runtime;
  bid?: boolean;
  leader?: { pid: number; runtime: Runtime };
  error?: string;
}

const SCRIPT = "test/fixtures/leader.ts";
const flag = process.argv.indexOf("--elections");
const elections = flag === -1 ? 3 : Number(process.argv[flag + 1]);
const failures: string[] = [];
for (let election = 1; election <= elections && !failures.length; election++) await elect(election);

if (failures.length) {
  console.log(`\nleader election: FAILED\n  ${failures.join("\n  ")}`);
  process.exitCode = 1;
} else {
  console.log(`\nleader election: exactly one leader in every round of ${elections} elections (2 node, 2 bun, 2 deno)`);
}

async function elect(election: number): Promise<void> {
  const port = await deadPort();
  const contenders: Child[] = (["node", "node", "bun", "bun", "deno", "deno"] as Runtime[]).map((runtime) =>
    start(runtime, SCRIPT, ["--port", String(port)]),
  );
  try {
    await Promise.all(contenders.map((c) => c.nextJson(60_000, "ready")));
    console.log(`[leader] election ${election}: 6 contenders ready, port ${port}`);
    let alive = contenders;
    for (let round = 1; alive.length >= 2; round++) {
      // Everyone bids at once, in a random order.
      for (const c of shuffle(alive)) c.proc.stdin.write("bid\n");
      const bids = await Promise.all(alive.map((c) => c.nextJson<Bid>(20_000, `round ${round} bid`)));
      const winners = bids.filter((b) => b.bid === true);
      const line = bids.map((b) => `${b.runtime}:${b.pid}=${b.bid === true ? "LEADER" : b.bid === false ? "follower" : `error ${b.error}`}`).join("  ");
      console.log(`[leader] round ${round}: ${line}`);
      if (winners.length !== 1) {
        failures.push(`round ${round}: ${winners.length} processes got start() === true (expected exactly 1): ${line}`);
        break;
      }
      const winner = winners[0]!;
      for (const b of bids) {
        if (b.bid === false && b.leader?.pid !== winner.pid) failures.push(`round ${round}: ${b.runtime}:${b.pid} follows ${JSON.stringify(b.leader)}, not the winner ${winner.pid}`);
        if (b.bid === undefined) failures.push(`round ${round}: ${b.runtime}:${b.pid}: ${b.error}`);
      }
      if (alive.length === 2) {
        // Last round: kill the follower instead; the leader must see its connection die.
        const follower = alive.find((c) => c.proc.pid !== winner.pid)!;
        const leader = alive.find((c) => c.proc.pid === winner.pid)!;
        follower.proc.kill("SIGKILL");
        const gone = await leader.nextJson<{ clientGone?: string }>(20_000, "the follower's death");
        if (gone.clientGone !== `${follower.runtime}-${follower.proc.pid}`) failures.push(`round ${round}: leader said ${JSON.stringify(gone)} after its follower was killed`);
        else console.log(`[leader] round ${round}: killed follower ${follower.runtime}:${follower.proc.pid} (SIGKILL); the ${leader.runtime} leader saw it go`);
        break;
      }
      // Kill the leader without letting it close anything; its followers must notice.
      const leader = alive.find((c) => c.proc.pid === winner.pid)!;
      leader.proc.kill("SIGKILL");
      await leader.exited;
      alive = alive.filter((c) => c !== leader);
      await Promise.all(
        alive.map(async (c) => {
          const lost = await c.nextJson<{ leaderLost?: boolean }>(20_000, "the leader's death");
          if (!lost.leaderLost) failures.push(`round ${round}: ${c.runtime}:${c.proc.pid} said ${JSON.stringify(lost)} instead of leaderLost`);
        }),
      );
      console.log(`[leader] round ${round}: killed ${winner.runtime}:${winner.pid} (SIGKILL); ${alive.length} followers saw it die`);
    }
  } catch (error) {
    failures.push((error as Error).message);
  } finally {
    await Promise.all(
      contenders.map(async (c) => {
        if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
        c.proc.stdin.end();
        await waitExit(c, 10_000, "exit after stdin closed").catch((error: Error) => failures.push(error.message));
      }),
    );
  }

}

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
