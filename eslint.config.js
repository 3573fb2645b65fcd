// Lint: typescript-eslint's recommended rules, plus the project's one-way import rule
// (src/ never imports client/ or discovery/; only client/ui/ imports blessed).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'bench/results*.json'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/client/**', '**/discovery/**', 'blessed'] }],
    },
  },
  {
    files: ['discovery/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/client/**', 'blessed'] }] },
  },
  {
    files: ['client/**/*.ts'],
    ignores: ['client/ui/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/discovery/**', 'blessed'] }] },
  },
);
