// Dev-only: `npx tsx test/ui/run-fake.ts` runs the UI against the scripted FakeClient.
import { runUi } from '../../client/ui/app.ts';
import { FakeClient } from './fake-client.ts';

const fake = new FakeClient();
await runUi(fake, { name: 'alice', id: 'a11ce0a11ce0ffff' });
process.stdout.write('natter ui: bye\n');
process.exit(0);
