// People for tests of history and delivery: a name, a HOME of their own and a data directory
// for their SQLite history, so a person can quit, be killed and start again as themselves.

import { join } from 'node:path';
import { tempHome } from './processes.ts';

export interface Person {
  name: string;
  home: string;
  /** The --data directory (default: HOME/data). */
  data: string;
}

export function person(name: string, data?: string): Person {
  const home = tempHome();
  return { name, home, data: data ?? join(home, 'data') };
}

/** The person's history file: DATA/<identity id>.sqlite3. */
export const historyFileOf = (p: Person, id: string): string => join(p.data, `${id}.sqlite3`);
