// Types for node-environment.js (jest loads it as plain JavaScript), so the
// tooling tests can import its filter.
import { TestEnvironment } from 'jest-environment-node';

export function isLibsodiumWasmAbort(reason: unknown): boolean;

export default class SealdropNodeEnvironment extends TestEnvironment {}
