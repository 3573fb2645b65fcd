// GET /: the one static page of the web view. Inline CSS and script (page-script.ts), an
// inline SVG for the graph, nothing fetched from anywhere else; the Content-Security-Policy
// allows exactly these two inline blocks (by hash) and requests to this origin.

import { createHash } from 'node:crypto';
import { PAGE_SCRIPT } from './page-script.ts';

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; background: #fafafa; }
h1 { font-size: 1.4em; margin: 0 0 .5em; } h2 { font-size: 1.1em; margin: 1.2em 0 .3em; }
#conn { font-size: .8em; padding: .1em .6em; border-radius: 1em; margin-left: 1em; vertical-align: middle; }
#conn.live { background: #d8f5d8; color: #185c18; } #conn.lost { background: #fde0e0; color: #8a1a1a; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #e4e4e4; white-space: nowrap; }
th { font-weight: 600; background: #f0f0f0; } td { font-variant-numeric: tabular-nums; }
tr.down td { color: #a00; }
svg { background: #fff; border: 1px solid #e4e4e4; width: 100%; max-width: 900px; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #222; }
.server.up { fill: #e3f0ff; stroke: #3578c6; } .server.down { fill: #fde0e0; stroke: #b33; }
.peer { fill: #fff4d6; stroke: #b8860b; stroke-width: 2; }
.reg { stroke: #ddd; stroke-width: 1; }
.path { stroke-width: 3; fill: none; } .path.direct { stroke: #2a9d3a; } .path.relay { stroke: #c67a00; stroke-dasharray: 8 6; }
.path.onesided { stroke-opacity: .45; }
#log { font: 12px ui-monospace, monospace; list-style: none; padding: 0; max-height: 16em; overflow: auto; background: #fff; border: 1px solid #e4e4e4; }
#log li { padding: .1em .6em; white-space: pre-wrap; overflow-wrap: anywhere; }
.legend { font-size: .85em; color: #555; }
`;

const head = (cols: string[]): string => `<thead><tr>${cols.map((c) => `<th>${c}</th>`).join('')}</tr></thead>`;

export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>natter network</title><style>${STYLE}</style></head>
<body>
<h1>natter network <span id="conn" class="lost">connecting…</span></h1>
<h2>Servers</h2>
<table>${head(['server', 'state', 'uptime', 'clients', 'requests/s (10 s / 1 min / 5 min)', 'introductions', 'relayed sessions', 'relayed bytes (rate 10 s / 1 min / 5 min)', 'drops since start', 'mailbox'])}<tbody id="servers"></tbody></table>
<h2>Graph</h2>
<p class="legend">Boxes: servers. Circles: peers. Solid green: direct path. Dashed orange: relayed through the server. Faint: claimed by one end only. Grey: registrations.</p>
<svg id="graph" viewBox="0 0 900 420" role="img" aria-label="servers and peers"></svg>
<h2>Clients</h2>
<table>${head(['name', 'id', 'fingerprint', 'NAT', 'observed', 'servers', 'connected', 'last seen'])}<tbody id="clients"></tbody></table>
<h2>Pairs</h2>
<table>${head(['peers', 'path', 'reported by', 'since', 'introductions', 'outcomes', 'last failure'])}<tbody id="paths"></tbody></table>
<h2>Events</h2>
<ul id="log"></ul>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Only this page's own inline blocks run; it talks to this origin only; it loads no image, font or frame. */
export const PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(PAGE_SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
