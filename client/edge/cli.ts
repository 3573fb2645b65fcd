// `npm run client -- [--name NAME] [--servers host:port,...] [--port P] [--headless]`
// Parses flags (bad ones: a clear message and exit 2), starts the client, then either the
// blessed UI or headless JSON-lines mode.

import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { DEFAULT_DISCOVERY_PORTS } from '../../src/constants.ts';
import { NatterError } from '../../src/errors.ts';
import { checkName } from '../../src/names.ts';
import { lockIdentityWaiting } from '../../src/store/identity-lock.ts';
import { timingsFromEnv } from '../../src/net/env-timings.ts';
import { ChatClient } from './client.ts';
import { runHeadless } from './headless.ts';
import { defaultIdentityPath, isMissing, loadOrCreateIdentity } from '../../src/store/identity-file.ts';
import { KnownPeersFile, defaultKnownPeersPath } from '../../src/store/known-peers.ts';
import { ServerPinsFile, defaultServerPinsPath } from '../../src/store/server-pins.ts';
import { ServerPins } from '../core/server-pins.ts';
import { parsePinnedAddress, parseServerList } from './server-list.ts';
import { PinnedKeys } from '../core/pinned-keys.ts';
import { defaultDataDir, exportHistory, startRetention } from '../../src/store/history/history-store.ts';
import { openClientHistory } from './history-open.ts';

const DEFAULT_SERVERS = DEFAULT_DISCOVERY_PORTS.map((p) => `127.0.0.1:${p}`).join(',');
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const USAGE = `usage: npm run client -- [options]
  --name NAME           your name as peers see it (default: your login name)
  --servers LIST        discovery servers, host:port[#KEY],... (default: env NATTER_SERVERS or ${DEFAULT_SERVERS});
                        KEY: the server's public key as it prints it; without one, the key is pinned on first contact
  --port P              local UDP port (default: random)
  --identity PATH       your key file (default: ~/.config/natter/NAME.key, created on first run;
                        a missing default key is refused while contacts know it)
  --data DIR            where your history lives, one SQLite file per identity
                        (default $XDG_DATA_HOME/natter, else ~/.local/share/natter)
  --keep-days N         delete messages older than N days (default: keep everything;
                        queued messages are never deleted)
  --export FILE         write your whole history to FILE as JSON lines, then exit
  --headless            JSON lines on stdin/stdout instead of the terminal UI
  --no-report           tell the servers nothing about your paths (by default: your NAT type, and per
                        peer whether the path is direct, relayed through which server, or failed and why)
  --help                this text`;

function fail(message: string): never {
  process.stderr.write(`natter: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        name: { type: 'string' },
        servers: { type: 'string' },
        port: { type: 'string' },
        identity: { type: 'string' },
        data: { type: 'string' },
        'keep-days': { type: 'string' },
        export: { type: 'string' },
        headless: { type: 'boolean', default: false },
        'no-report': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return fail((err as Error).message);
  }
}

function defaultName(): string {
  try {
    return userInfo().username.slice(0, 32) || 'anon';
  } catch {
    return 'anon';
  }
}

async function main(): Promise<void> {
  const flags = parseFlags();
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const checked = checkName(flags.name ?? defaultName());
  if (!checked.ok) fail(`--name ${JSON.stringify(flags.name ?? defaultName())}: ${checked.reason}`);
  const name = checked.name;
  let servers;
  let serverKeys;
  try {
    ({ servers, keys: serverKeys } = parseServerList(flags.servers ?? process.env.NATTER_SERVERS ?? DEFAULT_SERVERS));
  } catch (err) {
    fail(`--servers: ${(err as Error).message}`);
  }
  const port = flags.port === undefined ? 0 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port "${flags.port}" is not a port number (0-65535)`);

  const known = KnownPeersFile.open(defaultKnownPeersPath(name));
  if (!known.ok) fail(known.message);
  const keyPath = flags.identity ?? defaultIdentityPath(name);
  if (flags.identity === undefined && known.pins.length > 0 && isMissing(keyPath)) {
    // Contacts know this name by its key: a silently new key would make this a stranger to all of them.
    fail(`your key file ${keyPath} is missing, but ${known.pins.length} contact(s) know you by it (${known.file.path}); ` +
      `restore the key file, or start a new identity on purpose with --identity PATH`);
  }
  const loaded = loadOrCreateIdentity(keyPath);
  if (!loaded.ok) fail(`${loaded.message} (${loaded.path})`);
  const identity = loaded.identity;
  // One process per identity; the lock dies with its process, so kill -9 and restart works.
  const lock = await lockIdentityWaiting(`${loaded.path}.lock`);
  if (!lock.ok) fail(lock.message);
  process.once('exit', lock.release);
  if (loaded.created) process.stderr.write(`natter: created your identity key ${loaded.path} (fingerprint ${identity.fingerprint})\n`);
  const dataDir = flags.data ?? defaultDataDir();
  const keepDays = flags['keep-days'] === undefined ? undefined : Number(flags['keep-days']);
  if (keepDays !== undefined && (!Number.isFinite(keepDays) || keepDays <= 0)) fail(`--keep-days "${flags['keep-days']}" is not a number of days (> 0)`);
  const history = openClientHistory(dataDir, { id: identity.id, name });
  if ('error' in history) fail(`history: ${history.error}`);
  if (flags.export !== undefined) {
    const written = exportHistory(history.store, flags.export);
    if (!written.ok) fail(`--export: ${written.message}`);
    process.stderr.write(`natter: wrote ${written.count} message(s) to ${flags.export}\n`);
    history.store.close();
    process.exit(0);
  }
  const serverPinsFile = ServerPinsFile.open(defaultServerPinsPath(name));
  if (!serverPinsFile.ok) fail(serverPinsFile.message);
  let client: ChatClient;
  try {
    const pins = new PinnedKeys(known.pins);
    const serverPins = new ServerPins(serverPinsFile.pins, parsePinnedAddress);
    client = await ChatClient.start({
      identity, name, servers, port, pins, knownPeersFile: known.file, serverKeys, serverPins, serverPinsFile: serverPinsFile.file, timings: timingsFromEnv(),
      history: history.store, historyCheck: history.check, report: !flags['no-report'],
    });
  } catch (err) {
    if (err instanceof NatterError) fail(err.message);
    throw err;
  }
  if (history.warning) client.reportWarning('HISTORY_DAMAGED', history.warning);
  if (keepDays !== undefined) startRetention(() => client.historyStore() ?? history.store, keepDays);
  warnIfNoServerAnswers(client, servers.length, flags.headless);
  // Until the UI takes over, a signal says goodbye and exits; in UI mode the UI's own handler
  // owns shutdown (one handler), so the terminal is restored before the process exits.
  const onSignal = (): void => {
    client
      .shutdown()
      .catch((err: unknown) => process.stderr.write(`natter: ${(err as Error).message}\n`))
      .finally(() => process.exit(0));
  };
  for (const sig of SIGNALS) process.once(sig, onSignal);
  if (flags.headless) {
    await runHeadless(client);
  } else {
    const { runUi } = await import('../ui/app.ts');
    for (const sig of SIGNALS) process.removeListener(sig, onSignal);
    await runUi(client, { name, id: identity.id });
  }
  process.exit(0);
}

/** A missing server is not fatal (another may answer later), but a person should know. */
function warnIfNoServerAnswers(client: ChatClient, count: number, headless: boolean): void {
  let ready = false;
  client.onEvent((ev) => {
    if (ev.event === 'ready') ready = true;
  });
  setTimeout(() => {
    if (ready) return;
    const message = `none of the ${count} discovery servers answered yet; still trying (is \`npm run discovery:all\` running?)`;
    // Headless keeps stdout for the JSON contract; the UI shows it in the conversation pane instead of over the screen.
    if (headless) process.stderr.write(`natter: ${message}\n`);
    else client.reportError('SERVER_UNREACHABLE', message);
  }, 3_000).unref();
}

main().catch((err: unknown) => {
  process.stderr.write(`natter: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
