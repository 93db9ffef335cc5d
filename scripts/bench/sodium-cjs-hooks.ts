/**
 * Module resolution hooks that point `libsodium-wrappers` at its CommonJS
 * build. Node resolves the package's ESM build for `import`, and that build is
 * WebAssembly-only; only the CommonJS build carries the pure-JS fallback that
 * runs under `node --jitless` (our stand-in for Tor Browser's Safer level).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

const cjsBuild = pathToFileURL(createRequire(import.meta.url).resolve('libsodium-wrappers')).href;

export function resolve(
  specifier: string,
  context: ResolveContext,
  next: NextResolve,
): Promise<{ url: string; shortCircuit?: boolean }> {
  if (specifier === 'libsodium-wrappers') return Promise.resolve({ url: cjsBuild, shortCircuit: true });
  return next(specifier, context);
}
