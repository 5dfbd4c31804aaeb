/**
 * The `crossipc` command itself: an unknown command is one line and a usage exit code (as a bad
 * flag of any command), no command is the usage and that exit code, and usage read through a
 * pipe holds no colour escape codes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { crossipc } from "./_cli.ts";

test("an unknown command: one line on stderr naming it, exit 2, nothing on stdout", async () => {
  const run = await crossipc(["hubb", "--port", "9000"]);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr, "crossipc: unknown command 'hubb' (hub, status, journal or fault; crossipc --help)\n");
});

test("no command: the usage on stdout, one line on stderr, exit 2 as other usage errors (citty exited 1 with 'No command specified.')", async () => {
  const run = await crossipc([], { CI: "", NO_COLOR: "", FORCE_COLOR: "" });
  assert.equal(run.code, 2);
  assert.match(run.stdout, /USAGE crossipc hub\|status\|journal\|fault/);
  assert.match(run.stdout, /hub +Run the local service hub/);
  assert.equal(run.stderr, "crossipc: no command given (hub, status, journal or fault; crossipc --help)\n");
});

test("a flag before any command: one line naming it, exit 2 (citty printed its usage and 'No command specified.', exit 1)", async () => {
  for (const [args, flag] of [[["--port", "9000", "hub"], "--port"], [["--bogus"], "--bogus"], [["--version", "--json"], "--json"]] as const) {
    const run = await crossipc([...args]);
    assert.equal(run.code, 2, args.join(" "));
    assert.equal(run.stdout, "", args.join(" "));
    assert.equal(run.stderr, `crossipc: unknown flag '${flag}' before a command (crossipc hub|status|journal|fault [flags]; crossipc --help)\n`);
  }
  // A word after --version is not a flag: it is not named as one.
  const versionThen = await crossipc(["--version", "hub"]);
  assert.equal(versionThen.code, 2);
  assert.equal(versionThen.stdout, "");
  assert.equal(versionThen.stderr, "crossipc: --version takes nothing after it, got 'hub' (crossipc --version; crossipc --help)\n");
  // What a flag before the command may be still works.
  for (const version of ["--version", "-v"]) assert.match((await crossipc([version])).stdout, /^\d+\.\d+\.\d+\n$/);
  for (const help of ["--help", "-h"]) assert.match((await crossipc([help])).stdout, /USAGE crossipc hub\|status\|journal\|fault/);
});

test("--help through a pipe has no escape codes, for the command and each subcommand", async () => {
  for (const args of [["--help"], ["hub", "--help"], ["fault", "--help"]]) {
    const run = await crossipc(args, { CI: "", NO_COLOR: "", FORCE_COLOR: "" });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /USAGE/);
    assert.doesNotMatch(run.stdout, /\u001b\[/, `crossipc ${args.join(" ")}`);
  }
});

test("hub --help names the environment variable each default comes from, as the hub reads them", async () => {
  // The hub binds $CROSSIPC_HOSTNAME and requires $CROSSIPC_ACCESS_TOKEN when the flags are not
  // given; its help said "default 127.0.0.1" and named no variable for the token.
  const run = await crossipc(["hub", "--help"], { CI: "", NO_COLOR: "", FORCE_COLOR: "" });
  assert.equal(run.code, 0, run.stderr);
  const line = (flag: string) => run.stdout.split("\n").find((text) => text.trimStart().startsWith(`${flag}=`)) ?? "";
  assert.match(line("--port"), /\$CROSSIPC_HUB_PORT, then \$GG_LOCAL_ROUTER_PORT, then 9000/);
  assert.match(line("--hostname"), /\$CROSSIPC_HOSTNAME, then 127\.0\.0\.1/);
  assert.match(line("--token"), /\$CROSSIPC_ACCESS_TOKEN/);
});
