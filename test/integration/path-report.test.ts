// Path reports over real UDP: two real headless clients connect through three real servers
// and every server emits path_report for both ends and holds their claims in snapshot();
// two clients started with --no-report connect too, and no server hears a claim from them,
// not even with their heartbeats (shortened to 1 s here, so several go by).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServerEvent } from '../../discovery/core/server-events.ts';
import { launchDiscoveryServers, type LaunchedServers } from '../../discovery/edge/launcher.ts';
import { HeadlessClient, headlessArgs, type HeadlessEvent } from '../helpers/headless-client.ts';
import { startProcess, stopProcess, tempHome } from '../helpers/processes.ts';

const ENV = { NATTER_HEARTBEAT_INTERVAL_MS: '1000' };
const isPeers = (name: string) => (e: HeadlessEvent) => e.event === 'peers' && (e.peers as { name: string }[]).some((p) => p.name === name);

let launched: LaunchedServers;
const events: { port: number; event: ServerEvent; at: number }[] = [];
const clients: HeadlessClient[] = [];

function client(name: string, noReport = false): HeadlessClient {
  const servers = launched.servers.map((s) => `127.0.0.1:${s.port}`).join(',');
  const args = [...headlessArgs(name, servers), ...(noReport ? ['--no-report'] : [])];
  const c = new HeadlessClient(name, startProcess(args, { HOME: tempHome(), ...ENV }), 'local', (child) => stopProcess(child));
  clients.push(c);
  return c;
}

async function connectPair(a: HeadlessClient, b: HeadlessClient): Promise<{ aId: string; bId: string; connectedAt: number }> {
  const [ra, rb] = await Promise.all([a.waitFor((e) => e.event === 'ready', 10_000, 'ready'), b.waitFor((e) => e.event === 'ready', 10_000, 'ready')]);
  await a.waitFor(isPeers(b.name), 10_000, `${b.name} listed`);
  await b.waitFor(isPeers(a.name), 10_000, `${a.name} listed`);
  a.send({ cmd: 'connect', peer: b.name });
  const [ca] = await Promise.all([a.waitFor((e) => e.event === 'connected', 15_000, 'connected'), b.waitFor((e) => e.event === 'connected', 15_000, 'connected')]);
  return { aId: String(ra.id), bId: String(rb.id), connectedAt: ca.at };
}

/** Resolves once `pred` holds over the events seen so far, polling; rejects after `ms`. */
async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const reportsFrom = (id: string) => events.filter((e) => e.event.type === 'path_report' && e.event.from.id.startsWith(id));

describe('path reports over UDP', () => {
  before(async () => {
    launched = await launchDiscoveryServers({ ports: [0, 0, 0], host: '127.0.0.1', statsIntervalMs: 0, log: () => undefined });
    launched.subscribe(({ port, event }) => events.push({ port, event, at: Date.now() }));
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await launched.close();
  });

  it('every server emits path_report for both ends of a real connection', async () => {
    const alice = client('alice');
    const bob = client('bob');
    const { aId, bId } = await connectPair(alice, bob);
    const ports = launched.servers.map((s) => s.port);
    const claimed = (from: string, to: string) => (port: number) =>
      reportsFrom(from).some((e) => e.port === port && e.event.type === 'path_report' && e.event.peerId.startsWith(to) && e.event.outcome === 'direct');
    // Counted from the connection: the report goes out at once, so well within 5 s.
    await until(() => ports.every(claimed(aId, bId)) && ports.every(claimed(bId, aId)), 5_000, 'path_report from both on every server');
    for (const s of launched.servers) {
      const entries = s.snapshot().entries;
      const a = entries.find((e) => e.id.startsWith(aId));
      assert.equal(a?.report?.paths[0]?.outcome, 'direct');
      assert.ok(a?.report?.paths[0]?.peerId.startsWith(bId));
      assert.ok(a?.report?.nat !== undefined);
    }
  });

  it('--no-report clients send none, not even with their heartbeats', async () => {
    const carol = client('carol', true);
    const dave = client('dave', true);
    const { aId, bId, connectedAt } = await connectPair(carol, dave);
    // Several heartbeats (1 s apart here) go by after the connection.
    await until(() => Date.now() > connectedAt + 3_500, 10_000, 'heartbeats');
    assert.deepEqual(reportsFrom(aId), []);
    assert.deepEqual(reportsFrom(bId), []);
    for (const s of launched.servers) {
      for (const e of s.snapshot().entries.filter((x) => x.id.startsWith(aId) || x.id.startsWith(bId))) assert.equal(e.report, undefined);
      assert.deepEqual(Object.keys(s.stats().drops).filter((r) => r.startsWith('report-')), [], 'nothing refused either: nothing was sent');
    }
  });
});
