// Jest runs the TypeScript sources as native ES modules (node --experimental-vm-modules):
// the project is ESM because @scure/bip39, age-encryption and cctv-age ship only ESM.
/** @type {import('jest').Config} */
export default {
  testEnvironment: '<rootDir>/test/support/node-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // Sources import './x.js' as Node ESM requires; jest resolves the .ts file.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The CommonJS build of libsodium carries the pure-JS fallback that runs
    // without WebAssembly; its ESM build is WebAssembly-only. Tests use the
    // former so the same suites also run under `node --jitless`.
    '^libsodium-wrappers$': '<rootDir>/node_modules/libsodium-wrappers/dist/modules/libsodium-wrappers.js',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testTimeout: 60000,
};
