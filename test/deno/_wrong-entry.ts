/**
 * Loads another runtime's entry (`crossipc/node` or `crossipc/bun`, named by the first argument)
 * and prints what the import rejected with. Run by test/deno/server.test.ts under the least
 * a Deno user grants (`--allow-net=127.0.0.1`): the refusal must come before anything the entry's
 * dependencies do at import asks Deno for a permission (an env read would prompt in a terminal).
 */
const entry = (globalThis as unknown as { Deno: { args: string[] } }).Deno.args[0];
try {
  if (entry === "node") await import("../../adapters/node.ts");
  else await import("../../adapters/bun.ts");
  console.log("loaded");
} catch (error) {
  console.log((error as Error).message);
}
