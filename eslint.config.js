// Lint: typescript-eslint's recommended rules, plus the project's structural rules.
//
// 1. No import cycles anywhere (import-x/no-cycle): a part never imports the facade that
//    owns it; parts take inputs and return outputs, the facade routes.
// 2. One-way imports: src/ never imports client/ or discovery/; client/ and discovery/
//    never import each other; only client/ui/ imports blessed.
// 3. Sans-IO cores: every file under a core folder (matched by glob, so a new file is
//    covered by itself) may not use timers, the wall clock, files or sockets. Time comes
//    in as `now`, bytes in and out through the engine API; the edge folders (src/net,
//    src/store, client/edge, client/ui, discovery/edge) own the real world.
// test/unit/lint-rules.test.ts plants a violation of each rule and sees it rejected.
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

/** Folders whose files must stay sans-IO. */
export const CORE_FILES = ['src/**/*.ts', 'client/core/**/*.ts', 'discovery/core/**/*.ts', 'discovery/data/**/*.ts'];
/** Edge folders inside src/ (sockets, timers, files): excluded from the core rules. */
export const CORE_EXCEPTIONS = ['src/net/**', 'src/store/**'];

const SRC_ONE_WAY = ['**/client/**', '**/discovery/**', 'blessed'];
const CLIENT_ONE_WAY = ['**/discovery/**', 'blessed'];
const DISCOVERY_ONE_WAY = ['**/client/**', 'blessed'];

const IO_MODULES = [
  'fs', 'node:fs', 'fs/promises', 'node:fs/promises',
  'dgram', 'node:dgram', 'dgram-as-promised',
  'timers', 'node:timers', 'timers/promises', 'node:timers/promises',
  'perf_hooks', 'node:perf_hooks',
];
const IO_MESSAGE = 'core folders are sans-IO: files, sockets and timers belong to an edge folder (src/net, src/store, */edge); pass bytes and `now` in';

/** no-restricted-imports options: one rule entry per file, so each block lists everything. */
function restrictImports(patterns, core) {
  const options = { patterns };
  if (core) options.paths = IO_MODULES.map((name) => ({ name, message: IO_MESSAGE }));
  return ['error', options];
}

const CLOCK_MESSAGE = 'core folders take time as an input (`now`): no timers or wall clock here';
const TIMERS = ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'];

const SANS_IO_RULES = {
  'no-restricted-globals': ['error',
    ...TIMERS.map((name) => ({ name, message: CLOCK_MESSAGE })),
    // the whole object: performance.now() and performance.timeOrigin both read the clock
    { name: 'performance', message: CLOCK_MESSAGE },
  ],
  'no-restricted-properties': ['error',
    { object: 'Date', property: 'now', message: CLOCK_MESSAGE },
    { object: 'process', property: 'hrtime', message: CLOCK_MESSAGE },
    { object: 'process', property: 'env', message: 'core folders take settings as options; the environment is read once at the edge (src/net/env-timings.ts)' },
    ...[...TIMERS, 'performance'].map((property) => ({ object: 'globalThis', property, message: CLOCK_MESSAGE })),
  ],
  'no-restricted-syntax': ['error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: `${CLOCK_MESSAGE} (new Date() reads the clock; new Date(ms) is fine)` },
    { selector: "CallExpression[callee.name='Date']", message: `${CLOCK_MESSAGE} (Date() reads the clock)` },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'bench/results*.json'] },
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      // Our imports name the .ts file itself, so plain Node resolution finds it; the
      // extensions/parsers settings let no-cycle parse the imported .ts files too.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  // One-way imports for every file of each side (edges included) ...
  { files: ['src/**/*.ts'], rules: { 'no-restricted-imports': restrictImports(SRC_ONE_WAY, false) } },
  { files: ['discovery/**/*.ts'], rules: { 'no-restricted-imports': restrictImports(DISCOVERY_ONE_WAY, false) } },
  { files: ['client/**/*.ts'], ignores: ['client/ui/**'], rules: { 'no-restricted-imports': restrictImports(CLIENT_ONE_WAY, false) } },
  { files: ['client/ui/**/*.ts'], rules: { 'no-restricted-imports': restrictImports(['**/discovery/**'], false) } },
  // ... and, for the core folders, the same lists plus the IO modules (a later block's rule
  // entry replaces an earlier one's, so each block repeats its side's one-way patterns).
  { files: ['src/**/*.ts'], ignores: CORE_EXCEPTIONS, rules: { 'no-restricted-imports': restrictImports(SRC_ONE_WAY, true) } },
  { files: ['client/core/**/*.ts'], rules: { 'no-restricted-imports': restrictImports(CLIENT_ONE_WAY, true) } },
  { files: ['discovery/core/**/*.ts', 'discovery/data/**/*.ts'], rules: { 'no-restricted-imports': restrictImports(DISCOVERY_ONE_WAY, true) } },
  { files: CORE_FILES, ignores: CORE_EXCEPTIONS, rules: SANS_IO_RULES },
);
