/** The bundle's rollback pin file: exactly one spelling per version, anything else refused. */
import { BundlePinError, parseBundlePin, serializeBundlePin } from '../../client/core/bundle-pin.js';
import { utf8 } from '../../client/core/bytes.js';

describe('bundle pin', () => {
  test('round trip', () => {
    expect(new TextDecoder().decode(serializeBundlePin(7))).toBe('{"minimumManifestVersion":7}\n');
    expect(parseBundlePin(serializeBundlePin(7))).toBe(7);
    expect(parseBundlePin(serializeBundlePin(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  test.each([
    ['not JSON', 'seven'],
    ['zero', '{"minimumManifestVersion":0}\n'],
    ['a fraction', '{"minimumManifestVersion":1.5}\n'],
    ['a string', '{"minimumManifestVersion":"7"}\n'],
    ['an extra field', '{"minimumManifestVersion":7,"x":1}\n'],
    ['no field', '{}\n'],
    ['another spelling', '{ "minimumManifestVersion": 7 }\n'],
    ['no final newline', '{"minimumManifestVersion":7}'],
    ['an array', '[7]\n'],
  ])('refuses %s', (_name, text) => {
    expect(() => parseBundlePin(utf8(text))).toThrow(BundlePinError);
  });

  test('refuses invalid bytes and oversized files', () => {
    expect(() => parseBundlePin(new Uint8Array([0xff, 0xfe]))).toThrow(BundlePinError);
    expect(() => parseBundlePin(new Uint8Array(2000).fill(0x20))).toThrow(BundlePinError);
  });

  test('will not write a version that is not a positive safe integer', () => {
    expect(() => serializeBundlePin(0)).toThrow(BundlePinError);
    expect(() => serializeBundlePin(2 ** 53)).toThrow(BundlePinError);
  });
});
