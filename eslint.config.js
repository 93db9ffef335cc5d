// typescript-eslint's strict, type-checked rule set over all TypeScript
// sources, and the rules that keep the protocol core (client/core/) pure.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * What a core module may import: its siblings and the core's runtime
 * libraries. The core is one flat folder, so `../` always leaves it (into
 * the browser app, the Node adapters in client/core-node/, the server or the
 * scripts). Type-only imports count too.
 */
const CORE_IMPORTS_ALLOWED = String.raw`^(\./[^/]+$|libsodium-wrappers$|@noble/|@scure/)`;

/** Globals the core must not touch: the DOM's, Node's, I/O and timers, and the escape hatch to all of them. */
const CORE_FORBIDDEN_GLOBALS = [
  // Reach every global below by name.
  'globalThis',
  'eval',
  'Function',
  // Node.
  'Buffer',
  'process',
  'require',
  'module',
  'exports',
  'global',
  '__dirname',
  '__filename',
  'setImmediate',
  'clearImmediate',
  // Browser pages and workers.
  'window',
  'self',
  'document',
  'navigator',
  'location',
  'localStorage',
  'sessionStorage',
  'indexedDB',
  'caches',
  'postMessage',
  'addEventListener',
  'removeEventListener',
  'dispatchEvent',
  'importScripts',
  'Worker',
  'alert',
  'Blob',
  'File',
  'FileReader',
  // I/O and time: the shells do these, the core is handed the results.
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'console',
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
  'requestAnimationFrame',
  'performance',
  'crypto',
].map((name) => ({
  name,
  message: 'client/core/ is pure: no DOM, Node or I/O globals. Take what you need as a parameter from the shell.',
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'demo/', 'test-output/', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Byte-level code indexes typed arrays in bounds-checked loops; `!` there is deliberate.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['client/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!${CORE_IMPORTS_ALLOWED.slice(1)})`,
              message:
                'client/core/ may import only its own modules (./x.js), libsodium-wrappers, @noble/* and @scure/*: ' +
                'no Node built-ins, no server or app code, no client/core-node/.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...CORE_FORBIDDEN_GLOBALS],
      // A dynamic import() escapes no-restricted-imports.
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportExpression', message: 'client/core/ imports statically, so the purity rule can see it.' },
        // `declare const process: ...` would hide a global from both this lint and tsconfig.pure.json.
        {
          selector: 'VariableDeclaration[declare=true], TSDeclareFunction, TSModuleDeclaration',
          message: 'client/core/ declares no ambient globals: its platform is client/core/platform.d.ts.',
        },
      ],
    },
  },
  {
    // The core's platform declarations belong to client/core/tsconfig.pure.json only.
    files: ['client/core/platform.d.ts'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'no-restricted-syntax': 'off' },
  },
);
