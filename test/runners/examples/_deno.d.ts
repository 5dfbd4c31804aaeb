/** The part of the `Deno` namespace deno.test.ts uses, for tsc (Deno checks it with its own types). */
declare namespace Deno {
  function test(name: string, fn: () => Promise<void>): void;
  const env: { get(name: string): string | undefined };
}
