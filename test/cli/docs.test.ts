/**
 * docs/CLI.md documents every command the dispatcher knows: a command added
 * to main.ts without its section fails here.
 */
import { readFile } from 'node:fs/promises';
import { COMMANDS } from '../../scripts/cli/main.js';

describe('docs/CLI.md', () => {
  it('has a section or table row for every command', async () => {
    const docs = await readFile(new URL('../../docs/CLI.md', import.meta.url), 'utf8');
    const missing = Object.keys(COMMANDS).filter(
      (name) => !docs.includes(`### \`sealdrop ${name}`) && !docs.includes(`| \`${name}`),
    );
    expect(missing).toEqual([]);
  });
});
