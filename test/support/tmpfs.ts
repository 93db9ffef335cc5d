/**
 * A real, small, full-able file system for disk-full tests: a tmpfs mounted
 * on a fresh folder. Mounting needs root (or CAP_SYS_ADMIN). Where it is not
 * permitted the suite is skipped with the reason printed, except under CI
 * (`CI=true`), where the suite fails: the disk-full behaviour is part of
 * what CI must prove (the same rule as required-tools.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TmpfsGate {
  readonly enabled: boolean;
  readonly describe: jest.Describe;
}

/**
 * Probes once, while the suite loads, whether a tmpfs can be mounted here.
 * @throws Error under CI when it cannot.
 */
export function requireTmpfs(what: string): TmpfsGate {
  const probe = mkdtempSync(path.join(tmpdir(), 'sealdrop-tmpfs-probe-'));
  let reason: string | null = null;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    reason = stderr !== undefined && stderr !== '' ? stderr : String(error);
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  if (reason === null) return { enabled: true, describe };
  const lack = `${what} needs to mount a tmpfs (run as root): ${reason}`;
  if (process.env.CI === 'true') throw new Error(`CI: ${lack}`);
  process.stderr.write(`skipped: ${lack}\n`);
  return { enabled: false, describe: describe.skip };
}

/** A mounted tmpfs; {@link Tmpfs.unmount} removes it and its folder. */
export interface Tmpfs {
  /** Where the tmpfs is mounted. */
  readonly directory: string;
  unmount(): void;
}

/**
 * Puts `directory` on a fresh tmpfs with the given options (`size=20m`,
 * `nr_inodes=400`...), keeping what it holds: the tmpfs is mounted aside,
 * the contents copied onto it, and it is bind-mounted over `directory`. So a
 * server already opened on `directory` (holding only paths) writes to the
 * tmpfs from then on.
 * @throws Error from mount or cp.
 */
export function mountTmpfsOver(directory: string, options: string): Tmpfs {
  const aside = mkdtempSync(path.join(tmpdir(), 'sealdrop-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `${options},mode=0700`, 'tmpfs', aside], { stdio: 'pipe' });
  execFileSync('cp', ['-a', `${directory}/.`, aside], { stdio: 'pipe' });
  execFileSync('mount', ['--bind', aside, directory], { stdio: 'pipe' });
  return {
    directory,
    unmount() {
      execFileSync('umount', [directory], { stdio: 'pipe' });
      execFileSync('umount', [aside], { stdio: 'pipe' });
      rmSync(aside, { recursive: true, force: true });
    },
  };
}
