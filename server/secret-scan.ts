/**
 * Production refuses to start if a secret key sits in its data or keys
 * folders: the server's promise is that its disk holds nothing that decrypts
 * or signs, and a misplaced identity file would silently break it.
 *
 * Detection reads only the first 4 KiB of each file and recognizes the
 * formats Sealdrop and its standard tools write: age identities
 * (`AGE-SECRET-KEY-1`), passphrase-encrypted age files (an `scrypt` stanza,
 * which is how editor identities are stored; submissions never have one),
 * minisign secret key files (a 158-byte `Ed` blob on the second line),
 * PEM private keys, and Tor onion service secret keys.
 */
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';

const SAMPLE_BYTES = 4096;
const MINISIGN_SECRET_KEY_BYTES = 158;

/** Why `sample` (the start of a file) looks like a secret key, or `null`. */
export function secretKind(sample: Uint8Array): string | null {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(sample);
  if (text.includes('AGE-SECRET-KEY-1')) return 'age identity';
  if (text.startsWith('age-encryption.org/v1\n') && /\n-> scrypt /.test(text)) return 'passphrase-encrypted age file';
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return 'PEM private key';
  if (text.startsWith('== ed25519v1-secret')) return 'Tor onion service secret key';
  if (text.includes('"sealdrop-editor-access-key"') && text.includes('"seed"')) return 'editor access key';
  const lines = text.split('\n');
  if (lines[0]?.startsWith('untrusted comment: ') === true && lines[1] !== undefined) {
    const blob = Buffer.from(lines[1].trim(), 'base64');
    if (blob.length === MINISIGN_SECRET_KEY_BYTES && blob.subarray(0, 2).toString('latin1') === 'Ed') {
      return 'minisign secret key';
    }
  }
  return null;
}

async function sampleOf(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = new Uint8Array(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Every file under `directories` that looks like a secret key, as `path (kind)`. */
export async function findSecretKeyFiles(directories: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const visit = async (directory: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (entry.isFile()) {
        const kind = secretKind(await sampleOf(full));
        if (kind !== null) found.push(`${full} (${kind})`);
      }
    }
  };
  for (const directory of directories) await visit(directory);
  return found;
}
