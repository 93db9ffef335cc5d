/**
 * The cancelled screen: what is left on the server, as far as the server
 * confirmed it (deleted only on its word); back to the form.
 */
import { h } from '../dom.js';
import { formatDuration } from '../format.js';
import type { CancelOutcome } from '../protocol.js';
import { heading, type ScreenContext } from './widgets.js';

/** What the source is told about the server's copy after a cancel. */
function outcomeText(outcome: CancelOutcome, context: ScreenContext): string {
  const { t, view } = context;
  switch (outcome.state) {
    case 'nothing-sent':
      return t('cancelled.nothingSent');
    case 'deleted':
      return t('cancelled.deleted');
    case 'unconfirmed':
      return outcome.expiresInSeconds === null
        ? t('cancelled.unconfirmedUnknown')
        : t('cancelled.unconfirmed', { duration: formatDuration(outcome.expiresInSeconds, view.language) });
  }
}

export function cancelledScreen(context: ScreenContext): HTMLElement[] {
  const { events, t, view } = context;
  const back = h('button', { className: 'secondary', text: t('secret.back'), attrs: { type: 'button' } });
  back.addEventListener('click', () => {
    events.returnToCompose();
  });
  // Before the worker's word the outcome is unknown: claim nothing.
  const outcome = view.cancelled ?? { state: 'unconfirmed', expiresInSeconds: null };
  return [
    heading(t('cancelled.heading')),
    h('p', { id: 'cancelled-outcome', text: outcomeText(outcome, context) }),
    back,
  ];
}
