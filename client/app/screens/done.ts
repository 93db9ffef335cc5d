/** The done screen: the submission is stored; what happens next; send another (or, for a follow-up, back to the replies). */
import { h } from '../dom.js';
import { backToMailboxButton, heading, type ScreenContext } from './widgets.js';

export function doneScreen(context: ScreenContext): HTMLElement[] {
  const { view, events, t } = context;
  const again = h('button', {
    className: 'secondary',
    id: 'send-again',
    text: t('done.again'),
    attrs: { type: 'button' },
  });
  again.addEventListener('click', () => {
    events.sendAnother();
  });
  if (view.followUp) {
    const back = backToMailboxButton(context);
    return [
      heading(t('done.heading')),
      h('p', { className: 'ok', text: t('followUp.done') }),
      h('p', { text: t('done.leave') }),
      back,
    ];
  }
  const screen: HTMLElement[] = [heading(t('done.heading')), h('p', { className: 'ok', text: t('done.body') })];
  if (view.reply)
    screen.push(
      h('p', { text: t('done.reply') }),
      h('p', { id: 'done-reply-where', text: t('done.replyWhere', { button: t('returning.button') }) }),
    );
  screen.push(h('p', { text: t('done.leave') }), again);
  return screen;
}
