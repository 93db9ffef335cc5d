/**
 * The browser run's stand-in for client/core-node/node-aead.ts (node:crypto's
 * OpenSSL ChaCha20-Poly1305): the page's own second implementation,
 * @noble/ciphers (client/app/noble-aead.ts). Suites that compare libsodium
 * against "the native cipher" compare it against noble there.
 */
export { nobleAead as nodeAead } from '../../../client/app/noble-aead.js';
