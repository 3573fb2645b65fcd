// Dev-only: `npx tsx test/ui/run-fake.ts` runs the UI against the scripted FakeClient.
// FAKE_MAX_LINES sets the lines kept per conversation at the bottom (far pages dropped);
// FAKE_BELL=off is `--bell off`.
import { runUi } from '../../client/ui/app.ts';
import { FakeClient } from './fake-client.ts';

const fake = new FakeClient();
const maxLines = Number(process.env.FAKE_MAX_LINES) || undefined;
await runUi(fake, { name: 'alice', id: 'a11ce0a11ce0ffff', bell: process.env.FAKE_BELL !== 'off', ...(maxLines ? { maxLines } : {}) });
process.stdout.write('natter ui: bye\n');
process.exit(0);
