/** `node --import ./use-sodium-cjs.js`: installs {@link ./sodium-cjs-hooks.ts}. */
import { register } from 'node:module';

register('./sodium-cjs-hooks.js', import.meta.url);
