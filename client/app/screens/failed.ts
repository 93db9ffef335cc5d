/**
 * The "nothing was sent" screen: why, and a way on: back to the form, or a
 * reload when the worker is gone (setup cannot be retried in place).
 */
import { h } from '../dom.js';
import { alertBox, failureText, heading, type ScreenContext } from './widgets.js';

export function failedScreen(context: ScreenContext): HTMLElement[] {
  const { view, events, t } = context;
  // Decided when drawn, so the button does what its label says.
  const setupBroken = !view.workerRunning;
  const again = h('button', {
    className: 'secondary',
    id: 'try-again',
    text: setupBroken ? t('error.reload') : t('error.again'),
    attrs: { type: 'button' },
  });
  again.addEventListener('click', () => {
    if (setupBroken) events.reload();
    else events.returnToCompose();
  });
  return [heading(t('error.heading')), alertBox(failureText(view.failure ?? 'internal', t)), again];
}
