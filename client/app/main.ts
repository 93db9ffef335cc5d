/**
 * The page bundle's entry point (scripts/build-client.ts bundles this file
 * into main.js): starts the source's page. Everything else is importable
 * without side effects, so the controller can be tested on its own.
 */
import { startPage } from './page.js';

startPage();
