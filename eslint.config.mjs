import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const DEEP = ['@cityops/*/*', '**/packages/*/src/**', '**/apps/*/src/**'];
const APPS = [
  'aggregator',
  'alert-desk',
  'console',
  'dashboard',
  'detector',
  'gateway',
  'ingest-app',
  'launcher',
  'simulator',
];
const MAY_IMPORT = {
  launcher: APPS,
  gateway: ['dashboard', 'console', 'alert-desk', 'aggregator'],
};
const APP_DIRS = { 'ingest-app': 'ingest' };

function directionRules() {
  const restrict = (allowed) => {
    const forbidden = APPS.filter((a) => !allowed.includes(a)).map((a) => `@cityops/${a}`);
    return {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...DEEP.map((group) => ({ group: [group], message: 'import a package by its root name only' })),
            ...(forbidden.length > 0
              ? [
                  {
                    group: forbidden,
                    message: 'dependency direction: this may not import that app (eslint.config.mjs)',
                  },
                ]
              : []),
          ],
        },
      ],
    };
  };
  return [
    { files: ['packages/**'], rules: restrict([]) },
    ...APPS.map((app) => ({
      files: [`apps/${APP_DIRS[app] ?? app}/**`],
      rules: restrict([app, ...(MAY_IMPORT[app] ?? [])]),
    })),
    // an app's tests and benches may drive other apps (the simulator as a data source, a real ingest app)
    {
      files: [
        'apps/**/*.test.ts',
        'apps/**/*.itest.ts',
        'apps/**/*.btest.ts',
        'apps/**/*.bench.ts',
        'apps/*/src/test/**',
      ],
      rules: restrict(APPS),
    },
  ];
}

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '.infra/**', 'artifacts/**', '**/.turbo/**', 'infra/kafka/target/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // packages are imported by their root name only, never a deep path into another package
      'no-restricted-imports': ['error', { patterns: ['@cityops/*/*', '**/packages/*/src/**', '**/apps/*/src/**'] }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Name what a module exports; no export *.' },
      ],
    },
  },
  // Dependency directions: packages never import an app; an app imports packages, and another app only
  // where the composition says so (the launcher wires every app; the gateway serves the dashboard's and
  // console's files, talks to the alert desk through its client, and runs the aggregator's stages for
  // replays, decision 008). Anything else is a new edge: make it a package, or write down why.
  ...directionRules(),
  {
    files: ['apps/dashboard/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
