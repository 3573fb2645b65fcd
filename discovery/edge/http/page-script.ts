// The page's one inline script (no build step, no external resource; the CSP names its
// hash). It reads /status.json once, then lives on /events: `reset` replaces the whole state,
// every other message is one NetworkChange applied in place. The EventSource reconnects by
// itself (sending Last-Event-ID, so nothing is lost); on a reconnect the page also re-reads
// /status.json. It renders every peer-supplied string with textContent or as an SVG text
// node's data, never as markup: names like `<img onerror=…>` stay text.

export const PAGE_SCRIPT = String.raw`
'use strict';
var q = location.search.indexOf('token=') >= 0 ? location.search : '';
var st = { servers: new Map(), clients: new Map(), paths: new Map(), log: [] };
var SVGNS = 'http://www.w3.org/2000/svg';
var pending = false;

function el(tag, attrs, text) {
  var e = document.createElement(tag);
  for (var k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function svg(tag, attrs, text) {
  var e = document.createElementNS(SVGNS, tag);
  for (var k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function age(ms) {
  if (ms === undefined || ms === null) return '-';
  var s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}
function ago(t) { return t ? age(Date.now() - t) + ' ago' : '-'; }
function bytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1048576).toFixed(1) + ' MiB';
}
function rates(r, unit) {
  return r.r10s + ' / ' + r.r1m + ' / ' + r.r5m + unit;
}
function nameOf(id) {
  var c = st.clients.get(id);
  return c ? c.name + ' (' + c.shortId + ')' : id.slice(0, 8);
}
function row(cells) {
  var tr = document.createElement('tr');
  for (var i = 0; i < cells.length; i++) tr.appendChild(el('td', {}, cells[i]));
  return tr;
}
function fill(id, rows) {
  var body = document.getElementById(id);
  body.replaceChildren.apply(body, rows);
}

function renderServers() {
  var rows = [];
  st.servers.forEach(function (s) {
    var drops = Object.keys(s.drops).map(function (k) { return k + ' ×' + s.drops[k]; }).join('; ') || 'none';
    var tr = row([s.addr + (s.local ? '' : ' (other process)'), s.up ? 'up' : 'DOWN', s.up ? age(s.uptimeMs) : 'last seen ' + ago(s.lastSeen),
      s.clients, rates(s.requests, ''), s.introductions, s.relayedSessions,
      bytes(s.relayedBytes) + ' (' + rates(s.relayedBytesRate, ' B/s') + ')', drops, s.mailboxDepth]);
    tr.setAttribute('data-server', s.addr);
    tr.setAttribute('data-up', String(s.up));
    tr.className = s.up ? 'up' : 'down';
    rows.push(tr);
  });
  fill('servers', rows);
}
function renderClients() {
  var rows = [];
  st.clients.forEach(function (c) {
    var tr = row([c.name, c.shortId, c.fingerprint, c.nat, c.observed, c.servers.join(', '), ago(c.since), ago(c.lastSeen)]);
    tr.setAttribute('data-peer-id', c.id);
    rows.push(tr);
  });
  fill('clients', rows);
}
function renderPaths() {
  var rows = [];
  st.paths.forEach(function (p) {
    var how = p.via === 'relay' ? 'relayed via ' + (p.server || '?') : p.via === 'failed' ? 'failed' : 'direct';
    var o = p.outcomes;
    var tr = row([nameOf(p.a) + ' ↔ ' + nameOf(p.b), how, p.confirmed ? 'both ends' : 'one-sided', ago(p.since), p.introductions,
      o.direct + ' direct, ' + o.relay + ' relayed, ' + o.failed + ' failed', p.lastFailure || '']);
    tr.setAttribute('data-path', p.a + ' ' + p.b);
    tr.setAttribute('data-via', p.via);
    tr.setAttribute('data-confirmed', String(p.confirmed));
    rows.push(tr);
  });
  fill('paths', rows);
}
function renderLog() {
  fill('log', st.log.slice(-50).reverse().map(function (l) {
    return el('li', {}, new Date(l.at).toISOString().slice(11, 19) + ' ' + l.text);
  }));
}
function renderGraph() {
  var g = document.getElementById('graph');
  var W = 900, H = 420, nodes = new Map(), parts = [];
  var servers = Array.from(st.servers.values()), clients = Array.from(st.clients.values());
  servers.forEach(function (s, i) { nodes.set(s.addr, { x: (W * (i + 1)) / (servers.length + 1), y: 60 }); });
  clients.forEach(function (c, i) {
    var n = clients.length, a = Math.PI * (0.15 + (0.7 * (i + 0.5)) / Math.max(n, 1));
    nodes.set(c.id, { x: W / 2 - Math.cos(a) * (W / 2 - 80), y: 120 + Math.sin(a) * (H - 170) });
  });
  function line(from, to, cls) {
    var f = nodes.get(from), t = nodes.get(to);
    if (f && t) parts.push(svg('line', { x1: f.x, y1: f.y, x2: t.x, y2: t.y, class: cls }));
  }
  clients.forEach(function (c) { c.servers.forEach(function (s) { line(c.id, s, 'reg'); }); });
  st.paths.forEach(function (p) {
    var cls = 'path ' + p.via + (p.confirmed ? '' : ' onesided');
    if (p.via === 'relay' && p.server && nodes.has(p.server)) { line(p.a, p.server, cls); line(p.server, p.b, cls); }
    else if (p.via !== 'failed') line(p.a, p.b, cls);
  });
  servers.forEach(function (s) {
    var n = nodes.get(s.addr);
    parts.push(svg('rect', { x: n.x - 70, y: n.y - 18, width: 140, height: 36, rx: 6, class: 'server ' + (s.up ? 'up' : 'down') }));
    parts.push(svg('text', { x: n.x, y: n.y + 5, 'text-anchor': 'middle' }, s.addr));
  });
  clients.forEach(function (c) {
    var n = nodes.get(c.id);
    parts.push(svg('circle', { cx: n.x, cy: n.y, r: 14, class: 'peer' }));
    parts.push(svg('text', { x: n.x, y: n.y + 32, 'text-anchor': 'middle' }, c.name.slice(0, 24)));
  });
  g.replaceChildren.apply(g, parts);
}
function render() {
  pending = false;
  renderServers(); renderClients(); renderPaths(); renderGraph(); renderLog();
}
function soon() { if (!pending) { pending = true; setTimeout(render, 0); } }

function load(full) {
  st.servers = new Map(full.servers.map(function (s) { return [s.addr, s]; }));
  st.clients = new Map(full.clients.map(function (c) { return [c.id, c]; }));
  st.paths = new Map(full.paths.map(function (p) { return [p.a + ' ' + p.b, p]; }));
  if (full.log) st.log = full.log.slice();
  soon();
}
function apply(c) {
  if (c.kind === 'server') st.servers.set(c.server.addr, c.server);
  else if (c.kind === 'client') st.clients.set(c.client.id, c.client);
  else if (c.kind === 'client_gone') st.clients.delete(c.clientId);
  else if (c.kind === 'path') st.paths.set(c.path.a + ' ' + c.path.b, c.path);
  else if (c.kind === 'path_gone') st.paths.delete(c.a + ' ' + c.b);
  else if (c.kind === 'log') { st.log.push(c); if (st.log.length > 200) st.log.shift(); }
  soon();
}
function readStatus() {
  fetch('/status.json' + q, { cache: 'no-store' }).then(function (r) { return r.ok ? r.json() : null; })
    .then(function (s) { if (s) load(s); }).catch(function () { /* the stream carries everything anyway */ });
}
function setConn(text, cls) {
  var c = document.getElementById('conn');
  c.textContent = text;
  c.className = cls;
}

readStatus();
var es = new EventSource('/events' + q);
var wasDown = false;
es.onopen = function () {
  setConn('live', 'live');
  if (wasDown) readStatus();
  wasDown = false;
};
es.onerror = function () { wasDown = true; setConn('reconnecting…', 'lost'); };
es.addEventListener('reset', function (e) { load(JSON.parse(e.data)); });
es.onmessage = function (e) { apply(JSON.parse(e.data)); };
setInterval(render, 1000);
`;
