/**
 * docs/OPERATIONS.md's torrc is a claim about what tor accepts: run the
 * documented block through the real `tor --verify-config` (Debian 12 ships
 * tor 0.4.9, with the proof-of-work module), with its onion-service folders
 * moved into a temporary directory. A misspelt or abbreviated option, or one
 * this tor does not know, fails here rather than on a newsroom's server.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { requireTools } from '../support/required-tools.js';

const run = promisify(execFile);
const TOR = '/usr/sbin/tor';
const { describe, test } = requireTools([TOR], "tor's check of the documented torrc");

/** The fenced block that follows the line naming `/etc/tor/torrc`. */
async function documentedTorrc(): Promise<string> {
  const docs = await readFile(new URL('../../docs/OPERATIONS.md', import.meta.url), 'utf8');
  const match = /`\/etc\/tor\/torrc`:\n\n```\n([\s\S]*?)```/.exec(docs);
  if (match?.[1] === undefined) throw new Error('docs/OPERATIONS.md has no torrc block');
  return match[1];
}

/** tor's verdict on `torrc`, with every HiddenServiceDir moved under `scratch`. */
async function verify(torrc: string, scratch: string): Promise<{ valid: boolean; warnings: string[] }> {
  let services = 0;
  const relocated = await Promise.all(
    torrc.split('\n').map(async (line) => {
      if (!line.startsWith('HiddenServiceDir ')) return line;
      const directory = path.join(scratch, `service-${String((services += 1))}`);
      await mkdir(directory, { mode: 0o700 });
      return `HiddenServiceDir ${directory}/`;
    }),
  );
  const file = path.join(scratch, 'torrc');
  await writeFile(file, relocated.join('\n'));
  const data = path.join(scratch, 'data');
  await mkdir(data, { mode: 0o700 });
  const result = await run(TOR, ['--verify-config', '-f', file, '--DataDirectory', data]).catch(
    // tor exits non-zero for an invalid file: its verdict is on stdout all the same.
    (error: unknown) => ({ stdout: (error as { stdout?: string }).stdout ?? '' }),
  );
  const lines = result.stdout.split('\n');
  return {
    valid: lines.includes('Configuration was valid'),
    // tor's warning about running as root (CI runs as root) is not about the file.
    warnings: lines.filter((line) => line.includes('[warn]') && !line.includes('running Tor as root')),
  };
}

describe('the torrc in docs/OPERATIONS.md', () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'sealdrop-torrc-'));
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('is valid for tor and draws no warning', async () => {
    const torrc = await documentedTorrc();
    expect(torrc).toMatch(/^HiddenServicePoWDefensesEnabled 1$/m);
    expect(torrc).toMatch(/^HiddenServiceMaxStreams [1-9][0-9]*$/m);
    expect(await verify(torrc, scratch)).toEqual({ valid: true, warnings: [] });
  });

  test('the check can fail: an unknown option is refused', async () => {
    const torrc = `${await documentedTorrc()}HiddenServiceNoSuchOption 1\n`;
    expect((await verify(torrc, scratch)).valid).toBe(false);
  });
});
