// The lab itself, checked with plain UDP (no natter code): NAT types behave as named,
// unsolicited inbound is dropped, loss and duplication rules do what they say, conntrack
// timeouts are per namespace, and a flush really moves the public port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { labUp, labDown, natlab, nsRun, nsSpawn, kill, killAll, TSX, SERVER_IP } from './lab.ts';

type ProbeResult = {
  local: number;
  targets: Record<string, { sent: number; replied: number; duplicates: number; observed: string[] }>;
  unsolicited: string[];
};

const S = (port: number): string => `${SERVER_IP}:${port}`;

function probe(ns: string, targets: string[], ...flags: string[]): ProbeResult {
  const out = nsRun(ns, [TSX, 'test/nat/udp-probe.ts', 'probe', targets.join(','), ...flags]);
  return JSON.parse(out.trim().split('\n').pop() as string) as ProbeResult;
}

let echo: ChildProcess;

before(async () => {
  labUp('cone', 'symmetric');
  echo = nsSpawn('nl-srv', [TSX, 'test/nat/udp-probe.ts', 'echo', '8000,8001,8002']);
  await new Promise<void>((resolve, reject) => {
    echo.stdout?.once('data', () => resolve());
    echo.once('exit', () => reject(new Error('echo server exited')));
  });
});

after(async () => {
  await kill(echo);
  await killAll();
  labDown();
});

test('cone: one public port for every destination, the client port preserved', (t) => {
  const r = probe('nl-c1', [S(8000), S(8001)], '--port', '41000');
  t.diagnostic(JSON.stringify(r.targets));
  assert.deepEqual(r.targets[S(8000)]?.observed, ['203.0.113.11:41000']);
  assert.deepEqual(r.targets[S(8001)]?.observed, ['203.0.113.11:41000']);
});

test('cone: inbound from an endpoint the client never sent to is dropped (port-restricted)', () => {
  const r = probe('nl-c1', [S(8000)], '--port', '41001', '--also-from', '8002');
  assert.equal(r.targets[S(8000)]?.replied, 3);
  assert.deepEqual(r.unsolicited, []);
});

test('symmetric: a different public port for each destination', (t) => {
  const r = probe('nl-c2', [S(8000), S(8001)], '--port', '41000');
  t.diagnostic(JSON.stringify(r.targets));
  const a = r.targets[S(8000)]?.observed ?? [];
  const b = r.targets[S(8001)]?.observed ?? [];
  assert.equal(a.length, 1);
  assert.equal(b.length, 1);
  assert.notEqual(a[0], b[0]);
  assert.ok(a[0]?.startsWith('203.0.113.12:'));
});

test('unsolicited packets on the WAN are counted and dropped by the router', () => {
  probe('nl-c2', [S(8000)], '--port', '41002', '--also-from', '8001');
  const rules = nsRun('nl-nat2', ['nft', 'list', 'chain', 'ip', 'natlab', 'wan_guard']);
  const dropped = Number(/packets (\d+)/.exec(rules)?.[1]);
  assert.ok(dropped >= 3, rules);
});

test('loss 20%: about 64% of round trips survive (0.8 each way)', (t) => {
  natlab('impair', 'nl-nat1', '20', '0');
  const r = probe('nl-c1', [S(8000)], '--port', '41003', '--count', '400', '--gap', '2');
  natlab('impair', 'nl-nat1', '0', '0');
  const got = r.targets[S(8000)]!;
  t.diagnostic(`loss 20% each way: ${got.replied}/${got.sent} round trips`);
  assert.ok(got.replied > 0.5 * got.sent && got.replied < 0.78 * got.sent, JSON.stringify(got));
});

test('duplication 10%: about 21% extra replies (1.1 x 1.1)', (t) => {
  natlab('impair', 'nl-nat1', '0', '10');
  const r = probe('nl-c1', [S(8000)], '--port', '41004', '--count', '400', '--gap', '2');
  natlab('impair', 'nl-nat1', '0', '0');
  const got = r.targets[S(8000)]!;
  t.diagnostic(`dup 10% each way: ${got.duplicates} duplicates over ${got.replied} replies`);
  assert.equal(got.replied, got.sent);
  assert.ok(got.duplicates > 0.1 * got.sent && got.duplicates < 0.35 * got.sent, JSON.stringify(got));
});

test('conntrack UDP timeout is per namespace and expires mappings in seconds', async (t) => {
  natlab('udp-timeout', 'nl-nat1', '3');
  const read = (ns: string): string =>
    nsRun(ns, ['sysctl', '-n', 'net.netfilter.nf_conntrack_udp_timeout']).trim();
  assert.equal(read('nl-nat1'), '3');
  assert.notEqual(read('nl-nat2'), '3');
  probe('nl-c1', [S(8000)], '--port', '41005', '--count', '1', '--wait', '100');
  const flows = (): string => nsRun('nl-nat1', ['conntrack', '-L', '-p', 'udp', '--orig-port-src', '41005'], 5000);
  assert.match(flows(), /sport=41005/);
  await new Promise((r) => setTimeout(r, 4500));
  assert.doesNotMatch(flows(), /sport=41005/);
  t.diagnostic('mapping gone after 4.5 s with nf_conntrack_udp_timeout=3');
  natlab('udp-timeout', 'nl-nat1', '30');
});

test('flush: the next mapping has a new public port, still the same for every destination', (t) => {
  const before = probe('nl-c1', [S(8000)], '--port', '41006', '--count', '1');
  const log = natlab('flush', 'nl-nat1');
  const afterFlush = probe('nl-c1', [S(8000), S(8001)], '--port', '41006', '--count', '1');
  t.diagnostic(log.trim());
  const old = before.targets[S(8000)]?.observed[0];
  const now = afterFlush.targets[S(8000)]?.observed[0];
  assert.equal(old, '203.0.113.11:41006');
  assert.notEqual(now, old);
  assert.deepEqual(afterFlush.targets[S(8001)]?.observed, [now]);
});
