#!/usr/bin/env node
/** The `crossipc` command: a thin citty entry; each subcommand lives in its own file. */
import { CROSSIPC_VERSION } from "../src/_version.ts";
import { importWithoutEnv } from "./_runtime.ts";

const { defineCommand, runMain } = await importWithoutEnv(() => import("citty"));

const main = defineCommand({
  meta: { name: "crossipc", version: CROSSIPC_VERSION, description: "Local IPC hub for Node.js, Bun and Deno" },
  subCommands: {
    hub: () => import("./hub.ts").then((m) => m.default),
    status: () => import("./status.ts").then((m) => m.default),
    journal: () => import("./journal.ts").then((m) => m.default),
    fault: () => import("./fault.ts").then((m) => m.default),
  },
});

await runMain(main);
