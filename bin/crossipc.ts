#!/usr/bin/env node
/** The `crossipc` command: a thin citty entry; each subcommand lives in its own file. */
import { CROSSIPC_VERSION } from "../src/_version.ts";
import process from "node:process";
import { printable } from "./_printable.ts";
import { endQuietlyWhenStdoutCloses, importWithoutEnv } from "./_runtime.ts";

const { defineCommand, runMain, showUsage } = await importWithoutEnv(() => import("citty"));

const subCommands = {
  hub: () => import("./hub.ts").then((m) => m.default),
  status: () => import("./status.ts").then((m) => m.default),
  journal: () => import("./journal.ts").then((m) => m.default),
  fault: () => import("./fault.ts").then((m) => m.default),
};
const main = defineCommand({
  meta: { name: "crossipc", version: CROSSIPC_VERSION, description: "Local IPC hub for Node.js, Bun and Deno" },
  subCommands,
});

// No command: the usage, for the person who typed the bare name to see what there is, and a usage
// exit code (citty's is 1, "No command specified."), as an unknown command or a flag before the
// command gets: a script whose command word went missing fails as a usage error, not as a hub that
// could not start. (git and npm exit 1 here, tar and curl 2; kubectl, cargo and bun 0.)
const command = process.argv[2];
if (command === undefined) {
  await showUsage(main);
  process.stderr.write("crossipc: no command given (hub, status, journal or fault; crossipc --help)\n");
  process.exit(2);
}
// citty answers an unknown command with its whole usage and exit 1: one line and a usage exit
// code, as every command's bad flag gets.
if (command !== undefined && !command.startsWith("-") && !Object.hasOwn(subCommands, command)) {
  process.stderr.write(`crossipc: unknown command '${printable(command)}' (hub, status, journal or fault; crossipc --help)\n`);
  process.exit(2);
}
// Before a command only --help/-h (anywhere, as citty reads them) and a lone --version/-v mean
// something; citty answered any other flag (`crossipc --port 9000 hub`, `crossipc --bogus`) with
// its usage, "No command specified." and exit 1.
const rest = process.argv.slice(2);
const asksHelp = rest.some((arg) => arg === "--help" || arg === "-h");
const asksVersion = rest.length === 1 && (command === "--version" || command === "-v");
if (command !== undefined && command.startsWith("-") && !asksHelp && !asksVersion) {
  const version = command === "--version" || command === "-v";
  // `crossipc --version hub`: what follows the version flag is not a flag, so it is not named as one.
  if (version && !rest[1]!.startsWith("-")) {
    process.stderr.write(`crossipc: ${command} takes nothing after it, got '${printable(rest[1]!)}' (crossipc ${command}; crossipc --help)\n`);
    process.exit(2);
  }
  const flag = version ? rest[1]! : command;
  process.stderr.write(`crossipc: unknown flag '${printable(flag)}' before a command (crossipc hub|status|journal|fault [flags]; crossipc --help)\n`);
  process.exit(2);
}
// Not the hub: it prints its events with console.log, which ignores a closed stdout, and keeps
// serving when whatever read its log has gone.
if (command !== "hub") endQuietlyWhenStdoutCloses();
await runMain(main);
