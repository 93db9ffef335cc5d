/** Terminal output helpers: progress on a terminal and in logs, safe display of untrusted text. */
import { displaySafe, formatSize, messagePreview } from '../../scripts/cli/display.js';
import { Progress } from '../../scripts/cli/progress.js';

function sink(isTTY: boolean): { write: (text: string) => void; isTTY: boolean; text: () => string } {
  let text = '';
  return { write: (part) => void (text += part), isTTY, text: () => text };
}

describe('progress', () => {
  it('redraws one line on a terminal and ends it', () => {
    let now = 0;
    const out = sink(true);
    const progress = new Progress(out, 'x.age', 4 * 1024 * 1024, { clock: () => now });
    now = 100;
    progress.advance(1024 * 1024); // too soon: nothing drawn
    expect(out.text()).toBe('');
    now = 1000;
    progress.advance(1024 * 1024);
    expect(out.text()).toBe('\r\x1b[Kx.age: 2.0 MiB / 4.0 MiB 50%, 2.0 MiB/s');
    now = 2000;
    progress.advance(2 * 1024 * 1024);
    progress.finish();
    expect(out.text().endsWith('\r\x1b[Kx.age: 4.0 MiB / 4.0 MiB 100%, 2.0 MiB/s done\n')).toBe(true);
  });

  it('writes occasional plain lines when not on a terminal', () => {
    let now = 0;
    const out = sink(false);
    const progress = new Progress(out, 'pull', 100 * 1024 * 1024, { clock: () => now });
    for (let second = 1; second <= 25; second++) {
      now = second * 1000;
      progress.advance(4 * 1024 * 1024);
    }
    progress.finish('failed');
    expect(out.text().split('\n')).toEqual([
      'pull: 40.0 MiB / 100.0 MiB 40%, 4.0 MiB/s',
      'pull: 80.0 MiB / 100.0 MiB 80%, 4.0 MiB/s',
      'pull: 100.0 MiB / 100.0 MiB 100%, 4.0 MiB/s failed',
      '',
    ]);
    expect(out.text()).not.toContain('\r');
  });
});

describe('display', () => {
  it('formats sizes', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 3].map(formatSize)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '5.0 GiB',
    ]);
  });

  it('neutralizes escape sequences, bidi controls and separators', () => {
    expect(displaySafe('a\u001b[2Jb\u202Ec\u2028d\te\u0000')).toBe('a?[2Jb?c?d e?');
    expect(displaySafe('보고서 😀 ok')).toBe('보고서 😀 ok');
    expect(displaySafe('x'.repeat(10), 5)).toBe('xxxx…');
    expect(displaySafe('😀'.repeat(3), 2)).toBe('😀…');
  });

  it('previews the first non-empty lines', () => {
    expect(messagePreview('\n\n  one \r\ntwo\rthree\nfour')).toEqual(['one', 'two', 'three']);
    expect(messagePreview('')).toEqual([]);
  });
});
