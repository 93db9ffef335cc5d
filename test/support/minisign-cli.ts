/** Drives the real `minisign` binary (0.11) for interoperability tests, with a scratch directory for its files. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run minisign with arguments; `input` goes to stdin (it reads passphrases there). */
export function minisign(args: string[], input = ''): CliResult {
  const result = spawnSync('minisign', args, { input, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A scratch directory with helpers to write and read files in it. It is
 * created on first use, so suites whose file-based tests are skipped (no
 * minisign, or the browser run) never touch the file system.
 */
export class Scratch {
  #dir: string | undefined;

  get dir(): string {
    this.#dir ??= mkdtempSync(join(tmpdir(), 'sealdrop-minisign-'));
    return this.#dir;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, content: string | Uint8Array): string {
    const path = this.path(name);
    writeFileSync(path, content);
    return path;
  }

  read(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }

  readBytes(name: string): Uint8Array {
    return new Uint8Array(readFileSync(this.path(name)));
  }

  remove(): void {
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}
