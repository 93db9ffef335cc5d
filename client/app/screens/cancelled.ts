/** The cancelled screen: nothing was kept on the server; back to the form. */
import { h } from '../dom.js';
import { heading, type ScreenContext } from './widgets.js';

export function cancelledScreen(context: ScreenContext): HTMLElement[] {
  const { events, t } = context;
  const back = h('button', { className: 'secondary', text: t('secret.back'), attrs: { type: 'button' } });
  back.addEventListener('click', () => {
    events.returnToCompose();
  });
  return [heading(t('cancelled.heading')), h('p', { text: t('cancelled.body') }), back];
}
