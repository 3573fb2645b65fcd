// The driver, the one edge between an engine and the world, with a fake transport, a fake
// engine and mocked timers on a fake clock: what it sends, when it arms its one timer, when
// it calls afterStep, how it bounds due deadlines, and that stop() stops everything.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Driver } from '../../src/net/driver.ts';
import type { Engine, Transport } from '../../src/net/transport.ts';
import type { Endpoint } from '../../src/wire.ts';

const PEER: Endpoint = ['192.0.2.1', 4000];
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

class FakeTransport implements Transport {
  readonly sent: string[] = [];
  private handler: ((bytes: Buffer, from: Endpoint) => void) | undefined;
  send(b: Uint8Array): void {
    this.sent.push(text(b));
  }
  onDatagram(handler: (bytes: Buffer, from: Endpoint) => void): void {
    this.handler = handler;
  }
  /** A datagram arrives from the network. */
  deliver(s: string): void {
    this.handler?.(Buffer.from(s), PEER);
  }
  localEndpoint(): Endpoint {
    return ['127.0.0.1', 1];
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** An engine that records its inputs; tests script its outputs and its deadline. */
class FakeEngine implements Engine<string> {
  readonly log: string[] = [];
  readonly outbox: string[] = [];
  deadline: number | undefined;
  /** What a handled timeout does (default: nothing, the deadline stays). */
  onTimeout: (now: number) => void = () => undefined;
  receive(b: Uint8Array, _from: Endpoint, now: number): void {
    this.log.push(`receive ${text(b)} @${now}`);
    this.outbox.push(`reply-to-${text(b)}`);
  }
  handleTimeout(now: number): void {
    this.log.push(`timeout @${now}`);
    this.onTimeout(now);
  }
  pollTransmit(): { to: Endpoint; bytes: Uint8Array } | undefined {
    const next = this.outbox.shift();
    return next === undefined ? undefined : { to: PEER, bytes: bytes(next) };
  }
  pollEvent(): string | undefined {
    return undefined;
  }
  nextTimeout(): number | undefined {
    return this.deadline;
  }
}

/** A driver on a fake clock at 1000 with timers mocked; `advance` moves both together. */
function setup(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout', 'setImmediate'] });
  let clock = 1000;
  const engine = new FakeEngine();
  const transport = new FakeTransport();
  const driver = new Driver(engine, transport, () => clock);
  let steps = 0;
  driver.afterStep = () => {
    steps++;
    engine.log.push('afterStep');
  };
  const advance = (ms: number): void => {
    clock += ms;
    t.mock.timers.tick(ms);
  };
  return { engine, transport, driver, advance, steps: () => steps, now: () => clock };
}

test('a datagram reaches the engine with now; afterStep follows; the reply leaves at the end of the I/O round', (t) => {
  const { engine, transport, advance } = setup(t);
  transport.deliver('a');
  transport.deliver('b');
  assert.deepEqual(engine.log, ['receive a @1000', 'afterStep', 'receive b @1000', 'afterStep']);
  assert.deepEqual(transport.sent, [], 'nothing is sent inside the round: replies coalesce');
  advance(0);
  assert.deepEqual(transport.sent, ['reply-to-a', 'reply-to-b'], 'one flush sends everything the round produced, in order');
});

test('flush drains pollTransmit to the socket and arms one timer for nextTimeout', (t) => {
  const { engine, transport, driver, advance } = setup(t);
  engine.outbox.push('x', 'y');
  engine.deadline = 1050;
  driver.flush();
  driver.flush(); // the same deadline: still one timer, not two
  assert.deepEqual(transport.sent, ['x', 'y']);
  advance(49);
  assert.deepEqual(engine.log, [], 'not before the deadline');
  engine.onTimeout = () => (engine.deadline = undefined);
  advance(1);
  assert.deepEqual(engine.log, ['timeout @1050', 'afterStep'], 'one timer, fired once, at the deadline');
  advance(10_000);
  assert.equal(engine.log.length, 2, 'no deadline: no timer');
});

test('a changed deadline re-arms: the timer fires at the new time only', (t) => {
  const { engine, driver, advance } = setup(t);
  engine.deadline = 1500;
  driver.flush();
  engine.deadline = 1100;
  driver.flush();
  engine.onTimeout = () => (engine.deadline = undefined);
  advance(100);
  assert.deepEqual(engine.log, ['timeout @1100', 'afterStep']);
  advance(1000);
  assert.deepEqual(engine.log, ['timeout @1100', 'afterStep'], 'the replaced timer (1500) never fires');
});

test('what a timeout queues leaves in the same step, and the timer is re-armed for the next deadline', (t) => {
  const { engine, transport, driver, advance } = setup(t);
  engine.deadline = 1200;
  engine.onTimeout = (now) => {
    engine.outbox.push(`retransmit@${now}`);
    engine.deadline = now + 200;
  };
  driver.flush();
  advance(200);
  assert.deepEqual(transport.sent, ['retransmit@1200']);
  advance(200);
  assert.deepEqual(transport.sent, ['retransmit@1200', 'retransmit@1400']);
});

test('a deadline already due is handled inside flush, and what it queues leaves in the same flush', (t) => {
  const { engine, transport, driver } = setup(t);
  engine.deadline = 990; // due (an ack to send now)
  engine.onTimeout = () => {
    engine.outbox.push('ack');
    engine.deadline = undefined;
  };
  driver.flush();
  assert.deepEqual(engine.log, ['timeout @1000', 'afterStep']);
  assert.deepEqual(transport.sent, ['ack'], 'no event-loop turn in between');
});

test('due deadlines inside one flush are bounded (MAX_DUE_ROUNDS = 4); the rest waits for the next turn', (t) => {
  const { engine, driver, advance, steps } = setup(t);
  const timeouts = (): number => engine.log.filter((l) => l.startsWith('timeout')).length;
  engine.deadline = 0; // always due, until the sixth timeout (a spinning engine must not hang flush)
  engine.onTimeout = () => {
    if (timeouts() === 6) engine.deadline = undefined;
  };
  driver.flush();
  assert.equal(timeouts(), 4, 'four rounds, then flush returns');
  assert.equal(steps(), 4, 'afterStep after each handled deadline');
  advance(0); // the still-due deadline runs on the next turn: its timeout, then a flush that handles the sixth
  assert.equal(timeouts(), 6);
  assert.equal(steps(), 6);
  advance(10_000);
  assert.equal(timeouts(), 6, 'no deadline, no more timeouts');
});

test('afterStep runs after every receive and every timer step, before the flush', (t) => {
  const { engine, transport, driver, advance } = setup(t);
  engine.deadline = 1010;
  engine.onTimeout = () => {
    engine.outbox.push('t');
    engine.deadline = undefined;
  };
  driver.flush();
  transport.deliver('a');
  advance(0);
  advance(10);
  assert.deepEqual(engine.log, ['receive a @1000', 'afterStep', 'timeout @1010', 'afterStep']);
  assert.deepEqual(transport.sent, ['reply-to-a', 't']);
});

test('stop: no timer fires, datagrams are ignored, flush sends nothing', (t) => {
  const { engine, transport, driver, advance } = setup(t);
  engine.deadline = 1100;
  driver.flush();
  transport.deliver('queued'); // its flush is pending
  driver.stop();
  transport.deliver('late');
  engine.outbox.push('never');
  driver.flush();
  advance(10_000);
  assert.deepEqual(engine.log, ['receive queued @1000', 'afterStep'], 'no receive and no timeout after stop');
  assert.deepEqual(transport.sent, [], 'the pending flush and explicit flushes send nothing');
});
