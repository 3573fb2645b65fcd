// Headless mode for scripts and tests: one JSON command per line on stdin, one JSON event
// per line on stdout and nothing else (diagnostics go to stderr). End of stdin means quit once
// every send is committed to the outbox, after a bounded wait for connected peers' receipts;
// what is still queued stays queued for the next run.

import { createInterface } from 'node:readline';
import { toJsonLine } from '../../src/json-line.ts';
import type { ChatClient } from './client.ts';
import type { ClientCommand } from '../core/events.ts';

export async function runHeadless(client: ChatClient): Promise<void> {
  client.onEvent((ev) => {
    if (ev.event === 'status') return; // UI-only: not part of the headless contract
    process.stdout.write(toJsonLine(ev));
  });
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let quitting = false;
  for await (const line of lines) {
    if (!line.trim()) continue;
    const cmd = parseCommand(line);
    if (typeof cmd === 'string') {
      process.stdout.write(toJsonLine({ event: 'error', code: 'BAD_COMMAND', message: cmd }));
      continue;
    }
    if (cmd.cmd === 'quit') {
      quitting = true;
      break;
    }
    client.command(cmd);
  }
  if (!quitting) await client.drain();
  await client.shutdown();
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;

/** Validates one line; returns the command or a message saying what is wrong with it. */
export function parseCommand(line: string): ClientCommand | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON: expected one object per line, e.g. {"cmd":"peers"}';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a command must be a JSON object';
  const c = value as Record<string, unknown>;
  switch (c.cmd) {
    case 'peers':
    case 'stats':
    case 'quit':
      return { cmd: c.cmd };
    case 'connect':
      if (isStr(c.peer)) return { cmd: 'connect', peer: c.peer };
      if (isStr(c.addr)) return { cmd: 'connect', addr: c.addr };
      return 'connect needs "peer" (name or id) or "addr" ("host:port")';
    case 'send':
      if (!isStr(c.peer) || typeof c.text !== 'string') return 'send needs "peer" and "text"';
      return { cmd: 'send', peer: c.peer, text: c.text, ref: c.ref };
    case 'trust-server':
      return isStr(c.addr) ? { cmd: 'trust-server', addr: c.addr } : 'trust-server needs "addr": "host:port"';
    case 'verify':
    case 'whois':
      if (!isStr(c.peer)) return `${c.cmd} needs "peer"`;
      return { cmd: c.cmd, peer: c.peer };
    case 'nick':
      if (!isStr(c.name)) return 'nick needs "name"';
      return { cmd: 'nick', name: c.name };
    case 'history': {
      if (!isStr(c.peer)) return 'history needs "peer" (name or id)';
      if (c.limit !== undefined && !isCount(c.limit)) return 'history "limit" must be a positive integer';
      if (c.before !== undefined && !isStr(c.before)) return 'history "before" must be a msgId';
      return { cmd: 'history', peer: c.peer, ...(c.limit !== undefined ? { limit: c.limit as number } : {}), ...(c.before !== undefined ? { before: c.before as string } : {}) };
    }
    case 'search':
      if (!isStr(c.text)) return 'search needs "text"';
      if (c.limit !== undefined && !isCount(c.limit)) return 'search "limit" must be a positive integer';
      return { cmd: 'search', text: c.text, ...(c.limit !== undefined ? { limit: c.limit as number } : {}) };
    case 'contacts':
      return { cmd: 'contacts' };
    case 'read':
      if (!isStr(c.peer)) return 'read needs "peer"';
      return { cmd: 'read', peer: c.peer };
    default:
      return `unknown command ${JSON.stringify(c.cmd)}; known: peers, connect, send, history, search, contacts, read, nick, whois, verify, trust-server, stats, quit`;
  }
}
