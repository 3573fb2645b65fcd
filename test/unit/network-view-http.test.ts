// The web view's small rules: which Host headers it answers, how the token is found (query or
// cookie; nothing else), which event ids resume, and the --http / --http-token flags.

import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { allowedHosts, hostAllowed, isLoopback, tokenGiven } from '../../discovery/edge/http/access.ts';
import { parseEventId } from '../../discovery/edge/http/sse.ts';
import { webFromFlags } from '../../discovery/edge/http/web-flags.ts';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

test('Host: the bound address; for loopback also localhost; never another name', () => {
  const lo = allowedHosts('127.0.0.1', 8080);
  assert.ok(hostAllowed(req({ host: '127.0.0.1:8080' }), lo));
  assert.ok(hostAllowed(req({ host: 'LOCALHOST:8080' }), lo));
  assert.ok(!hostAllowed(req({ host: 'rebind.example:8080' }), lo));
  assert.ok(!hostAllowed(req({ host: '127.0.0.1:8081' }), lo));
  assert.ok(!hostAllowed(req({}), lo));
  const lan = allowedHosts('192.168.1.5', 9000);
  assert.ok(hostAllowed(req({ host: '192.168.1.5:9000' }), lan));
  assert.ok(!hostAllowed(req({ host: 'localhost:9000' }), lan));
  assert.ok(isLoopback('127.0.0.2') && isLoopback('::1') && !isLoopback('0.0.0.0') && !isLoopback('10.0.0.1'));
});

test('the token: from ?token= or the cookie, compared whole; none needed when none is set', () => {
  const url = (q: string) => new URL(`http://x/${q}`);
  assert.deepEqual(tokenGiven(req({}), url(''), undefined, 80), { ok: true, fromQuery: false });
  assert.deepEqual(tokenGiven(req({}), url('?token=s3cret-token'), 's3cret-token', 80), { ok: true, fromQuery: true });
  assert.deepEqual(tokenGiven(req({ cookie: 'a=b; natter_token_80=s3cret-token' }), url(''), 's3cret-token', 80), { ok: true, fromQuery: false });
  assert.equal(tokenGiven(req({}), url('?token=s3cret'), 's3cret-token', 80).ok, false, 'a prefix is not the token');
  assert.equal(tokenGiven(req({ cookie: 'natter_token_80=nope' }), url(''), 's3cret-token', 80).ok, false);
  assert.equal(tokenGiven(req({ cookie: 'natter_token_81=s3cret-token' }), url(''), 's3cret-token', 80).ok, false, 'another port’s cookie');
  assert.equal(tokenGiven(req({ cookie: 'natter_token_80=%E0%A4%A' }), url(''), 's3cret-token', 80).ok, false, 'a malformed cookie is no token, not a throw');
  assert.equal(tokenGiven(req({ authorization: 'Bearer s3cret-token' }), url(''), 's3cret-token', 80).ok, false, 'only the query or the cookie');
});

test('event ids: only this run’s resume', () => {
  assert.equal(parseEventId('ab12cd34-17', 'ab12cd34'), 17);
  assert.equal(parseEventId('ffffffff-17', 'ab12cd34'), undefined);
  assert.equal(parseEventId('17', 'ab12cd34'), undefined);
  assert.equal(parseEventId(undefined, 'ab12cd34'), undefined);
  assert.equal(parseEventId('ab12cd34-1e9', 'ab12cd34'), undefined);
});

test('--http HOST:PORT|off and --http-token', () => {
  assert.deepEqual(webFromFlags({}, '127.0.0.1:8080'), { http: { host: '127.0.0.1', port: 8080 } });
  assert.deepEqual(webFromFlags({}, undefined), {});
  assert.deepEqual(webFromFlags({ http: 'off' }, '127.0.0.1:8080'), {});
  assert.deepEqual(webFromFlags({ http: '0.0.0.0:9000', 'http-token': 'long-enough' }, undefined), { http: { host: '0.0.0.0', port: 9000 }, token: 'long-enough' });
  assert.throws(() => webFromFlags({ http: 'example.com:80' }, undefined), /bad --http/);
  assert.throws(() => webFromFlags({ http: '127.0.0.1' }, undefined), /bad --http/);
  assert.throws(() => webFromFlags({ 'http-token': 'short' }, undefined), /bad --http-token/);
});
