/**
 * Helpers for the tests of the server's start: the trust files a built
 * client carries (what production requires in its static folder), and the
 * compiled server run as a child process, as an admin would run it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLE_PIN_FILE_NAME, serializeBundlePin } from '../../client/core/bundle-pin.js';
import { writeFile } from 'node:fs/promises';
import { BUILD_DIR } from '../support/compiled-build.js';

/** The compiled server entry point (after `compiledBuild()`). */
export const SERVER_MAIN = path.join(BUILD_DIR, 'server', 'main.js');

/**
 * Puts into `staticDir` what build-client.ts bundles for the newsroom's
 * trust: its root.pub and the minimum manifest version pin.
 */
export async function writeBundleTrust(
  staticDir: string,
  rootPublicKeyFile: string,
  minimumManifestVersion = 1,
): Promise<void> {
  await copyFile(rootPublicKeyFile, path.join(staticDir, 'root.pub'));
  await writeFile(path.join(staticDir, BUNDLE_PIN_FILE_NAME), serializeBundlePin(minimumManifestVersion));
}

export interface ServerRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SpawnOptions {
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly args?: readonly string[];
  /** Run as this user id (and group id), e.g. to see what an unprivileged service user sees. */
  readonly uid?: number;
}

/** Starts the compiled server; the caller stops it. */
export function spawnServer(options: SpawnOptions): ChildProcess {
  return spawn(process.execPath, [SERVER_MAIN, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
}

/**
 * Runs the compiled server until it exits (it should refuse to start), or
 * kills it after `timeoutMs` and reports what it wrote.
 */
export function runServerToExit(options: SpawnOptions, timeoutMs = 20_000): Promise<ServerRun> {
  return new Promise((resolve, reject) => {
    const child = spawnServer(options);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
