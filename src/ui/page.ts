import { STATUS_COLOURS } from './svg.js';

/**
 * The dashboard page: one self-contained HTML document (no external resources). Its script
 * builds the DOM with `textContent` (never HTML from data) except the server's own SVG, and
 * follows `/api/stream` (server-sent events) so nothing reloads.
 */
export function dashboardPage(): string {
  const colours = Object.entries(STATUS_COLOURS)
    .map(([status, colour]) => `.st-${status}{background:${colour}}`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>milestone dashboard</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>
body{margin:0;font:14px/1.45 ui-sans-serif,system-ui,sans-serif;color:#0f172a;background:#f8fafc}
header{display:flex;gap:1rem;align-items:center;padding:.5rem 1rem;background:#0f172a;color:#e2e8f0}
header h1{font-size:1rem;margin:0;flex:1}header input{width:22rem;font:inherit}
#layout{display:grid;grid-template-columns:16rem 1fr;min-height:calc(100vh - 2.5rem)}
aside{border-right:1px solid #e2e8f0;padding:.5rem;background:#fff}aside a{display:block;padding:.35rem .5rem;border-radius:6px;color:inherit;text-decoration:none}
aside a.current{background:#e0e7ff}aside small{color:#64748b}
main{padding:1rem 1.5rem;overflow:auto}section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem}
section h2{font-size:.95rem;margin:0 0 .5rem}.bar{height:10px;background:#e2e8f0;border-radius:5px;overflow:hidden;width:18rem;display:inline-block;vertical-align:middle}
.bar i{display:block;height:100%;background:#22c55e}.row{margin:.15rem 0}.row b{display:inline-block;width:5rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #f1f5f9}
tr[data-task]{cursor:pointer}tr.selected{outline:2px solid #6366f1}.pill{padding:.05rem .45rem;border-radius:999px;font-size:.8rem}
${colours}
pre{background:#0f172a;color:#e2e8f0;padding:.5rem;max-height:18rem;overflow:auto;white-space:pre-wrap;margin:0}
button{font:inherit;margin-right:.4rem}#action-result{color:#b91c1c;margin-left:.5rem}#action-result.ok{color:#15803d}.svg{overflow:auto}
</style></head>
<body>
<header><h1>milestone dashboard</h1><label>token <input id="token" type="password" autocomplete="off" placeholder="printed by milestone ui (needed for actions)"></label><span id="live">connecting…</span></header>
<div id="layout"><aside><div id="list"></div></aside>
<main id="main"><p id="empty">Choose a milestone.</p>
<div id="detail" hidden>
<section><h2 id="title"></h2><div id="status"></div><div id="decision"></div><div id="coordinator"></div>
<div id="bars"></div><div id="gates"></div>
<div id="actions"><button id="cancel">cancel milestone</button><button id="retry">retry failed tasks</button><span id="action-result"></span></div></section>
<section><h2>Task graph</h2><div class="svg" id="graph"></div></section>
<section><h2>Timeline (attempts per agent slot)</h2><div class="svg" id="timeline"></div></section>
<section><h2>Cost and tokens</h2><div id="totals"></div><div class="svg" id="usage"></div></section>
<section><h2>Tasks</h2><table><thead><tr><th>task</th><th>phase</th><th>status</th><th>agent</th><th>attempts</th><th>reason</th></tr></thead><tbody id="tasks"></tbody></table></section>
<section><h2>Attempt log <span id="log-name"></span></h2><pre id="log">click a task to follow its log</pre></section>
<section><h2>Conflicts</h2><div id="conflicts"></div></section>
<section><h2>Integration</h2><div id="integration"></div></section>
</div></main></div>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const el = (tag, props = {}, ...children) => { const e = document.createElement(tag); Object.assign(e, props); for (const c of children) e.append(c); return e; };
  const params = new URLSearchParams(location.hash.slice(1));
  let current = params.get('m');
  let task = null, logFrom = 0, logAttempt = 0, source = null, doc = null;
  const tokenInput = $('token');
  tokenInput.value = params.get('token') || sessionStorage.getItem('milestone-token') || '';
  if (params.get('token')) { params.delete('token'); history.replaceState(null, '', '#' + params.toString()); }
  tokenInput.addEventListener('change', () => sessionStorage.setItem('milestone-token', tokenInput.value));

  function connect() {
    if (source) source.close();
    const q = new URLSearchParams();
    if (current) q.set('id', current);
    if (task) q.set('task', task);
    source = new EventSource('/api/stream?' + q.toString());
    source.onopen = () => { $('live').textContent = 'live'; };
    source.onerror = () => { $('live').textContent = 'reconnecting…'; };
    source.addEventListener('list', (e) => renderList(JSON.parse(e.data)));
    source.addEventListener('view', (e) => renderDoc(JSON.parse(e.data)));
    source.addEventListener('log', (e) => followLog(JSON.parse(e.data)));
  }
  function select(id) {
    current = id; task = null; latest = null; logFrom = 0; $('log').textContent = 'click a task to follow its log'; $('log-name').textContent = '';
    history.replaceState(null, '', '#m=' + encodeURIComponent(id));
    connect();
  }
  function renderList(list) {
    const box = $('list'); box.replaceChildren();
    for (const m of list) {
      const a = el('a', { href: '#m=' + m.id, className: m.id === current ? 'current' : '' }, el('div', { textContent: m.title }), el('small', { textContent: m.id + ' · ' + m.status + ' · ' + m.overall + '%' }));
      a.dataset.milestone = m.id;
      a.addEventListener('click', (ev) => { ev.preventDefault(); select(m.id); });
      box.append(a);
    }
    if (!current && list.length) select(list[0].id);
  }
  const money = (u) => u.costUsd === null ? 'unknown' : '$' + u.costUsd.toFixed(4);
  const tokens = (u) => u.inputTokens === null && u.outputTokens === null ? 'unknown' : ((u.inputTokens || 0) + (u.outputTokens || 0)).toLocaleString('en-US');
  function bar(label, value) { return el('div', { className: 'row' }, el('b', { textContent: label }), el('span', { className: 'bar' }, el('i', { style: 'width:' + value + '%' })), ' ' + value + '%'); }
  async function svgInto(id, path) { const r = await fetch('/api/milestones/' + current + '/' + path); if (r.ok) $(id).innerHTML = await r.text(); }
  function renderDoc(d) {
    doc = d; const v = d.view;
    $('empty').hidden = true; $('detail').hidden = false;
    $('title').textContent = v.title + ' (' + v.id + ')';
    $('status').replaceChildren('status ', el('span', { id: 'milestone-status', className: 'pill st-' + v.status, textContent: v.status }), ' · mode ' + (v.mode || 'not chosen') + ' · ' + v.git.branch + (v.git.head ? ' @ ' + v.git.head.slice(0, 10) : ''));
    $('decision').textContent = v.modeReason ? 'decision: ' + v.modeReason : '';
    $('coordinator').textContent = v.coordinator ? 'coordinator pid ' + v.coordinator.pid + ' on ' + v.coordinator.host + (v.coordinator.alive === false ? ' (gone: run milestone execute ' + v.id + ' to resume)' : '') : 'no coordinator running';
    const bars = [bar('overall', v.progress.overall)];
    for (const [p, value] of Object.entries(v.progress.phases)) if (v.tasks.some((t) => t.phase === p)) bars.push(bar(p, value));
    $('bars').replaceChildren(...bars);
    const gates = [];
    for (const [p, g] of Object.entries(v.gates)) {
      if (g === 'none') continue;
      const row = el('div', { className: 'row', textContent: 'review ' + p + ': ' + g + ' ' });
      if (g === 'in_review' || g === 'changes_requested' || g === 'rejected') {
        const b = el('button', { textContent: 'approve ' + p }); b.dataset.approve = p;
        b.addEventListener('click', () => act('review', { phase: p, decision: 'approve' }));
        row.append(b);
      }
      gates.push(row);
    }
    $('gates').replaceChildren(...gates);
    $('totals').textContent = 'total cost ' + money(d.usage) + ', tokens ' + tokens(d.usage);
    const rows = v.tasks.map((t) => {
      const status = t.status === 'succeeded' && !t.merged ? 'landing' : t.status;
      const tr = el('tr', { className: t.id === task ? 'selected' : '' }, el('td', { textContent: t.id }), el('td', { textContent: t.phase }), el('td', {}, el('span', { className: 'pill st-' + t.status, textContent: status })), el('td', { textContent: t.agent }), el('td', { textContent: String(t.attempts) }), el('td', { textContent: t.reason || '' }));
      tr.dataset.task = t.id; tr.dataset.status = t.status;
      tr.addEventListener('click', () => { task = t.id; latest = null; logFrom = 0; logAttempt = 0; $('log').textContent = ''; $('log-name').textContent = t.id; connect(); });
      return tr;
    });
    $('tasks').replaceChildren(...rows);
    $('conflicts').replaceChildren(...(d.conflicts.length ? d.conflicts.map((c) => el('div', {}, el('p', { textContent: c.taskId + ': ' + (c.reason || 'conflict') }), el('pre', { textContent: c.steps.join('\\n') }))) : [el('p', { textContent: 'none' })]));
    $('integration').textContent = d.integration || 'no integration checks ran yet';
    svgInto('graph', 'graph.svg'); svgInto('timeline', 'timeline.svg'); svgInto('usage', 'usage.svg');
  }
  let fetching = false, latest = null;
  async function followLog(info) {
    if (info.task !== task) return;
    latest = info;
    if (fetching) return; // the running loop picks the newest size up
    fetching = true;
    try {
      while (latest && latest.task === task) {
        const want = latest;
        if (want.attempt !== logAttempt) { logAttempt = want.attempt; logFrom = 0; $('log').textContent = ''; $('log-name').textContent = task + ' attempt ' + want.attempt; }
        if (logFrom >= want.size) { if (latest === want) break; continue; }
        const r = await fetch('/api/milestones/' + current + '/tasks/' + task + '/log?attempt=' + want.attempt + '&from=' + logFrom);
        const chunk = await r.json();
        if (chunk.size <= logFrom) break;
        logFrom = chunk.size;
        $('log').append(chunk.text);
        $('log').scrollTop = $('log').scrollHeight;
      }
    } finally { fetching = false; }
  }
  async function act(action, body) {
    $('action-result').textContent = '';
    const r = await fetch('/api/milestones/' + current + '/' + action, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + tokenInput.value }, body: JSON.stringify(body || {}) });
    const answer = await r.json().catch(() => ({}));
    $('action-result').className = r.ok ? 'ok' : '';
    $('action-result').textContent = r.ok ? action + ': done' : action + ' refused (' + r.status + '): ' + (answer.error || '');
  }
  $('cancel').addEventListener('click', () => { if (confirm('cancel ' + current + '?')) act('cancel'); });
  $('retry').addEventListener('click', () => act('retry'));
  connect();
})();
</script></body></html>
`;
}
