/**
 * `--hostname` (and `CROSSIPC_HOSTNAME`) is a host name or an IP address. A URL given there
 * (`http://alice:secret@127.0.0.1`, as one would give a client) was echoed whole in the error
 * that followed ("no hub answers at http://[alice:secret@127.0.0.1]:9000", "--hostname
 * alice:secret@127.0.0.1 opens the hub beyond this machine"), password and all: it is refused
 * by what it holds, without repeating it.
 */
const NOT_IN_A_HOST = /[@/?#\s]/;

/** Throws `make(message)` when `hostname`, read from `source`, is not a host. */
export function checkHostname(hostname: string | undefined, source: string, make: (message: string) => Error): void {
  const found = hostname === undefined ? null : NOT_IN_A_HOST.exec(hostname);
  if (!found) return;
  const what = found[0] === "@" ? "a user:password@" : /\s/.test(found[0]) ? "a space" : `'${found[0]}'`;
  throw make(`${source} takes a host name or IP address (127.0.0.1, ::1, my-box.local), not a URL: the value given holds ${what} (not shown)`);
}
