// Path reports from the client, with a fake clock over the simulated network: two clients
// connect (direct through cone NATs, relayed between symmetric ones) and every server holds
// both ends' claims; with `report: false` no PathReport leaves the client; the reporter keeps
// at most MAX_PATH_CLAIMS claims, drops a disconnected peer's, and sanitises reasons.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode } from '../../src/codec.ts';
import { MAX_PATH_CLAIMS, MAX_PATH_REASON_LENGTH, MsgType } from '../../src/wire.ts';
import { PathReporter, sanitizeReason } from '../../client/core/path-reporter.ts';
import { connectPair, SERVER_IP } from '../helpers/sim-clients.ts';

const reportOf = (server: { snapshot(): { entries: { id: string; report?: unknown }[] } }, id: string) => server.snapshot().entries.find((e) => e.id === id)?.report as
  | { nat?: string; paths: { peerId: string; outcome: string; relayServer?: string }[] }
  | undefined;

describe('path reports (client)', () => {
  it('a direct pair: every server holds both ends’ direct claims and their NAT types', () => {
    const w = connectPair([{ nat: 'cone' }, { nat: 'cone' }]);
    assert.equal(w.a.client.of('connected').at(-1)?.via, 'direct');
    w.net.run(w.net.now + 11_000); // a heartbeat round: the report rides along with its answer too
    for (const server of w.servers) {
      const a = reportOf(server, w.a.id);
      const b = reportOf(server, w.b.id);
      assert.deepEqual(a?.paths.map((p) => [p.peerId, p.outcome]), [[w.b.id, 'direct']]);
      assert.deepEqual(b?.paths.map((p) => [p.peerId, p.outcome]), [[w.a.id, 'direct']]);
      assert.equal(a?.nat, 'cone');
    }
  });

  it('a relayed pair names the relaying server', () => {
    const w = connectPair([{ nat: 'symmetric' }, { nat: 'symmetric' }]);
    const last = w.a.client.of('connected').at(-1);
    assert.equal(last?.via, 'relay');
    const claims = w.servers.map((s) => reportOf(s, w.a.id)?.paths[0]);
    for (const c of claims) {
      assert.equal(c?.outcome, 'relay');
      assert.equal(c?.relayServer, last?.addr);
      assert.match(c?.relayServer ?? '', new RegExp(`^${SERVER_IP.replace(/\./g, '\\.')}:800[0-2]$`));
    }
    assert.equal(reportOf(w.servers[0] as never, w.a.id)?.nat, 'symmetric');
  });

  it('report: false sends none', () => {
    const w = connectPair([{ nat: 'cone' }, { nat: 'cone' }], 7, { report: false });
    assert.equal(w.a.client.of('connected').at(-1)?.via, 'direct');
    w.net.run(w.net.now + 11_000);
    const sent = w.serverInbox.map((b) => decode(b)).filter((d) => d.ok && d.msg.t === MsgType.PathReport);
    assert.equal(sent.length, 0);
    for (const server of w.servers) assert.ok(server.snapshot().entries.every((e) => e.report === undefined));
  });
});

describe('PathReporter', () => {
  it('claims, changes once per change, forgets a disconnected peer, keeps the most recent MAX_PATH_CLAIMS', () => {
    const r = new PathReporter();
    assert.equal(r.takeChanged(), false);
    r.connected('aa', { kind: 'direct' });
    assert.equal(r.takeChanged(), true);
    r.connected('aa', { kind: 'direct' });
    assert.equal(r.takeChanged(), false, 'the same path again is no change');
    r.connected('aa', { kind: 'relay', server: ['192.0.2.1', 8001] });
    assert.equal(r.takeChanged(), true);
    assert.deepEqual(r.body('cone', 1234.5), { nat: 'cone', paths: [{ peer: 'aa', outcome: 'relay', relay: '192.0.2.1:8001', since: 1234 }] });
    r.disconnected('aa');
    assert.equal(r.takeChanged(), true);
    assert.deepEqual(r.body('cone', 0).paths, []);
    for (let i = 0; i < MAX_PATH_CLAIMS + 4; i++) r.failed(i.toString(16).padStart(2, '0'), 'punch timed out');
    const paths = r.body('unknown', 0).paths;
    assert.equal(paths.length, MAX_PATH_CLAIMS);
    assert.equal(paths[0]?.peer, (4).toString(16).padStart(2, '0'), 'the oldest went');
  });

  it('reasons become short printable ASCII', () => {
    assert.equal(sanitizeReason('a\u001b[2J\u202eb\nc'), 'a?[2J?b?c');
    assert.equal(sanitizeReason('x'.repeat(200)).length, MAX_PATH_REASON_LENGTH);
  });
});
