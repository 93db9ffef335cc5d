// The source's hybrid post-quantum reply identity (client/core/source-secret.ts):
// derived with its own versioned HKDF label (node:crypto and typage as the
// independent implementations), used as the reply recipient only for a hybrid
// manifest, while the classic identity of the same words stays unchanged.
import { hkdfSync } from 'node:crypto';
import { Decrypter, Encrypter, identityToRecipient } from 'age-encryption';
import { decrypt, encrypt } from '../../client/core/age.js';
import { encodeBech32 } from '../../client/core/bech32.js';
import { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { loadSodium } from '../../client/core/sodium.js';
import {
  deriveHybridReplyIdentity,
  deriveReplyIdentities,
  deriveSourceKeys,
  generateSourceSecret,
  replyRecipientFor,
} from '../../client/core/source-secret.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { collect, patternBytes, streamOf } from '../support/age-helpers.js';

/** A fixed secret, so this test pins the derivation for words already written down. */
const SECRET = Uint8Array.from({ length: 16 }, (_, i) => i * 17 + 3);

beforeAll(async () => {
  await loadSodium();
});

test('the hybrid identity is the X-Wing seed HKDF-SHA-256(secret, sealdrop/v2/reply-identity-mlkem768x25519)', async () => {
  const seed = new Uint8Array(
    hkdfSync('sha256', SECRET, new Uint8Array(0), 'sealdrop/v2/reply-identity-mlkem768x25519', 32),
  );
  const expected = encodeBech32('AGE-SECRET-KEY-PQ-', seed).toUpperCase();
  const identity = deriveHybridReplyIdentity(SECRET);
  expect(identity.format()).toBe(expected);
  // typage computes the same recipient from that identity: the seed is used exactly as age specifies.
  expect(identity.recipient().format()).toBe(await identityToRecipient(expected));
  expect(replyRecipientFor(SECRET, 'mlkem768x25519')).toBe(identity.recipient().format());
});

/**
 * SECRET's hybrid reply recipient, computed once by typage (npm age-encryption)
 * from the identity AGE-SECRET-KEY-PQ-1...: pinned so that no change to the
 * derivation or the encoding can move the reply address of words already written down.
 */
const PINNED_RECIPIENT =
  'age1pq18rpsgntc4myrs62vty4ss0zevxt9xphuv9k9s64hd9w2y0ruv27rnhf6ydttdqcc7w3zqwnahg4ezx052w7dxyfd4d2gl' +
  'xet0dj2d76fyh8vrs8lrqkc9e59uvap7078xh04y33jsg34d7twj3m52c4rsd0q0yagkvj2tr9fr5qjuuhq8v5xwmtu7kl5wpdfr' +
  'kscdw28wjvdeqw72z6wu435wsrez89npn3jkca99t9ruej86x64s8r90e8ynn4xkxlr7tzcjuu5lq0gthkufr34je4rw7mq9x632' +
  'z08hmhfsrc4kclk542ysw92etm93gfkjy0dtd0635u78kvcxcn5qvsufdxhwkttv9zsf0juld4jn4mms5d3zqqt4xu7c6aguplez' +
  'khu2f6v8v0lcsgnjcrfk682dzmepxq9lvhler93dh95etrxw88ggkrjsyzgwg3jqyp4xdy5s4q05lnej3a6h27fmq9yemkx3u7jt' +
  'ndy9qqhw73asqwvylf3nnj7gmj2ykcldzyqznwxekmu0ev64j8exjwmrk3m9ydjlpqujzzp5ac0qhxegw5vuv62mpqtc3rzc8clg' +
  'w45h4ekxevh7gdjw426srwfq3mydqx9ktcx4yz93yhahrtscky8lgyr6hmrvqchz8vjerqk3j9ts27p7me2gtv4dyd39n4f625kx' +
  'eakmwgrfr2yfpmwpjru7wnlv4fh60krukdfgznhhst6zyus4kzh5hdhsuz34p3dqmjmq5k6dk52f5eu8awtheg4dwnw6evylwa6j' +
  'e5ce8k399ale3zy8demkmy7h9ux8nwkzgfxcxkkq9r6ae3rce9kkp2q9ffc5gzzk4ffr3sxqn4xtzrr9vewknksayy6kcsg0u53g' +
  'flyy4q4clv4v9qe3zyjt4m25dz6kk4xwxqsrsnwt6slmqdfleeux40fkfputjgml5dpaj4pjpj84zpasg8k43y8jz72ymmx7mk23' +
  '839h2j8wjyc4lp48c98ahnu9xj6hgkfds5mutyem0tv4leger6vetvraq3cdwd9a3cge9lyp7e9jdywe9aphpfse3s9nqd2qzmqd' +
  'dflu3nzm2tdeeczny7zkax6enjdgsyr23xvc26c3kzk2hnw27jsgynmyxn545qpwalzj3q2j6z5x6juz47wum6g46t94e6af9r9n' +
  'dz9hqgv3akq6rh2kn5cns44exrcg520udrfyswet4z7cnesuvamgxa8fner0dukpza4eg8yw2h94gzmn9zkw84keeehnnfrmj2rx' +
  'gp3kyuch7uyns04f8vp4zkq9xja8gjccyvekumcv522e98k9xzpy3pt42wm0v6sj2nt532kx4a7j6p4q0w8nnke2l9ypvhx75nk2' +
  'ukvfp7m9aacr28cn9d6mqasdjdfq7fpvag4cuvs5jqje3yfq6m246q9rfn8j8m2lfaeag4dl4equ0rynhxpgvtan2yyqwsxnrjep' +
  'lsx0j4dwjkxgkxukkm0yx650cyq9869f9wjkk3y26gcs0ecl4c8fscnklmj9p6g5jmc092fdxh8cgddff49dy5ak2z5k055djgzh' +
  'fwtw58j9d3h7qjqth9pnque9e3xcy4jap3tuf4fp9dsqs3qrgs2qt00jdh973ttfyq6zgkek06pp2qgzjlls739gjf37zdzt947c' +
  '5e4kezxzfwzfksy9xuu5tw8szggjzh927nreeeuv35psrvd29ysh32gn39uwxd5cwl2fma20jnrnryx8aqfc8gy2dvz3ta3enjq7' +
  '4w30faqc6n382ph3nu58nflrqctezqw2s33quam8kmjqtup2u83yuaryejt3uuy75w7a3ge08kem23n7ayd2v5a90m2klms973wa' +
  'jwkz9uqwtpu54h6z7h7d4vp8hs2jpr02t0nq83fkc6lxlu4l0ckv5qk28fl';

test('a fixed secret has this one hybrid reply recipient, literally', () => {
  expect(PINNED_RECIPIENT).toHaveLength(1959);
  expect(deriveHybridReplyIdentity(SECRET).format()).toBe(
    'AGE-SECRET-KEY-PQ-150WRHZA960ZTN7LJTMV8E2KFTSPCC5FKV4ZP5YYP9CA2XP8EJ0YQEWN54P',
  );
  expect(replyRecipientFor(SECRET, 'mlkem768x25519')).toBe(PINNED_RECIPIENT);
});

test('the classic reply recipient of existing words is unchanged', () => {
  const keys = deriveSourceKeys(SECRET);
  const scalar = new Uint8Array(hkdfSync('sha256', SECRET, new Uint8Array(0), 'sealdrop/v1/reply-identity', 32));
  expect(keys.replyIdentity).toBe(X25519Identity.fromSecretKey(scalar).format());
  expect(replyRecipientFor(SECRET, 'x25519')).toBe(keys.replyRecipient);
  expect(replyRecipientFor(SECRET, 'x25519')).toMatch(/^age1[0-9a-z]{58}$/);
  expect(replyRecipientFor(SECRET, 'mlkem768x25519')).toMatch(/^age1pq1/);
});

test('deterministic and distinct per secret', () => {
  const other = generateSourceSecret();
  expect(deriveHybridReplyIdentity(SECRET.slice()).format()).toBe(deriveHybridReplyIdentity(SECRET).format());
  expect(deriveHybridReplyIdentity(other).format()).not.toBe(deriveHybridReplyIdentity(SECRET).format());
  expect(() => deriveHybridReplyIdentity(new Uint8Array(15))).toThrow(TypeError);
  expect(() => replyRecipientFor(new Uint8Array(17), 'mlkem768x25519')).toThrow(TypeError);
});

test('the reply identities open replies to either recipient, and typage reads the hybrid one', async () => {
  const identities = deriveReplyIdentities(SECRET);
  expect(identities[0]).toBeInstanceOf(X25519Identity);
  expect(identities[1]).toBeInstanceOf(HybridIdentity);
  const plaintext = patternBytes(5000, 1);
  const editor = HybridIdentity.generate();
  for (const kind of ['x25519', 'mlkem768x25519'] as const) {
    const encrypter = new Encrypter();
    encrypter.addRecipient(replyRecipientFor(SECRET, kind));
    const fromTypage = await encrypter.encrypt(plaintext);
    const { plaintext: opened } = await decrypt(identities, streamOf(fromTypage));
    expect(await collect(opened)).toEqual(plaintext);
  }
  // What an editor writes to a hybrid conversation: the source and the editors, all hybrid.
  const hybridRecipient = deriveHybridReplyIdentity(SECRET).recipient();
  const reply = await collect(encrypt([hybridRecipient, editor.recipient()], streamOf(plaintext)));
  const decrypter = new Decrypter();
  decrypter.addIdentity(deriveHybridReplyIdentity(SECRET).format());
  expect(await decrypter.decrypt(reply)).toEqual(plaintext);
  for (const identity of identities) identity.wipe();
});
