#!/usr/bin/env node
/**
 * The `sealdrop` command as installed (package.json "bin", bundled into
 * dist/scripts/sealdrop.cjs by scripts/build-cli.ts): runs the CLI bundle
 * beside it with the code cache the build trained (scripts/code-cache.ts),
 * so that a short command does not spend its start-up compiling.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_FILE, CACHE_FILE, compileBundle } from './code-cache.js';

const here = path.dirname(fileURLToPath(import.meta.url));
compileBundle(path.join(here, BUNDLE_FILE), path.join(here, CACHE_FILE)).run();
