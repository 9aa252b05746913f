import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'

// The layer map of ../shared/ARCHITECTURE.md, enforced: each folder of src/ lists the folders it may import;
// anything else (an upward import, a new cycle, a vendor reaching into the other vendor) fails lint.
// `errors.ts` at the bottom may be imported by every layer.
const MAY_IMPORT = {
  commands: ['app', 'cli', 'pipeline', 'sources', 'matching', 'config', 'domain', 'http'],
  cli: ['app', 'pipeline', 'sources', 'matching', 'config', 'domain', 'http'],
  app: [
    'pipeline',
    'sources',
    'listener',
    'matching',
    'rules',
    'aircall',
    'intercom',
    'http',
    'store',
    'phone',
    'templates',
    'config',
    'domain',
  ],
  pipeline: [
    'sources',
    'matching',
    'rules',
    'aircall',
    'intercom',
    'http',
    'store',
    'phone',
    'templates',
    'config',
    'domain',
  ],
  sources: ['aircall', 'domain'],
  listener: ['rules', 'aircall', 'intercom', 'http', 'store', 'phone', 'config', 'domain'],
  matching: ['aircall', 'intercom', 'http', 'store', 'phone', 'config', 'domain'],
  rules: ['phone', 'config', 'domain'],
  aircall: ['http', 'domain'],
  intercom: ['http', 'domain'],
  http: [],
  store: [],
  phone: [],
  templates: ['phone'],
  // config reads a state location (an SQLite path or a postgres:// URL) with the store's own URL rules.
  config: ['templates', 'phone', 'store'],
  domain: [],
  hooks: ['config'],
}
const FOLDERS = Object.keys(MAY_IMPORT)
// The emulators are a workspace package (packages/emulators) that only the sandbox and demo services may start.
const EMULATORS = '@aircall-intercom/emulators'
const EMULATOR_USERS = ['src/app/sandbox-service.ts', 'src/app/demo.ts']
const emulatorsPattern = {
  regex: `^${EMULATORS}(/|$)`,
  message: `only ${EMULATOR_USERS.join(' and ')} start the emulators: the product never depends on its test bed`,
}
// An import string is resolved by the importing file's depth below its folder: `../` from src/app/console/
// is src/app/, so each depth gets its own pattern (the exact number of `../` that reaches src/).
const MAX_DEPTH = 3
const layerRule = (folder, depth, emulators = false) => {
  const allowed = new Set([folder, ...MAY_IMPORT[folder]])
  const forbidden = FOLDERS.filter((name) => !allowed.has(name))
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^(\\.\\./){${depth + 1}}(${forbidden.join('|')})(/|\\.js$)`,
            message: `src/${folder}/ may import only ${MAY_IMPORT[folder].join(', ') || 'nothing of src/ but errors.ts'} (the layer map in eslint.config.js)`,
          },
          ...(emulators ? [] : [emulatorsPattern]),
        ],
      },
    ],
  }
}
// The package imports nothing of the product: no relative path out of its src/, no import of the CLI.
const emulatorPackageRule = (depth) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          regex: `^((\\.\\./){${depth + 1},}|aircall-intercom(/|$))`,
          message:
            'packages/emulators imports nothing of the product (ARCHITECTURE.md: emulators as their own package)',
        },
      ],
    },
  ],
})
const filesAtDepth = (folder, depth) => `src/${folder}/${'*/'.repeat(depth)}*.ts`
const depths = [...Array(MAX_DEPTH + 1).keys()]
const layerConfigs = [
  ...FOLDERS.flatMap((folder) =>
    depths.map((depth) => ({
      files: [filesAtDepth(folder, depth)],
      rules: layerRule(folder, depth),
    })),
  ),
  { files: EMULATOR_USERS, rules: layerRule('app', 0, true) },
  ...depths.map((depth) => ({
    files: [`packages/emulators/src/${'*/'.repeat(depth)}*.ts`],
    rules: emulatorPackageRule(depth),
  })),
]

export default tseslint.config(
  {
    ignores: [
      '.tmp/**',
      'bench/.scratch/**',
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test/fixtures/**',
      'packages/*/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/cli/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'packages/emulators/scripts/**/*.ts', 'bin/*.js'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts', 'packages/emulators/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  ...layerConfigs,
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
)
