/** The dashboard page: static HTML and CSS; `app.js` (./_script.ts) fills it in and keeps it live. */
export const DASHBOARD_HTML: string = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>crossipc hub</title>
<style>
  :root { --fg: #1d2330; --muted: #6b7385; --line: #e3e6ee; --bg: #f5f6fa; --card: #fff; --accent: #3559d6;
          --ok: #1f8a4c; --warn: #b7791f; --bad: #c53030; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
  * { box-sizing: border-box; }
  body { margin: 0; color: var(--fg); background: var(--bg); }
  header { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; padding: 12px 20px; background: #1d2330; color: #fff; }
  header h1 { font-size: 17px; margin: 0 8px 0 0; letter-spacing: .02em; }
  header .item { color: #c9cfdd; } header .item b { color: #fff; font-weight: 600; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #e8ecfb; color: var(--accent); }
  header .badge { background: #2f3a55; color: #9fe0b5; }
  #live { margin-left: auto; font-size: 12px; color: #c9cfdd; } #live::before { content: "●"; margin-right: 6px; color: var(--bad); }
  #live.on::before { color: #4ade80; }
  main { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 14px; padding: 14px 20px 24px; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; overflow-x: auto; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 2px 0 8px; }
  h2 .count { color: var(--fg); margin-left: 4px; }
  table { width: 100%; border-collapse: collapse; font: 12.5px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
  th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--line); padding: 4px 6px; white-space: nowrap; }
  td { border-bottom: 1px solid var(--line); padding: 4px 6px; vertical-align: top; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 250px; }
  td.num, th.num { text-align: right; }
  td.wrap { white-space: normal; max-width: none; overflow-wrap: anywhere; }
  td.wrap div { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; }
  .empty { color: var(--muted); font-style: italic; padding: 6px; }
  form { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 8px; }
  input, select, button { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 5px; background: #fff; }
  input { width: 170px; } input[name=path] { width: 240px; }
  button { cursor: pointer; color: var(--accent); }
  #har, #filter-note { align-self: center; } #har { color: var(--accent); }
  .split { display: grid; grid-template-columns: minmax(0, 1fr) 360px; gap: 12px; }
  .scroll { max-height: 520px; overflow: auto; }
  /* Fixed columns, so path and "taken by" share what is left and every column stays in view (at
     1,400 px the size column was cut off); long values end in an ellipsis, whole in the pane. */
  #journal { table-layout: fixed; min-width: 640px; }
  #journal th:nth-child(1) { width: 106px; } #journal th:nth-child(2) { width: 64px; } #journal th:nth-child(3) { width: 62px; }
  #journal th:nth-child(6) { width: 50px; } #journal th:nth-child(7) { width: 96px; } #journal th:nth-child(8) { width: 54px; } #journal th:nth-child(9) { width: 60px; }
  #journal td { max-width: none; }
  #journal tbody tr { cursor: pointer; } #journal tbody tr:hover { background: #f0f3fc; } #journal tr.selected { background: #e1e8fb; }
  .s2 { color: var(--ok); } .s3 { color: var(--accent); } .s4 { color: var(--warn); } .s5, .err { color: var(--bad); }
  tr.group td { background: #f6f7fb; color: var(--muted); font-weight: 600; }
  .kind { font-size: 11px; padding: 0 6px; border-radius: 8px; background: #eef0f5; color: var(--muted); }
  aside { border-left: 1px solid var(--line); padding-left: 12px; min-width: 0; }
  aside h3 { font-size: 13px; margin: 2px 0 6px; word-break: break-all; }
  aside h4 { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 10px 0 4px; }
  aside pre { margin: 0; padding: 6px 8px; background: #f6f7fb; border-radius: 5px; font-size: 12px; white-space: pre-wrap; word-break: break-all; max-height: 220px; overflow: auto; }
  aside dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; font-size: 12.5px; }
  aside dt { color: var(--muted); } aside dd { margin: 0; word-break: break-all; max-height: 12em; overflow: auto; }
  @media (max-width: 1000px) { main { grid-template-columns: 1fr; } .split { grid-template-columns: 1fr; } aside { border: 0; padding: 0; } }
</style>
</head>
<body>
<header>
  <h1>crossipc hub</h1>
  <span class="item">URL <b id="hub-url">…</b></span>
  <span class="badge" id="leader">…</span>
  <span class="item">runtime <b id="runtime">…</b></span>
  <span class="item">up <b id="uptime">…</b></span>
  <span id="live">connecting</span>
</header>
<main>
  <section>
    <h2>Clients <span class="count" id="clients-count"></span></h2>
    <table id="clients"><thead><tr><th>clientId</th><th>runtimeId</th><th>connected</th><th class="num">in</th><th class="num">out</th><th class="num">pending</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Services <span class="count" id="services-count"></span></h2>
    <table id="services"><thead><tr><th>api</th><th>strategy</th><th>instances</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Intercept routes <span class="count" id="routes-count"></span></h2>
    <table id="routes"><thead><tr><th>method</th><th>path</th><th class="num">hits</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>Mocks <span class="count" id="mocks-count"></span></h2>
    <table id="mocks"><thead><tr><th>id</th><th>kind</th><th>method</th><th>path</th><th>owner</th><th class="num">calls</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>Faults <span class="count" id="faults-count"></span></h2>
    <table id="faults"><thead><tr><th>id</th><th>scope</th><th>match</th><th>fault</th><th>owner</th><th class="num">hits</th><th></th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>Journal <span class="count" id="journal-count"></span></h2>
    <form id="filter" autocomplete="off">
      <select name="kind" aria-label="kind"><option value="">all kinds</option><option>http</option><option>websocket</option><option>framework</option></select>
      <select name="method" aria-label="method"><option value="">any method</option><option>GET</option><option>POST</option><option>PUT</option><option>PATCH</option><option>DELETE</option><option>HEAD</option><option>OPTIONS</option></select>
      <input name="path" maxlength="1024" placeholder="path (part of it, or with *)" aria-label="path">
      <input name="status" placeholder="status: 404, 5xx" aria-label="status">
      <input name="client" placeholder="clientId or runtimeId" aria-label="client">
      <input name="scope" placeholder="scope id" aria-label="scope">
      <button type="button" id="clear">Clear journal</button>
      <a id="har" href="api/journal.har" download="crossipc.har" title="The HTTP entries that match the filter, as HAR 1.2 (DevTools, Playwright's routeFromHAR, crossipc hub --replay)">Download HAR</a>
      <span id="filter-note" class="err" role="status"></span>
    </form>
    <div class="split">
      <div class="scroll">
        <table id="journal"><thead><tr><th>time</th><th>kind</th><th>method</th><th>path</th><th>taken by</th><th>status</th><th>client</th><th class="num">ms</th><th class="num">size</th></tr></thead><tbody></tbody></table>
      </div>
      <aside id="detail"><p class="empty">Select an entry to see its headers and bodies.</p></aside>
    </div>
  </section>
</main>
<script src="app.js"></script>
</body>
</html>
`;
