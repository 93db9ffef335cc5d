/**
 * Server configuration: read once at start-up from environment variables,
 * validated completely, and frozen into a typed object. Per-request code never
 * re-validates. Every problem is reported with the variable's name and what is
 * wrong with it, all at once, so an admin fixes a config in one pass.
 */
import path from 'node:path';

export type ServerMode = 'demo' | 'production';

export interface ServerConfig {
  readonly mode: ServerMode;
  readonly source: { readonly host: string; readonly port: number };
  readonly editor: { readonly host: string; readonly port: number };
  /** Uploads in progress and stored submissions (ciphertext only). */
  readonly dataDir: string;
  /** Published key material: the signed manifest and its `.minisig`. */
  readonly keysDir: string;
  /** The minisign public key file of the newsroom's offline root key. */
  readonly rootPublicKeyFile: string;
  /** The built client, served as static files on the source listener. */
  readonly staticDir: string;
  readonly maxSubmissionBytes: number;
  readonly storageQuotaBytes: number;
  readonly maxChunkBytes: number;
  readonly maxConcurrentUploads: number;
  /** Requests per minute, per listener, across all clients. */
  readonly rateLimitPerMinute: number;
  readonly uploadExpirySeconds: number;
  readonly tokenTtlSeconds: number;
  /** Largest reply an editor may push, in bytes of ciphertext. */
  readonly maxReplyBytes: number;
  /** Most replies waiting in one mailbox. */
  readonly maxRepliesPerMailbox: number;
  /** Days a reply, or the tombstone of a deleted one, is kept after its day. */
  readonly replyRetentionDays: number;
  /** A request body that sends no byte for this long is answered 408 BODY_TIMEOUT. */
  readonly bodyIdleSeconds: number;
  /** Most open connections per listener; over Tor each circuit is its own connection. */
  readonly maxConnections: number;
  /** Days before the manifest's expiry from which the server and the tools warn. */
  readonly manifestWarningDays: number;
  /** Days a stored submission is kept after its day, whoever has downloaded it. */
  readonly submissionRetentionDays: number;
  /** Days a submission is kept once every active editor has downloaded it. */
  readonly pulledGraceDays: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
}

/** The configuration is invalid; `problems` names each setting and its fault. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

const KIB = 1024;
const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  KIB: KIB,
  MIB: KIB ** 2,
  GIB: KIB ** 3,
  TIB: KIB ** 4,
};

/** The defaults, as the environment variables would spell them. */
export const DEFAULTS = {
  SEALDROP_MODE: 'demo',
  SEALDROP_SOURCE_HOST: '127.0.0.1',
  SEALDROP_SOURCE_PORT: '8080',
  SEALDROP_EDITOR_HOST: '127.0.0.1',
  SEALDROP_EDITOR_PORT: '8081',
  SEALDROP_DATA_DIR: 'data',
  SEALDROP_KEYS_DIR: 'keys',
  SEALDROP_STATIC_DIR: 'dist/client/app',
  SEALDROP_MAX_SUBMISSION_BYTES: '2GiB',
  SEALDROP_STORAGE_QUOTA_BYTES: '100GiB',
  SEALDROP_MAX_CHUNK_BYTES: '16MiB',
  SEALDROP_MAX_CONCURRENT_UPLOADS: '100',
  SEALDROP_RATE_LIMIT_PER_MINUTE: '6000',
  SEALDROP_UPLOAD_EXPIRY_SECONDS: '86400',
  SEALDROP_TOKEN_TTL_SECONDS: '900',
  SEALDROP_REPLY_MAX_BYTES: '64MiB',
  SEALDROP_MAILBOX_MAX_REPLIES: '50',
  SEALDROP_REPLY_RETENTION_DAYS: '90',
  SEALDROP_BODY_IDLE_SECONDS: '60',
  SEALDROP_MAX_CONNECTIONS: '1024',
  SEALDROP_MANIFEST_WARNING_DAYS: '14',
  SEALDROP_SUBMISSION_RETENTION_DAYS: '90',
  SEALDROP_PULLED_GRACE_DAYS: '7',
  SEALDROP_LOG_LEVEL: 'info',
} as const;

export type ConfigVariable = keyof typeof DEFAULTS | 'SEALDROP_ROOT_PUBLIC_KEY_FILE';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Builds the configuration from environment-style variables.
 * Relative paths resolve against `cwd`.
 * @throws ConfigError naming every invalid setting.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>, cwd: string): ServerConfig {
  const problems: string[] = [];
  const read = (name: ConfigVariable): string => {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
    return name === 'SEALDROP_ROOT_PUBLIC_KEY_FILE' ? '' : DEFAULTS[name];
  };

  const integer = (name: ConfigVariable, min: number, max: number): number => {
    const text = read(name);
    if (!/^[0-9]+$/.test(text)) {
      problems.push(`${name}: "${text}" is not a whole number`);
      return min;
    }
    const value = Number(text);
    if (value < min || value > max) problems.push(`${name}: ${value} is outside ${min}..${max}`);
    return value;
  };

  const bytes = (name: ConfigVariable, min: number): number => {
    const text = read(name);
    const match = /^([0-9]+)\s*([KMGT]iB|B)?$/i.exec(text);
    const unit = UNITS[(match?.[2] ?? '').toUpperCase()];
    if (match === null || unit === undefined) {
      problems.push(`${name}: "${text}" is not a size (bytes, or a number with KiB, MiB, GiB or TiB)`);
      return min;
    }
    const value = Number(match[1]) * unit;
    if (!Number.isSafeInteger(value) || value < min) problems.push(`${name}: must be at least ${min} bytes`);
    return value;
  };

  const directory = (name: ConfigVariable): string => path.resolve(cwd, read(name));

  const modeText = read('SEALDROP_MODE');
  if (modeText !== 'demo' && modeText !== 'production') {
    problems.push(`SEALDROP_MODE: "${modeText}" must be "demo" or "production"`);
  }
  const mode: ServerMode = modeText === 'production' ? 'production' : 'demo';

  const host = (name: ConfigVariable): string => {
    const value = read(name);
    // A hostname or an IP literal; anything with spaces, slashes or ports is a typo.
    if (!/^[A-Za-z0-9.:-]+$/.test(value)) problems.push(`${name}: "${value}" is not a host name or address`);
    return value;
  };

  const source = { host: host('SEALDROP_SOURCE_HOST'), port: integer('SEALDROP_SOURCE_PORT', 0, 65535) };
  const editor = { host: host('SEALDROP_EDITOR_HOST'), port: integer('SEALDROP_EDITOR_PORT', 0, 65535) };
  if (source.port !== 0 && source.port === editor.port && source.host === editor.host) {
    problems.push('SEALDROP_EDITOR_PORT: must differ from SEALDROP_SOURCE_PORT (two separate listeners)');
  }
  if (mode === 'production' && !LOOPBACK.has(editor.host)) {
    // The editor listener is for a client-authorized onion service; exposing
    // it elsewhere is almost certainly a mistake worth refusing.
    problems.push(`SEALDROP_EDITOR_HOST: "${editor.host}" is not a loopback address`);
  }

  const dataDir = directory('SEALDROP_DATA_DIR');
  const keysDir = directory('SEALDROP_KEYS_DIR');
  if (dataDir === keysDir) problems.push('SEALDROP_DATA_DIR: must differ from SEALDROP_KEYS_DIR');
  const rootKeyText = read('SEALDROP_ROOT_PUBLIC_KEY_FILE');
  const rootPublicKeyFile = rootKeyText === '' ? path.join(keysDir, 'root.pub') : path.resolve(cwd, rootKeyText);

  const maxSubmissionBytes = bytes('SEALDROP_MAX_SUBMISSION_BYTES', 1024);
  const storageQuotaBytes = bytes('SEALDROP_STORAGE_QUOTA_BYTES', 1024);
  const maxChunkBytes = bytes('SEALDROP_MAX_CHUNK_BYTES', 1024);
  if (maxSubmissionBytes > storageQuotaBytes) {
    problems.push('SEALDROP_MAX_SUBMISSION_BYTES: larger than SEALDROP_STORAGE_QUOTA_BYTES');
  }
  if (maxChunkBytes > 256 * KIB ** 2) problems.push('SEALDROP_MAX_CHUNK_BYTES: must be at most 256MiB');
  const maxReplyBytes = bytes('SEALDROP_REPLY_MAX_BYTES', 1024);
  if (maxReplyBytes > storageQuotaBytes) {
    problems.push('SEALDROP_REPLY_MAX_BYTES: larger than SEALDROP_STORAGE_QUOTA_BYTES');
  }

  const logLevel = read('SEALDROP_LOG_LEVEL');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`SEALDROP_LOG_LEVEL: "${logLevel}" must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const config: ServerConfig = {
    mode,
    source,
    editor,
    dataDir,
    keysDir,
    rootPublicKeyFile,
    staticDir: directory('SEALDROP_STATIC_DIR'),
    maxSubmissionBytes,
    storageQuotaBytes,
    maxChunkBytes,
    maxConcurrentUploads: integer('SEALDROP_MAX_CONCURRENT_UPLOADS', 1, 100_000),
    rateLimitPerMinute: integer('SEALDROP_RATE_LIMIT_PER_MINUTE', 1, 10_000_000),
    uploadExpirySeconds: integer('SEALDROP_UPLOAD_EXPIRY_SECONDS', 60, 365 * 86400),
    tokenTtlSeconds: integer('SEALDROP_TOKEN_TTL_SECONDS', 10, 86400),
    maxReplyBytes,
    maxRepliesPerMailbox: integer('SEALDROP_MAILBOX_MAX_REPLIES', 1, 10_000),
    replyRetentionDays: integer('SEALDROP_REPLY_RETENTION_DAYS', 1, 3650),
    bodyIdleSeconds: integer('SEALDROP_BODY_IDLE_SECONDS', 5, 3600),
    maxConnections: integer('SEALDROP_MAX_CONNECTIONS', 16, 1_000_000),
    manifestWarningDays: integer('SEALDROP_MANIFEST_WARNING_DAYS', 0, 365),
    submissionRetentionDays: integer('SEALDROP_SUBMISSION_RETENTION_DAYS', 1, 3650),
    pulledGraceDays: integer('SEALDROP_PULLED_GRACE_DAYS', 0, 3650),
    logLevel: logLevel as ServerConfig['logLevel'],
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
