/**
 * The compiled `sealdrop` binary as a child process: exit statuses, one-line
 * errors without stack traces, the offline flow with --passphrase-file, and
 * the no-echo terminal prompt (through a pty made by `script`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadSodium } from '../../client/core/sodium.js';
import { deriveSourceKeys, secretToMnemonic } from '../../client/core/source-secret.js';
import { runAgeWithPassphrase } from '../support/age-cli.js';
import { compiledBuild } from '../support/compiled-build.js';
import { nodeWarningsIn } from '../support/node-warnings.js';
import { requireTools } from '../support/required-tools.js';
import { listTree, tempDir, writeSubmission } from './support.js';

const withTerminal = requireTools(['script', 'age'], 'the no-echo passphrase prompt on a pty');

let bin: string;
let dir: string;

beforeAll(async () => {
  await loadSodium();
  bin = await compiledBuild();
  dir = await tempDir();
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  // A Node warning (a leaked handle, a deprecation) must never reach an editor's terminal.
  expect(nodeWarningsIn(result.stderr)).toEqual([]);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('sealdrop binary', () => {
  it('has help, and exit status 2 for usage errors', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('decrypt');
    expect(run([]).status).toBe(2);
    const unknown = run(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe('sealdrop: unknown command "frobnicate" (see sealdrop --help)\n');
    const group = run(['manifest', 'nope']);
    expect(group.stderr).toContain('use one of "manifest add"');
    const badOption = run(['decrypt', '--bogus']);
    expect(badOption.status).toBe(2);
    expect(badOption.stderr).toMatch(/^sealdrop decrypt: unknown option '--bogus' \(see --help\)\n$/);
    const commands = ['root init', 'editor keygen', 'manifest sign', 'pull', 'publish', 'decrypt'];
    commands.push('conversations', 'reply', 'push', 'replies', 'source identity', 'delete');
    for (const command of commands) {
      const commandHelp = run([...command.split(' '), '--help']);
      expect(commandHelp.status).toBe(0);
      expect(commandHelp.stdout.startsWith(`usage: sealdrop ${command}`)).toBe(true);
      expect(commandHelp.stdout).not.toContain('scrypt-log-n');
    }
  });

  it('runs the offline flow with --passphrase-file and reports failures in one line', async () => {
    const secret = path.join(dir, 'pass.txt');
    await writeFile(secret, 'a long passphrase\n', { mode: 0o600 });
    const weak = ['--scrypt-log-n', '10', '--passphrase-file', secret];
    expect(run(['root', 'init', ...weak]).status).toBe(0);
    expect(run(['editor', 'keygen', '--name', 'Dana', ...weak]).status).toBe(0);
    expect(run(['manifest', 'add', '--root-pub', 'root.pub', '--editor', 'dana.pub.json']).status).toBe(0);
    expect(run(['manifest', 'sign', '--root-key', 'root.key', '--passphrase-file', secret]).status).toBe(0);
    expect(run(['manifest', 'verify', '--root-pub', 'root.pub']).stdout).toMatch(/^valid: version 1/);
    const { recipient } = JSON.parse(await readFile(path.join(dir, 'dana.pub.json'), 'utf8')) as { recipient: string };
    await writeSubmission([recipient], { message: 'via the binary', files: [] }, path.join(dir, 'tip.age'));
    const tampered = await readFile(path.join(dir, 'tip.age'));
    tampered[tampered.length - 5]! ^= 1;
    await writeFile(path.join(dir, 'bad.age'), tampered);
    const decrypted = run([
      'decrypt',
      '--identity',
      'dana-identity.age',
      '--passphrase-file',
      secret,
      '--out',
      'read',
      'tip.age',
      'bad.age',
    ]);
    expect(decrypted.status).toBe(1);
    expect(decrypted.stdout).toContain('message (14 B): via the binary');
    expect(decrypted.stderr).toBe(
      `error: ${path.join(dir, 'bad.age')}: ciphertext tampered with or truncated (payload truncated or tampered with); nothing kept\n`,
    );
    expect(await listTree(path.join(dir, 'read'))).toEqual(['tip/message.txt', 'tip/submission.json']);
    const missing = run(['decrypt', '--identity', 'nope.age', '--out', 'read', 'tip.age']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`sealdrop: ${path.join(dir, 'nope.age')}: no such file\n`);
    const noTerminal = run(['manifest', 'sign', '--root-key', 'root.key']);
    expect(noTerminal.status).toBe(1);
    expect(noTerminal.stderr).toBe('sealdrop: no terminal to ask for a passphrase: use --passphrase-file\n');
  });

  it('reads the words and a reply from standard input', async () => {
    await loadSodium();
    const secret = new Uint8Array(16).fill(7);
    const keys = deriveSourceKeys(secret);
    const identity = run(['source', 'identity'], `${secretToMnemonic(secret, 'ko')}\n`);
    expect(identity.stderr).toBe('');
    expect(identity.status).toBe(0);
    expect(identity.stdout).toContain(`\n${keys.replyIdentity}\n`);
    const empty = run(['source', 'identity'], '');
    expect(empty.status).toBe(1);
    expect(empty.stderr).toBe('sealdrop source identity: expected 12 words, got 0\n');
    // Needs the signed manifest and keys of the offline flow above.
    const { recipient } = JSON.parse(await readFile(path.join(dir, 'dana.pub.json'), 'utf8')) as { recipient: string };
    const reply = { recipient: keys.replyRecipient, mailbox: keys.mailboxId };
    await writeSubmission([recipient], { message: 'answer me', files: [], reply }, path.join(dir, 'asks.age'));
    const secretFile = path.join(dir, 'pass.txt');
    const opened = run([
      'decrypt',
      '--identity',
      'dana-identity.age',
      '--passphrase-file',
      secretFile,
      '--out',
      'read2',
      'asks.age',
    ]);
    expect(opened.status).toBe(0);
    const written = run(
      [
        'reply',
        'read2/asks',
        '--message-file',
        '-',
        '--manifest',
        'manifest.json',
        '--root-pub',
        'root.pub',
        '--out',
        'outbox',
      ],
      'piped into the binary\n',
    );
    expect(written.stderr).toBe('');
    expect(written.status).toBe(0);
    expect(written.stdout).toMatch(/^reply written: \S+outbox\/[0-9a-f]{32}-[0-9a-f]{32}\.age /);
  });

  withTerminal.it('asks for passphrases on the terminal without echo', async () => {
    const passphrase = 'typed on a terminal';
    const command = `'${process.execPath}' '${bin}' editor keygen --name Eve --scrypt-log-n 10 --out '${dir}'`;
    // Typed only once each prompt is shown, as a person would: type-ahead is
    // echoed by the terminal itself before any program can turn echo off.
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    let answered = 0;
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString('utf8');
      const prompts = stdout.split("new passphrase for Eve's keys").length - 1;
      if (prompts > answered) {
        answered = prompts;
        child.stdin.write(`${passphrase}\r`);
      }
    });
    const [status] = (await once(child, 'close')) as [number];
    child.stdin.destroy();
    const result = { status, stdout };
    expect(result.stdout).toContain("new passphrase for Eve's keys: ");
    expect(result.stdout).toContain("new passphrase for Eve's keys (again): ");
    expect(result.stdout).not.toContain(passphrase);
    expect(result.stdout).toContain('editor keys created for Eve');
    const out = path.join(dir, 'eve.txt');
    expect(runAgeWithPassphrase(['-d', '-o', out, path.join(dir, 'eve-identity.age')], passphrase)).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('AGE-SECRET-KEY-1');
  });

  withTerminal.it(
    'asks each sealed identity its own passphrase on the terminal, and again after a wrong one',
    async () => {
      // Needs Dana's keys and tip.age (the offline flow) and Eve's keys (the test above).
      const command =
        `'${process.execPath}' '${bin}' decrypt --identity dana-identity.age --identity eve-identity.age ` +
        `--out read-tty tip.age`;
      const answers = ['not it', 'a long passphrase', 'typed on a terminal'];
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'] });
      let stdout = '';
      let answered = 0;
      child.stdout.on('data', (data: Buffer) => {
        stdout += data.toString('utf8');
        const prompts = stdout.split('passphrase for ').length - 1 - (stdout.split('wrong passphrase for ').length - 1);
        while (prompts > answered && answered < answers.length) child.stdin.write(`${answers[answered++]!}\r`);
      });
      const [status] = (await once(child, 'close')) as [number];
      child.stdin.destroy();
      const { recipient } = JSON.parse(await readFile(path.join(dir, 'dana.pub.json'), 'utf8')) as {
        recipient: string;
      };
      expect(stdout).toContain(`passphrase for dana-identity.age (${recipient}): `);
      expect(stdout).toContain('wrong passphrase for dana-identity.age, try again');
      expect(stdout).toMatch(/passphrase for eve-identity\.age \(age1[0-9a-z]+\): /);
      for (const answer of answers) expect(stdout).not.toContain(answer);
      expect(stdout).toContain('decrypted 1 of 1 submission(s)');
      expect(nodeWarningsIn(stdout)).toEqual([]);
      expect(status).toBe(0);
    },
  );
});
