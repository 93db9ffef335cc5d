/**
 * English messages. This catalog defines the keys: every other catalog must
 * have exactly the same ones (test/client/i18n.test.ts checks it). Values may
 * hold `{name}` placeholders, filled by `formatMessage`.
 */
export const en = {
  'page.title': 'Sealdrop: send a tip securely',
  'page.heading': 'Send a tip to the newsroom',
  'page.tagline': 'What you write and attach is encrypted on this device before it leaves.',
  'language.label': 'Language',
  'language.other': '한국어',
  'exit.button': 'Quick exit',
  'exit.hint': 'Leaves this page at once and clears what you typed. Shortcut: press Esc twice.',

  'intro.protects.heading': 'What this page protects',
  'intro.protects.1':
    'Your message and files are encrypted in this browser before anything is sent. Only the newsroom’s editors can decrypt them; the server stores only ciphertext.',
  'intro.protects.2':
    'File names, types and sizes travel inside the encryption. The server sees only a rounded total size.',
  'intro.protects.3': 'The page sets no cookies, stores nothing on this device and loads nothing from other sites.',
  'intro.limits.heading': 'What it cannot protect',
  'intro.limits.1':
    'It cannot hide that this device connected to this site. If that matters, use Tor Browser on a device and network that are not linked to you.',
  'intro.limits.2':
    'It cannot protect a device that is already watched: spyware, a shared screen, or someone looking over your shoulder.',
  'intro.limits.3':
    'It cannot remove details that identify you inside your files, such as names in a document or location data in photos. Remove them before sending.',
  'intro.limits.4':
    'If this server were taken over, it could send you a modified page. Compare the fingerprint below with the one the newsroom publishes elsewhere.',

  'keys.heading': 'Newsroom key fingerprint',
  'keys.help':
    'Compare it with the fingerprint the newsroom publishes elsewhere (its website, print edition or social media accounts). If they differ, do not send anything.',
  'keys.checking': 'Checking the newsroom’s signed key list…',
  'keys.verified': 'Signed key list verified. Valid until {expires}.',
  'keys.unavailable': 'Not available',

  'compose.heading': 'Your message',
  'compose.message.label': 'Message',
  'compose.message.help':
    'What happened, when and where, and how the newsroom can check it. Leave out your name unless you want to give it.',
  'compose.files.label': 'Attach files',
  'compose.files.help': 'Any type and size, up to the server’s limit. You can add files several times.',
  'compose.files.none': 'No files attached.',
  'compose.files.total': 'Files: {count}, {size} in total',
  'compose.files.remove': 'Remove',
  'compose.files.removeNamed': 'Remove {name}',
  'compose.reply.label': 'I want to be able to receive a reply',
  'compose.reply.help':
    'You will be shown 12 secret words once. With them you can read the newsroom’s reply later. Without them, nobody can reply to you.',
  'compose.send': 'Encrypt and send',
  'compose.empty': 'Write a message or attach a file first.',

  'secret.heading': 'Write down your 12 words',
  'secret.intro':
    'These words are shown only this once. Write them on paper, in order, and keep them somewhere safe. Anyone who has them can read the replies to you. Do not take a screenshot.',
  'secret.confirm': 'I have written down the 12 words',
  'secret.back': 'Back',
  'secret.send': 'Encrypt and send',

  'progress.heading': 'Sending',
  'progress.intro': 'Encrypting and sending. Keep this page open until it is finished.',
  'progress.starting': 'Starting…',
  'progress.status': '{done} of {total} sent',
  'progress.rate': '{rate}/s, about {remaining} left',
  'progress.retrying': 'The connection dropped. Reconnecting; sending will continue where it stopped.',
  'progress.finishing': 'Finishing…',
  'progress.cancel': 'Cancel',

  'done.heading': 'Sent',
  'done.body': 'The newsroom has received your encrypted submission.',
  'done.reply': 'Keep your 12 words safe: you will need them to read a reply.',
  'done.leave': 'Close this page when you are done. In Tor Browser, close the whole window so it forgets this visit.',
  'done.again': 'Send something else',

  'cancelled.heading': 'Cancelled',
  'cancelled.body': 'Sending was cancelled. What had been uploaded was deleted from the server.',

  'error.heading': 'Nothing was sent',
  'error.again': 'Try again',
  'error.reload': 'Reload the page',
  'error.worker':
    'The encryption part of this page could not start. Reload the page; if it keeps failing, try an up-to-date browser such as Tor Browser.',
  'error.crypto':
    'The encryption library could not be loaded. Reload the page. In Tor Browser the Standard and Safer security levels work; Safest does not run JavaScript.',
  'error.rootKey':
    'The page could not load the newsroom’s root key, so it cannot check which keys to encrypt to. Try again later.',
  'error.network': 'The page could not reach the server. Check your connection, then reload the page.',
  'error.manifest.invalid':
    'The newsroom’s key list is not correctly signed by its root key. It may have been tampered with. Do not send anything here; if you can, tell the newsroom through another channel.',
  'error.manifest.expired':
    'The newsroom’s key list has expired, so the page will not encrypt to keys that may be out of date. Check that this device’s date is right, or try again later.',
  'error.manifest.future':
    'The newsroom’s key list is dated in the future. Check that this device’s date and time are right, then reload the page.',
  'error.tooLarge':
    'This submission is larger than the server accepts. Send fewer or smaller files, or split them over several submissions.',
  'error.serverBusy': 'The server cannot take submissions right now. Try again later.',
  'error.connection':
    'The connection dropped and could not be restored. The upload was not completed. Try again when your connection is better.',
  'error.fileRead':
    'A file could not be read. It may have been moved or changed after you chose it. Remove it, choose it again and retry.',
  'error.rejected': 'The server refused the encrypted submission. Reload the page and try again.',
  'error.internal': 'Something went wrong. Reload the page and try again.',

  'returning.help':
    'Sent a tip before and wrote down 12 words? With them you can read the newsroom’s replies and write back.',
  'returning.button': 'Read replies',

  'words.heading': 'Read replies',
  'words.intro':
    'Type the 12 words you wrote down when you sent your tip, in order, with a space or a new line between them. They may be English or Korean words.',
  'words.label': 'Your 12 words',
  'words.help':
    'The words stay on this device: they are not sent to the server and not saved. This field is cleared when you leave this screen.',
  'words.open': 'Open replies',
  'words.opening': 'Opening…',
  'words.fetching': 'Checking the words and fetching the replies…',
  'words.progress': '{done} of {total} received',
  'words.error.count': 'There must be exactly 12 words. Check that none is missing or written twice.',
  'words.error.unknown': 'Word {n} is not in the word list. Compare it, letter by letter, with what you wrote down.',
  'words.error.unknownKorean':
    'Word {n} is not in the Korean word list. Compare it, letter by letter, with what you wrote down.',
  'words.error.unknownEnglish':
    'Word {n} is not in the English word list. Compare it, letter by letter, with what you wrote down.',
  'words.error.unknownSomewhere':
    'One of the words is not in the word list. Compare each, letter by letter, with what you wrote down.',
  'words.error.checksum':
    'The words do not check out: one may be wrong or two swapped. Compare them with what you wrote down.',
  'words.error.mixed': 'The words mix English and Korean. Type all 12 in the language they were shown in.',

  'mailbox.heading': 'Replies from the newsroom',
  'mailbox.empty': 'No replies yet. Check again in a few days.',
  'mailbox.reply.heading': 'Reply received {day}',
  'mailbox.reply.unreadable':
    'This reply could not be decrypted: it may be damaged, or not meant for your words. You can delete it.',
  'mailbox.file.save': 'Save',
  'mailbox.saveWarning':
    'A file you save stays on this device (usually in Downloads) until you delete it yourself. Some files, such as documents, can connect to the internet outside Tor Browser when opened.',
  'mailbox.delete.one': 'Delete',
  'mailbox.delete.all': 'Delete all',
  'mailbox.delete.confirmOne': 'Delete this reply from the server for good? This cannot be undone.',
  'mailbox.delete.confirmAll': 'Delete all replies ({count}) from the server for good? This cannot be undone.',
  'mailbox.delete.yes': 'Delete for good',
  'mailbox.delete.no': 'Keep',
  'mailbox.deleting': 'Deleting…',
  'mailbox.deleted.one': 'Reply deleted from the server.',
  'mailbox.deleted.many': '{count} replies deleted from the server.',
  'mailbox.writeBack': 'Write back',
  'mailbox.close': 'Close replies',
  'mailbox.close.help': 'Closing makes this page forget your words. To read replies again, type them again.',
  'mailbox.error.crypto': 'The part of this page that decrypts replies could not start. Reload the page.',
  'mailbox.error.connection': 'The page could not reach the server. Check your connection and try again.',
  'mailbox.error.serverBusy': 'The server is busy right now. Try again in a few minutes.',
  'mailbox.error.rejected': 'The server’s answer was not what this page expects. Reload the page and try again.',
  'mailbox.error.internal': 'Something went wrong. Try again; if it keeps failing, reload the page.',

  'followUp.heading': 'Write back to the newsroom',
  'followUp.help':
    'Your message joins the same conversation: the newsroom sees it with your earlier tip and can reply here again. No new words are needed.',
  'followUp.back': 'Back to replies',
  'followUp.done': 'The newsroom has received your message, in the same conversation.',

  'unit.bytes': '{n} B',
  'unit.kilobytes': '{n} KB',
  'unit.megabytes': '{n} MB',
  'unit.gigabytes': '{n} GB',
  'unit.seconds': '{n} s',
  'unit.minutes': '{n} min',
  'unit.hours': '{n} h',
} as const;
