// The README's vitest fixture: one connection per worker, a scope per test.
import { connectMocks } from "crossipc";
import { test as base, expect } from "vitest";

const port = Number(process.env.CROSSIPC_HUB_PORT ?? 9000);

export const test = base
  .extend("mocks", { scope: "worker" }, async ({}, { onCleanup }) => {
    const mocks = await connectMocks(port, { runtimeId: `vitest-${process.pid}` });
    onCleanup(() => mocks.close());
    return mocks;
  })
  .extend("scope", async ({ mocks }, { onCleanup }) => {
    const scope = mocks.scope();
    onCleanup(() => scope.close());
    return scope;
  });

export const eq = (actual: unknown, expected: unknown, what?: string) => expect(actual, what).toEqual(expected);
