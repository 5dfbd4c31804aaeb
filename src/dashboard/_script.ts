import { MAX_GLOB_LENGTH, matchGlob } from "../_glob.ts";

/**
 * The dashboard's script, served as `/__crossipc/app.js`. Plain browser JavaScript in a string
 * (no build step, no template literals so it can live in one): it reads the JSON API once, then
 * follows the same-origin event stream. Every value from the server is written with
 * `textContent`, never as HTML: paths and headers come from whoever sent the request.
 * The path filter is the server's `matchGlob`, its source embedded, so the two cannot drift.
 *
 * Text is shown with its bidirectional-text and control characters as escapes (\u202E): a
 * runtimeId "worker-\u202Egnp.exe" would otherwise read "worker-exe.png". Each list shows its
 * first 500 rows (the JSON API has them all), so a hub holding thousands of faults or services
 * leaves the page responsive.
 *
 * The dashboard key comes from the URL's fragment (`#key=…`) and goes out only as the
 * `x-crossipc-key` header of this script's own requests: never into storage or a cookie, which
 * a page served through the hub (same origin) could read or the browser would send for it. The
 * live stream is read with `fetch` (EventSource cannot send a header).
 */
export const DASHBOARD_SCRIPT: string = String.raw`(function () {
  "use strict";
  var MAX = 1000;
  var SHOWN = 500;
  // The key is the rest of the fragment after "key=", percent-decoded: not URLSearchParams, which
  // reads "+" as a space, so a base64 token typed as it is ("#key=q+7Z/x=") would not match.
  function keyOfUrl() {
    var found = /[#&]key=(.*)$/.exec(location.hash);
    if (!found) return new URLSearchParams(location.search).get("token") || "";
    try { return decodeURIComponent(found[1]); } catch (_) { return found[1]; }
  }
  var key = keyOfUrl();
  // A key typed into the address of the open page (crossipc status says "add #key=…") changes
  // only the fragment, which reloads nothing: start again with it.
  window.addEventListener("hashchange", function () {
    if (keyOfUrl() !== key) location.reload();
  });
  var entries = new Map();
  var selected = null;
  var uptime = null;
  var lastId = 0;
  /** Set when a newer tab took this page's live stream (the hub's \`replaced\` event): why, as the page shows it. */
  var replaced = null;

  function call(path, init) {
    init = init || {};
    init.headers = { "x-crossipc-key": key };
    init.cache = "no-store";
    return fetch(path, init);
  }
  function $(id) { return document.getElementById(id); }
  // Characters that reorder or hide the text around them; tab and line breaks stay as they are.
  var INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
  function shown(text) {
    return String(text).replace(INVISIBLE, function (c) { return "\\u" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0"); });
  }
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = shown(text);
    if (className) node.className = className;
    return node;
  }
  function row(cells) {
    var tr = el("tr");
    cells.forEach(function (cell) { tr.appendChild(cell instanceof Node ? cell : el("td", cell)); });
    return tr;
  }
  function num(value) { return el("td", value, "num"); }
  function fill(tbody, rows, columns, emptyText) {
    tbody.replaceChildren();
    if (!rows.length) {
      var td = el("td", emptyText, "empty");
      td.colSpan = columns;
      tbody.appendChild(row([td]));
      return;
    }
    rows.forEach(function (r) { tbody.appendChild(r); });
  }
  // The row that says how many were left out, and where the whole list is.
  function moreRow(count, what, where, columns) {
    var td = el("td", "… " + count + " more " + what + " (see " + where + ")", "empty");
    td.colSpan = columns;
    return row([td]);
  }
  // The first SHOWN items as rows, then moreRow when there are more (total: the whole list's
  // length, when the hub sent it cut).
  function firstRows(list, toRow, columns, what, where, total) {
    var whole = total === undefined ? list.length : total;
    var rows = list.slice(0, SHOWN).map(toRow);
    if (whole > rows.length) rows.push(moreRow(whole - rows.length, what, where, columns));
    return rows;
  }
  // How long a list is whole: the hub cuts the page's lists at SHOWN and says their lengths in totals.
  function total(s, name) {
    return s.totals && typeof s.totals[name] === "number" ? s.totals[name] : (s[name] || []).length;
  }
  function clock(ms) {
    var d = new Date(ms);
    function pad(n, w) { return String(n).padStart(w || 2, "0"); }
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
  }
  function duration(ms) {
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
    return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
  }
  function bytes(n) {
    if (n === undefined || n === null) return "";
    if (n < 1024) return n + " B";
    if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
    return (n / 1048576).toFixed(1) + " MiB";
  }
  function takenBy(e) {
    if (e.fault) return "fault " + e.fault.kind + " " + e.fault.id + " · " + takenByLayer(e);
    return takenByLayer(e);
  }
  function takenByLayer(e) {
    if (e.takenBy === "intercept") return "intercept " + e.route;
    if (e.takenBy === "mock" || e.takenBy === "replay") return e.takenBy + " " + (e.rule || "") + " " + (e.route || "");
    if (e.takenBy === "proxy") return "proxy → " + (e.target || "");
    if (e.takenBy === "none") return e.kind === "framework" ? "no handler" : e.error ? "error" : "no route";
    return e.takenBy;
  }
  function statusCell(e) {
    if (e.status === undefined) return el("td", e.ok ? "ok" : "error", e.ok ? "s2" : "err");
    return el("td", e.status, "s" + String(e.status).charAt(0));
  }

  // --- state ---------------------------------------------------------------------------
  function renderState(s) {
    $("hub-url").textContent = s.url;
    $("leader").textContent = (s.leader ? "leader" : "follower") + " · " + s.kind;
    $("runtime").textContent = s.runtime + (s.runtimeVersion ? " " + s.runtimeVersion : "");
    // The state is sent only when it changes: the uptime counts on here.
    uptime = { ms: s.uptimeMs, at: Date.now() };
    $("uptime").textContent = duration(s.uptimeMs);
    $("clients-count").textContent = total(s, "clients");
    fill($("clients").tBodies[0], firstRows(s.clients, function (c) {
      return row([c.clientId, c.runtimeId || "", clock(c.connectedAt), num(c.requests.in), num(c.requests.out), num(c.pending)]);
    }, 6, "clients", "/__crossipc/api/state", total(s, "clients")), 6, "No client connected");
    $("services-count").textContent = total(s, "services");
    fill($("services").tBodies[0], firstRows(s.services, function (svc) {
      var cell = el("td", null, "wrap");
      svc.instances.slice(0, SHOWN).forEach(function (i) {
        // A line is cut at two lines (a URL may run to 2,048 characters); the whole of it is its title.
        var line = el("div", i.pathPrefix + " → " + i.baseUrl + " (" + i.owner + ")");
        line.title = line.textContent;
        cell.appendChild(line);
      });
      return row([svc.api, svc.strategy, cell]);
    }, 3, "services", "/__crossipc/api/state", total(s, "services")), 3, "No service registered");
    $("routes-count").textContent = total(s, "routes");
    fill($("routes").tBodies[0], firstRows(s.routes, function (r) {
      return row([r.method, r.path, num(r.hits)]);
    }, 3, "intercept routes", "/__crossipc/api/state", total(s, "routes")), 3, "No intercept route");
    renderMocks(s);
    renderFaults(s.faults || [], total(s, "faults"), ownerNames(s));
    if (!s.journal.enabled) $("journal-count").textContent = "(off: journal: false)";
  }

  // An owner (a clientId) as a person reads it: its runtimeId, with the clientId.
  function ownerNames(s) {
    var names = {};
    s.clients.forEach(function (c) { names[c.clientId] = c.runtimeId ? c.runtimeId + " (" + c.clientId + ")" : c.clientId; });
    return names;
  }

  // Rules from other processes, grouped by scope (unscoped first), with the owner's runtimeId when it has one.
  function renderMocks(s) {
    var mocks = s.mocks || [];
    var names = ownerNames(s);
    var groups = new Map();
    mocks.forEach(function (m) {
      var key = m.scope === null ? "" : m.scope;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(m);
    });
    var keys = Array.from(groups.keys()).sort();
    var rows = [];
    var count = 0;
    keys.forEach(function (key) {
      if (count >= SHOWN) return;
      var list = groups.get(key);
      var inScope = s.scopeRules && typeof s.scopeRules[key] === "number" ? s.scopeRules[key] : list.length;
      var head = el("td", (key === "" ? "unscoped" : "scope " + key) + " · " + inScope + (inScope === 1 ? " rule" : " rules"));
      head.colSpan = 6;
      var tr = row([head]);
      tr.className = "group";
      tr.dataset.scope = key;
      rows.push(tr);
      list.slice(0, SHOWN - count).forEach(function (m) {
        rows.push(row([m.id, m.kind, m.method, m.path, names[m.owner] || m.owner, num(m.calls)]));
      });
      count += list.length;
    });
    var allRules = total(s, "mocks");
    if (allRules > Math.min(count, SHOWN)) rows.push(moreRow(allRules - Math.min(count, SHOWN), "rules", "/__crossipc/api/state", 6));
    $("mocks-count").textContent = allRules;
    fill($("mocks").tBodies[0], rows, 6, "No mocks: connectMocks() adds them from any process");
  }

  // Active faults, each with a button that removes it (DELETE /__crossipc/api/faults/<id>).
  // A fault of a test's scope (scope.fault) names the scope and the process that added it.
  function renderFaults(faults, whole, names) {
    $("faults-count").textContent = whole === undefined ? faults.length : whole;
    fill($("faults").tBodies[0], firstRows(faults, function (f) {
      var match = [f.match.method, f.match.path, f.match.api ? "api " + f.match.api : ""].filter(Boolean).join(" ");
      var button = el("button", "Remove");
      button.type = "button";
      button.dataset.fault = f.id;
      button.addEventListener("click", function () {
        button.disabled = true;
        call("api/faults/" + encodeURIComponent(f.id), { method: "DELETE" })
          .then(function () { return call("api/faults"); })
          .then(function (r) { return r.json(); })
          .then(function (body) { renderFaults(body.faults, undefined, names); })
          // The hub is gone or refused: the button comes back, saying why, rather than staying
          // disabled with the rejection unhandled.
          .catch(function (error) {
            button.disabled = false;
            button.textContent = "Remove (failed)";
            button.title = "Could not remove: " + shown(error.message || error);
          });
      });
      var action = el("td");
      action.appendChild(button);
      var owner = f.owner === undefined ? "hub" : (names && names[f.owner]) || f.owner;
      return row([f.id, f.scope === undefined ? "every request" : f.scope, match, JSON.stringify(f.fault), owner, num(f.hits), action]);
    }, 7, "faults", "/__crossipc/api/faults", whole), 7, "No faults: server.fault(), mocks.fault() or crossipc fault add them");
  }

  // --- journal -------------------------------------------------------------------------
  function add(list) {
    list.forEach(function (e) { entries.set(e.id, e); });
    if (entries.size > MAX) {
      var ids = Array.from(entries.keys()).sort(function (a, b) { return a - b; });
      ids.slice(0, entries.size - MAX).forEach(function (id) { entries.delete(id); });
    }
    renderJournal();
  }
  function filterValues() {
    var form = $("filter");
    return {
      kind: form.kind.value,
      method: form.method.value,
      path: form.path.value.trim(),
      status: form.status.value.trim().toLowerCase(),
      client: form.client.value.trim(),
      scope: form.scope.value.trim(),
    };
  }
  // The server's own glob matcher (src/_glob.ts), embedded: no regex is built from the box.
  ${matchGlob.toString()}
  function pathMatcher(text) {
    if (!text) return null;
    var pieces = (text.indexOf("*") < 0 ? "*" + text + "*" : text).slice(0, ${MAX_GLOB_LENGTH}).split("*");
    return function (value) { return matchGlob(pieces, value); };
  }
  function matches(e, f, path) {
    if (f.kind && e.kind !== f.kind) return false;
    if (f.method && e.method !== f.method) return false;
    if (path && !path(e.path)) return false;
    if (f.client && e.clientId !== f.client && e.runtimeId !== f.client) return false;
    // "null": requests without a scope, as ?scope=null (the HAR link) and crossipc journal --scope null.
    if (f.scope && (f.scope === "null" ? e.scope != null : e.scope !== f.scope)) return false;
    if (f.status) {
      if (e.status === undefined) return false;
      var s = String(e.status);
      if (/^[1-5]xx$/.test(f.status) ? s.charAt(0) !== f.status.charAt(0) : s !== f.status) return false;
    }
    return true;
  }
  function renderJournal() {
    var f = filterValues();
    var path = pathMatcher(f.path);
    var list = Array.from(entries.values()).filter(function (e) { return matches(e, f, path); });
    list.sort(function (a, b) { return b.id - a.id; });
    $("journal-count").textContent = list.length === entries.size ? String(entries.size) : list.length + " of " + entries.size;
    fill($("journal").tBodies[0], list.slice(0, SHOWN).map(function (e) {
      var tr = row([
        clock(e.time),
        el("td", null).appendChild(el("span", e.kind, "kind")).parentNode,
        e.method || e.direction || "",
        e.path,
        takenBy(e),
        statusCell(e),
        e.runtimeId || e.clientId || "",
        num(e.durationMs < 10 ? e.durationMs.toFixed(2) : Math.round(e.durationMs)),
        num(bytes(e.responseSize)),
      ]);
      tr.dataset.id = e.id;
      if (e.id === selected) tr.className = "selected";
      return tr;
    }), 9, entries.size ? "No entry matches the filter" : "Nothing recorded yet");
  }

  // --- detail pane ---------------------------------------------------------------------
  function headers(title, record) {
    var box = document.createDocumentFragment();
    if (!record) return box;
    box.appendChild(el("h4", title));
    var dl = el("dl");
    Object.keys(record).sort().forEach(function (key) {
      dl.appendChild(el("dt", key));
      dl.appendChild(el("dd", record[key]));
    });
    box.appendChild(dl);
    return box;
  }
  // A recorded body may be megabytes (crossipc hub --record keeps up to 10 MiB): the pane shows
  // the first BODY_SHOWN characters, pretty-printed only when it holds the whole body.
  var BODY_SHOWN = 256 * 1024;
  function body(title, text, truncated, encoding) {
    var box = document.createDocumentFragment();
    if (text === undefined) return box;
    var cut = text.length > BODY_SHOWN;
    box.appendChild(el("h4", title + (encoding ? " (" + encoding + ")" : "") + (truncated ? " (truncated)" : "") +
      (cut ? " (first " + BODY_SHOWN / 1024 + " KiB of " + bytes(text.length) + " shown: Download HAR has it all)" : "")));
    var pretty = cut ? text.slice(0, BODY_SHOWN) : text;
    if (!cut) try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON */ }
    box.appendChild(el("pre", pretty));
    return box;
  }
  // whole: the entry as read by its id, with its bodies (the list holds entries without them).
  function renderDetail(e, whole) {
    var pane = $("detail");
    pane.replaceChildren();
    pane.appendChild(el("h3", (e.method || e.direction || e.kind) + " " + e.path));
    var dl = el("dl");
    [["id", e.id], ["time", new Date(e.time).toISOString()], ["kind", e.kind], ["taken by", takenBy(e)],
     ["status", e.status === undefined ? (e.ok ? "ok" : "error") : e.status], ["duration", e.durationMs + " ms"],
     ["client", [e.clientId, e.runtimeId].filter(Boolean).join(" / ")], ["scope", e.scope || undefined], ["request size", bytes(e.requestSize)],
     ["response size", bytes(e.responseSize)], ["error", e.error]].forEach(function (pair) {
      if (pair[1] === undefined || pair[1] === "") return;
      dl.appendChild(el("dt", pair[0]));
      dl.appendChild(el("dd", pair[1], pair[0] === "error" ? "err" : ""));
    });
    pane.appendChild(dl);
    pane.appendChild(headers("Request headers", e.requestHeaders));
    pane.appendChild(body("Request body", e.requestBody, e.requestBodyTruncated, e.requestBodyEncoding));
    pane.appendChild(headers("Response headers", e.responseHeaders));
    pane.appendChild(body("Response body", e.responseBody, e.responseBodyTruncated, e.responseBodyEncoding));
    if (whole && e.requestBody === undefined && e.responseBody === undefined && e.kind !== "websocket") {
      pane.appendChild(el("p", "Bodies are recorded with journal: { bodies: true }.", "empty"));
    }
  }
  function select(id) {
    selected = id;
    renderJournal();
    var known = entries.get(id);
    if (known) renderDetail(known);
    // The list has no bodies, and those of streamed answers fill in after the entry is sent: read
    // it whole. The list keeps it without its bodies, so clicking through keeps the page small.
    call("api/journal/" + id).then(function (r) { return r.ok ? r.json() : null; }).then(function (e) {
      if (!e || selected !== id) return;
      var listed = {};
      Object.keys(e).forEach(function (name) { if (name !== "requestBody" && name !== "responseBody") listed[name] = e[name]; });
      entries.set(id, listed);
      renderDetail(e, true);
    }).catch(function () {});
  }

  $("journal").addEventListener("click", function (event) {
    var tr = event.target.closest("tr[data-id]");
    if (tr) select(Number(tr.dataset.id));
  });
  // The HAR link asks the hub for what the filter shows (its path field matches a part, as here),
  // with the values the table filters by (a status typed as 5XX is 5xx to both).
  // A plain link cannot carry the key header, so a click fetches the file with it and saves that.
  function harLink() {
    var f = filterValues(), query = [];
    ["kind", "method", "status", "client", "scope"].forEach(function (name) {
      if (f[name]) query.push(name + "=" + encodeURIComponent(f[name]));
    });
    if (f.path) query.push("path=" + encodeURIComponent(f.path.indexOf("*") < 0 ? "*" + f.path + "*" : f.path));
    $("har").href = "api/journal.har" + (query.length ? "?" + query.join("&") : "");
  }
  // A filter the hub would refuse, or a download that failed, is said beside the filter: the live
  // indicator says only whether the page is live (a refused download turned it red for good).
  function filterNote(text) {
    $("filter-note").textContent = text ? shown(text) : "";
  }
  function checkFilter() {
    var status = filterValues().status;
    filterNote(status && !/^(\d{3}|[1-5]xx)$/.test(status) ? "status must be a number such as 404 or a class such as 4xx" : "");
  }
  harLink();
  $("har").addEventListener("click", function (event) {
    event.preventDefault();
    call($("har").getAttribute("href")).then(function (r) {
      if (!r.ok) return r.json().then(function (body) { throw new Error(body.error || "HTTP " + r.status); });
      return r.blob();
    }).then(function (blob) {
      var save = el("a");
      save.href = URL.createObjectURL(blob);
      save.download = "crossipc.har";
      save.click();
      setTimeout(function () { URL.revokeObjectURL(save.href); }, 10000);
    }).catch(function (error) { filterNote("Download HAR: " + (error.message || error)); });
  });
  $("filter").addEventListener("input", renderJournal);
  $("filter").addEventListener("input", harLink);
  $("filter").addEventListener("input", checkFilter);
  $("filter").addEventListener("submit", function (event) { event.preventDefault(); });
  $("clear").addEventListener("click", function () {
    call("api/journal", { method: "DELETE" }).then(function (r) {
      if (r.ok) { entries.clear(); renderJournal(); }
    });
  });

  // --- live ----------------------------------------------------------------------------
  function getJson(path) {
    return call(path).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || "HTTP " + r.status);
        return body;
      });
    });
  }
  function fail(error) {
    $("live").className = "";
    $("live").textContent = String(error.message || error);
  }
  function dispatch(block) {
    var name = "message", data = "";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event: ") === 0) name = line.slice(7);
      else if (line.indexOf("data: ") === 0) data += line.slice(6);
    });
    if (name === "state") renderState(JSON.parse(data));
    else if (name === "entries") add(JSON.parse(data));
    else if (name === "cleared") { entries.clear(); renderJournal(); }
    else if (name === "replaced") replaced = JSON.parse(data).error;
  }
  function follow() {
    return call("api/events?bodies=0&after=" + lastId).then(function (r) {
      if (!r.ok) return r.json().then(function (body) { throw new Error(body.error || "HTTP " + r.status); });
      $("live").className = "on";
      $("live").textContent = "live";
      var reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      var buffer = "";
      function next() {
        return reader.read().then(function (chunk) {
          if (chunk.done) throw new Error(replaced || "stream ended");
          buffer += chunk.value;
          var end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
          return next();
        });
      }
      return next();
    });
  }
  // What the hub holds replaces what the page had (after a restart or a failover its ids start
  // again at 1); the live stream then goes on from the last entry read, so none is missed between.
  function load() {
    return Promise.all([getJson("api/state?rows=" + SHOWN), getJson("api/journal?bodies=0&limit=" + MAX)]).then(function (both) {
      renderState(both[0]);
      entries.clear();
      lastId = both[1].lastId;
      add(both[1].entries);
    });
  }
  setInterval(function () {
    if (uptime) $("uptime").textContent = duration(uptime.ms + Date.now() - uptime.at);
  }, 1000);
  // Reads the hub, then follows it. When either fails (the hub restarted, another member took
  // over, a slow stream was dropped) it starts again in 2 s from a new read, never from a stream
  // alone: what was missed comes from the journal. A refused key is final: the page says what to open.
  function connect() {
    load().then(follow).catch(function (error) {
      fail(error);
      // A newer tab took this one's live stream (the hub keeps 16): reconnecting would take another's.
      if (replaced) return;
      if (/key|Unauthorized/.test(String(error.message))) return;
      $("live").textContent = "reconnecting";
      setTimeout(connect, 2000);
    });
  }
  connect();
})();
`;