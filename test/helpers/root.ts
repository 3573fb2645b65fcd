// The repository root, for tests and scripts that spawn processes or read files by path.
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
