/**
 * The docs against the code: docs/CLI.md documents every command the
 * dispatcher knows, and the sample outputs and recipes it and docs/KEYS.md
 * show are what the commands and the standard tools really do.
 */
import { spawnSync } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadSodium } from '../../client/core/sodium.js';
import { COMMANDS, groupOverview } from '../../scripts/cli/main.js';
import { requireTools } from '../support/required-tools.js';
import { PASSPHRASE, makeEditorKeys, makeRoot, sealdrop, sealdropOk, tempDir, writeSubmission } from './support.js';

const withRecoveryTools = requireTools(['age', 'minisign', 'tar', 'script'], "docs/KEYS.md's recovery recipe");

async function doc(name: string): Promise<string> {
  return readFile(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
}

/**
 * The indented code block that follows `marker` in `text`, without its
 * indent (that of its first line: 4 spaces, more inside a list item); blank
 * lines inside it are kept.
 */
function blockAfter(text: string, marker: string): string[] {
  const start = text.indexOf(marker);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = text.slice(start + marker.length).split('\n');
  const first = lines.findIndex((line) => line.startsWith('    '));
  const indent = /^ */.exec(lines[first]!)![0];
  const block: string[] = [];
  for (const line of lines.slice(first)) {
    if (line.startsWith(indent)) block.push(line.slice(indent.length));
    else if (line.trim() === '') block.push('');
    else break;
  }
  while (block.at(-1) === '') block.pop();
  return block;
}

/**
 * A line of decrypt's summary with what differs from run to run made
 * generic: paths, recipients, sizes, conversation labels, counts. The rest,
 * spacing included, must be as printed.
 */
const shape = (line: string): string =>
  line
    .replace(/age1[0-9a-z…]*/g, 'RECIPIENT')
    .replace(/\S*\/\S*/g, 'PATH')
    .replace(/\b[0-9.]+ (B|KiB|MiB)\b/g, 'SIZE')
    .replace(/\b[0-9a-z]{4}-[0-9a-z]{4}\b/g, 'LABEL')
    .replace(/files: [0-9]+/, 'files: N');

function expectSampleMatches(sample: readonly string[], real: string): void {
  const printed = new Set(real.split('\n').map(shape));
  const unmatched = sample.filter((line) => !printed.has(shape(line)));
  expect({ unmatched, real }).toEqual({ unmatched: [], real });
}

describe('docs/CLI.md', () => {
  it('has a section or table row for every command', async () => {
    const docs = await doc('CLI.md');
    const missing = Object.keys(COMMANDS).filter(
      (name) => !docs.includes(`### \`sealdrop ${name}`) && !docs.includes(`| \`${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('shows the group help as `sealdrop manifest --help` prints it', async () => {
    const sample = blockAfter(await doc('CLI.md'), '`sealdrop manifest --help` prints:');
    expect(`${sample.join('\n')}\n`).toBe(groupOverview('manifest'));
  });

  it("shows decrypt's summary lines as decrypt prints them", async () => {
    await loadSodium();
    const dir = await tempDir();
    try {
      const alice = await makeEditorKeys(dir, 'Alice');
      const input = path.join(dir, 'tip.age');
      await writeSubmission(
        [alice.recipient],
        {
          message: 'first non-empty line\nsecond line\nthird line',
          files: [
            { name: '보고서 최종.pdf', type: 'application/pdf', size: 3, data: [new Uint8Array([1, 2, 3])] },
            { name: 'photo.jpg', type: 'image/jpeg', size: 1, data: [new Uint8Array([4])] },
          ],
          reply: { recipient: alice.recipient, mailbox: '0123456789abcdef0123456789abcdef' },
        },
        input,
      );
      const result = await sealdropOk([
        'decrypt',
        '--identity',
        alice.identity,
        '--out',
        path.join(dir, 'read'),
        input,
      ]);
      const sample = blockAfter(await doc('CLI.md'), 'For each submission, stdout shows:');
      expect(sample).toHaveLength(11);
      expectSampleMatches(sample, result.stdout);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows the proxy errors as the commands print them', async () => {
    const docs = await doc('CLI.md');
    const refused = await sealdrop([
      'replies',
      '--server',
      'http://example.onion/',
      '--access-key',
      'none.age',
      '--proxy',
      'socks5://127.0.0.1:9050',
      '0123456789abcdef0123456789abcdef',
    ]);
    // Compared with the docs' line wrapping undone.
    expect(docs.replace(/\s+/g, ' ')).toContain(`\`${refused.stderr.trim()}\``);
  });

  it('shows what --version prints', async () => {
    const docs = await doc('CLI.md');
    const printed = (await sealdropOk(['--version'])).stdout.trim();
    expect(docs).toContain(`\`sealdrop --version\` prints\n  \`${printed}\``);
  });
});

describe("docs/KEYS.md's recovery with standard tools only", () => {
  it('never writes the identity in the clear', async () => {
    const recipe = blockAfter(await doc('KEYS.md'), '## Recovery with standard tools only');
    expect(recipe.join('\n')).not.toMatch(/age -d -o|-identity\.txt/);
    expect(recipe.join('\n')).toContain('age -d -i alice-identity.age ');
  });

  withRecoveryTools.it('runs as written with age, tar and minisign', async () => {
    await loadSodium();
    const dir = await tempDir();
    try {
      const root = await makeRoot(dir);
      await makeEditorKeys(dir, 'Alice');
      await sealdropOk(['manifest', 'add', '--root-pub', root.pub, '--editor', 'alice.pub.json'], { cwd: dir });
      await sealdropOk(['manifest', 'sign', '--root-key', root.key], { cwd: dir });
      const { recipient } = JSON.parse(await readFile(path.join(dir, 'alice.pub.json'), 'utf8')) as {
        recipient: string;
      };
      const recipe = blockAfter(await doc('KEYS.md'), '## Recovery with standard tools only');
      const commands = recipe.filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
      // The submission under the very name the recipe uses.
      const submissionName = /age -d -i \S+ (\S+\.age)/.exec(commands.join('\n'))![1]!;
      await writeSubmission([recipient], { message: 'recovered', files: [] }, path.join(dir, submissionName));
      for (const command of commands) {
        // On a pty, as a person types: age asks for the identity file's passphrase there.
        const ran = spawnSync('script', ['-qec', command, '/dev/null'], {
          cwd: dir,
          input: `${PASSPHRASE}\n`,
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect({ command, status: ran.status, output: ran.stdout }).toMatchObject({ command, status: 0 });
      }
      expect(await readFile(path.join(dir, 'message.txt'), 'utf8')).toBe('recovered');
      expect((await stat(path.join(dir, 'submission.json'))).isFile()).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
