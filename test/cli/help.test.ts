/**
 * Help and version: every group and command answers `--help` (and
 * `sealdrop help ...`) with exit 0, and every usage line names every option
 * its command accepts, checked against the option list the same help prints
 * (which is generated from the parser's own table).
 */
import { readFile } from 'node:fs/promises';
import { usageLine, type CommandSpec } from '../../scripts/cli/args.js';
import { COMMANDS, groupCommands } from '../../scripts/cli/main.js';
import { sealdrop } from './support.js';

const GROUPS = ['root', 'editor', 'manifest', 'source'];

describe('sealdrop help', () => {
  it.each(GROUPS)('lists the commands of "%s" with --help, -h and help, exit 0', async (group) => {
    const names = groupCommands(group);
    expect(names.length).toBeGreaterThan(0);
    for (const argv of [
      [group, '--help'],
      [group, '-h'],
      ['help', group],
    ]) {
      const result = await sealdrop(argv);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout.startsWith(`usage: sealdrop ${group} COMMAND`)).toBe(true);
      for (const name of names) expect(result.stdout).toContain(`  ${name}  `);
    }
    const bare = await sealdrop([group]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain(names[0]);
  });

  it('answers `sealdrop help COMMAND` as `COMMAND --help`', async () => {
    for (const name of ['decrypt', 'manifest sign']) {
      const viaHelp = await sealdrop(['help', ...name.split(' ')]);
      const direct = await sealdrop([...name.split(' '), '--help']);
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.stdout).toBe(direct.stdout);
      expect(viaHelp.stdout.startsWith(`usage: sealdrop ${name} `)).toBe(true);
    }
    const unknown = await sealdrop(['help', 'frobnicate']);
    expect(unknown.code).toBe(2);
  });

  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const result = await sealdrop(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `sealdrop ${version}\n`, stderr: '' });
  });

  it.each(Object.keys(COMMANDS))('"%s": the usage line names every option the command accepts', async (name) => {
    const result = await sealdrop([...name.split(' '), '--help']);
    expect(result.code).toBe(0);
    const [usage, ...rest] = result.stdout.split('\n');
    const options = rest
      .filter((line) => /^ {2}--[a-z]/.test(line))
      .map((line) => line.trim().split(' ')[0]!)
      .filter((option) => option !== '--help');
    const usageOptions = new Set(usage!.match(/--[a-z0-9-]+/g) ?? []);
    expect(options.filter((option) => !usageOptions.has(option))).toEqual([]);
    // And the other way round: the usage line offers nothing the parser would refuse.
    expect([...usageOptions].filter((option) => !options.includes(option))).toEqual([]);
  });

  it('completes a usage line with the options it omits, before the positional arguments', () => {
    const spec: CommandSpec = {
      name: 'example',
      summary: 'an example',
      usage: '--server URL [--all] OUTBOX...',
      options: {
        server: { type: 'string', value: 'URL', description: 'where' },
        all: { type: 'boolean', description: 'everything' },
        proxy: { type: 'string', value: 'URL', description: 'through' },
        quiet: { type: 'boolean', description: 'say less' },
        knob: { type: 'string', value: 'N', description: 'tests only', hidden: true },
      },
      positionals: true,
    };
    expect(usageLine(spec)).toBe('--server URL [--all] [--proxy URL] [--quiet] OUTBOX...');
    expect(usageLine({ ...spec, usage: '[--valid-days N | --server URL] FILE' })).toBe(
      '[--valid-days N | --server URL] [--all] [--proxy URL] [--quiet] FILE',
    );
    expect(usageLine({ ...spec, usage: 'OUTBOX...' })).toBe('[--server URL] [--all] [--proxy URL] [--quiet] OUTBOX...');
  });
});
