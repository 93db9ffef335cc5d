// Drives Debian's `age` and `age-keygen` binaries for interop tests. The
// binary reads passphrases only from a terminal, so those runs go through
// `script`, which gives it a pty and forwards our stdin to it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Workdir {
  path(name: string): string;
  write(name: string, bytes: Uint8Array | string): string;
  read(name: string): Uint8Array;
  remove(): void;
}

export function makeWorkdir(): Workdir {
  const root = mkdtempSync(join(tmpdir(), 'sealdrop-age-'));
  return {
    path: (name) => join(root, name),
    write: (name, bytes) => {
      writeFileSync(join(root, name), bytes);
      return join(root, name);
    },
    read: (name) => new Uint8Array(readFileSync(join(root, name))),
    remove: () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Run a binary; throws with its stderr if it fails. */
export function run(command: string, args: readonly string[], input?: Uint8Array): Uint8Array {
  const result = spawnSync(command, args, { input, maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} exited ${String(result.status)}: ${result.stderr.toString()}`);
  return new Uint8Array(result.stdout);
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Run `age` with the passphrase typed on its terminal (once per prompt).
 * @returns the exit status (stdout goes to a file via `-o`: the pty mixes streams).
 */
export function runAgeWithPassphrase(args: readonly string[], passphrase: string, prompts = 1): number {
  const command = ['age', ...args].map(shellQuote).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    input: `${passphrase}\n`.repeat(prompts),
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return result.status ?? -1;
}
