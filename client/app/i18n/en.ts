/**
 * English messages. This catalog defines the keys: every other catalog must
 * have exactly the same ones (test/client/i18n.test.ts checks it). Values may
 * hold `{name}` placeholders, filled by `formatMessage`.
 */
export const en = {
  'page.title': 'Notes',
  'page.heading': 'Send a tip to the newsroom',
  'page.tagline': 'What you write and attach is encrypted on this device before it leaves.',
  'language.label': 'Language',
  'language.other': '한국어 (조선말)',
  'exit.button': 'Quick exit',
  'exit.hint':
    'Leaves this page at once and clears what you typed here. It does not erase the browser’s history: in a browser other than Tor Browser, clear the history yourself. On a keyboard, pressing Esc twice quickly does the same.',

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
    'It cannot protect a device that is already watched: spyware hidden on it, a screen others can see, or someone looking over your shoulder.',
  'intro.limits.3':
    'It cannot remove details that identify you inside your files, such as names in a document or location data in photos. Remove them before sending.',
  'intro.limits.4':
    'If this server were taken over, it could send you a modified page. Compare the fingerprint below with the one the newsroom publishes elsewhere.',

  'keys.heading': 'Newsroom key fingerprint',
  'keys.help':
    'Compare all 32 characters, one by one, with the fingerprint the newsroom publishes elsewhere (its website, print edition or social media accounts). If any differ, do not send anything.',
  'keys.checking': 'Checking the newsroom’s signed key list…',
  'keys.verified':
    'The key list’s signature is correct. Valid until {expires}. Still compare the fingerprint above yourself.',
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
  'compose.files.removeNamed': 'Remove {name} from the list',
  'compose.reply.label': 'I want to be able to receive a reply',
  'compose.reply.help':
    'If you choose this, the next screen shows 12 secret words, once. With them you can read the newsroom’s replies later. The newsroom does not know them and cannot recover them if you lose them. If you do not choose this, the newsroom cannot reply to you.',
  'compose.send': 'Encrypt and send',
  'compose.empty': 'Write a message or attach a file first.',

  'secret.heading': 'Write down your 12 words',
  'secret.intro':
    'These words are shown only this once. Write them on paper, in numbered order, and keep them somewhere safe. Anyone who has them can read the replies to you. Do not take a screenshot or a photo of them.',
  'secret.confirm': 'I have written down the 12 words',
  'secret.back': 'Back',
  'secret.send': 'Encrypt and send',

  'progress.heading': 'Sending',
  'progress.intro': 'Encrypting and sending. Keep this page open until it is finished.',
  'progress.starting': 'Starting…',
  'progress.status': '{done} of {total} sent',
  'progress.rate': '{rate}/s, about {remaining} left',
  'progress.retrying':
    'The connection dropped. Reconnecting: next try in {seconds} s. Sending will continue where it stopped.',
  'progress.retryingNow': 'The connection dropped. Trying to reconnect now…',
  'progress.tryNow': 'Try now',
  'progress.restarting.keysChanged':
    'The newsroom changed its keys while you were sending. The page checked that the new key list is correctly signed, and is encrypting your submission again, to the new keys, and sending it from the start. What you wrote is kept.',
  'progress.restarting.uploadDropped':
    'The server no longer holds the unfinished upload (it removes those it cannot keep). The page is encrypting your submission again and sending it from the start. What you wrote is kept.',
  'progress.cancelling':
    'Cancelling. The page has asked the server to delete what was sent so far and is waiting for its answer…',
  'progress.finishing': 'Finishing…',
  'progress.cancel': 'Cancel',

  'done.heading': 'Sent',
  'done.body': 'The newsroom has received your encrypted submission.',
  'done.reply': 'Keep your 12 words safe: you will need them to read a reply.',
  'done.leave':
    'Close this page when you are done. In Tor Browser, close all its windows (on a phone, quit the app) so it forgets this visit. If you used another browser, clear its history yourself.',
  'done.again': 'Send something else',

  'cancelled.heading': 'Cancelled',
  'cancelled.nothingSent': 'Sending was cancelled before any part of your submission was sent.',
  'cancelled.deleted': 'Sending was cancelled. The server confirmed that it deleted the encrypted parts sent so far.',
  'cancelled.unconfirmed':
    'Sending was cancelled, but the page could not confirm that the server deleted the encrypted parts sent so far. The server deletes an unfinished upload on its own, within about {duration} at the latest.',
  'cancelled.unconfirmedUnknown':
    'Sending was cancelled, but the page could not confirm that the server deleted the encrypted parts sent so far. The server deletes unfinished uploads on its own after a while.',

  'error.heading': 'Your submission did not reach the newsroom',
  'error.again': 'Try again',
  'error.reload': 'Reload the page',
  'error.worker':
    'The encryption part of this page could not start. Reload the page; if it keeps failing, try an up-to-date browser such as Tor Browser.',
  'error.crypto':
    'The encryption program could not be loaded. Reload the page. In Tor Browser this page works at the Standard and Safer security levels; at Safest, JavaScript does not run.',
  'error.rootKey':
    'The page could not load the newsroom’s root key, so it cannot check which keys to encrypt to. Try again later.',
  'error.network': 'The page could not reach the server. Check your connection, then reload the page.',
  'error.manifest.invalid':
    'The newsroom’s key list is not correctly signed by its root key. It may have been tampered with. Do not send anything here; if you can do so safely, tell the newsroom through another channel.',
  'error.manifest.expired':
    'The newsroom’s key list has expired, so submissions are paused until the newsroom publishes new keys: this page will not encrypt to keys that may be out of date. Check that this device’s date is right, or try again later.',
  'error.manifest.future':
    'The newsroom’s key list is dated in the future. Check that this device’s date and time are right, then reload the page.',
  'error.tooLarge':
    'This submission is larger than the server accepts. Send fewer or smaller files, or split them over several submissions.',
  'error.serverBusy': 'The server cannot take submissions right now. Try again later.',
  'error.connection':
    'The connection dropped and could not be restored. The upload was not completed, and the server deletes the encrypted parts it received on its own. Try again when your connection is better.',
  'error.keysExpired':
    'The newsroom’s keys have expired, so the server is not taking submissions for now and did not keep yours. Try again later; if you can do so safely, you may also tell the newsroom through another channel.',
  'error.restartedTooOften':
    'The server asked this page several times to start sending again (the newsroom changed its keys, or the server removed the unfinished upload). What you wrote is still here: try again in a few minutes.',
  'error.fileRead':
    'A file could not be read. It may have been moved or changed after you chose it. Remove it from the list (the file on your device is not deleted), choose it again and retry.',
  'error.rejected': 'The server refused the encrypted submission. Reload the page and try again.',
  'error.internal': 'Something went wrong. Reload the page and try again.',

  'returning.help':
    'Sent a tip before and wrote down 12 words? With them you can read the newsroom’s replies and write back.',
  'returning.button': 'Read replies',

  'words.heading': 'Read replies',
  'words.intro':
    'Type the 12 words you wrote down when you sent your tip, in order, with a space or a new line between them. All 12 must be in one language, English or Korean, as you wrote them down.',
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
  'mailbox.empty':
    'There are no replies for these words yet. Check again in a few days. If you expected a reply, compare the words you typed with what you wrote down.',
  'mailbox.reply.heading': 'Reply received {day}',
  'mailbox.reply.unreadable':
    'This reply could not be decrypted: it may be damaged, or not meant for your words. You can delete it.',
  'mailbox.file.save': 'Save',
  'mailbox.file.prepare': 'Prepare to save',
  'mailbox.file.preparing': 'Decrypting and checking: {percent}%',
  'mailbox.file.checked': 'Checked: complete and unchanged.',
  'mailbox.file.damaged':
    'This file could not be opened: the reply is damaged or incomplete, so nothing was saved. Ask the newsroom to send it again.',
  'mailbox.file.gone': 'This file is no longer available here. Close the replies and open them again with your words.',
  'mailbox.file.failed': 'Something went wrong while opening this file. Try again.',
  'mailbox.files.onSave':
    'The message above is checked. Each file is checked when you prepare it for saving; a large file can take a while.',
  'mailbox.files.incomplete':
    'This reply arrived incomplete. Its message above is intact, but its files cannot be checked or saved. Ask the newsroom to send them again.',
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

  // issue 14: page features
  'words.error.unknownTyped':
    'Counting every word you typed, word {n} is not in the word list and does not join the word beside it into one. Compare it, letter by letter, with what you wrote down.',
  'words.error.ambiguous':
    'You typed more than 12 words, and from word {n} on they join into 12 words in more than one way. Type each of the 12 words with no space inside it.',
  'secret.making': 'Making your words…',
  'secret.renew': 'Make new words',
  'secret.renew.help':
    'Nothing has been sent yet, so you can have other words made, for example if one would be unsafe to carry. The words shown now then stop working.',
  'secret.renewed': 'New words are shown. The earlier ones no longer work: if you wrote them down, destroy that paper.',
  'secret.copy.heading': 'How to write them down',
  'secret.copy.1':
    'Copy each word exactly as shown, in numbered order (1, 2, 3 …), in clear block letters. Do not correct the spelling. Then compare what you wrote with the screen, letter by letter.',
  'secret.copy.2':
    'On paper only: not in a phone, a photo or a messaging app such as WeChat. Write nothing beside them, no site address and no newsroom name.',
  'secret.copy.3': 'When you no longer need them, destroy the paper: burn it or tear it into small pieces.',
  'secret.copy.4': 'If you lose them, nobody can recover them: the newsroom does not know them either.',
  'secret.copy.5':
    'Switching the language shows the same secret in Korean words. Write down one set only, all 12 in one language; never mix the two.',

  'compose.files.choose': 'Choose files',
  'compose.files.photos':
    'Look at photos before you attach them: faces, name tags, addresses and number plates can identify you.',
  'progress.screenOn': 'On a phone, keep the screen on and this page in front until sending is finished.',
  'done.replyWhere': 'To read a reply, come back to this page in a few days and press “{button}”.',

  'help.summary': 'Safety help: read this before you start',
  'help.replies.heading': 'Reading a reply',
  'help.replies.1': 'Come back to this page later, press “{button}” at the top and type your 12 words.',
  'help.replies.2':
    'Editors need time to answer: look again after a few days. Replies stay on the server only for a limited time, so do not wait months.',
  'help.replies.3':
    'Read replies as carefully as you sent: in Tor Browser if you can, where nobody can see your screen.',
  'help.tor.heading': 'Tor Browser',
  'help.tor.1':
    'Tor Browser is a free browser that makes it hard for your internet provider, or anyone watching the connection, to see which sites you visit. Get it only from torproject.org or from a place the newsroom told you about.',
  'help.tor.2':
    'That you use Tor can itself be noticed: your provider can see that you connect to Tor, though not what you do there.',
  'help.tor.3':
    'Tor is blocked in China. There, Tor Browser may need a bridge (its “Bridges” setting) before it can connect the first time.',
  'help.browser.heading': 'In another browser',
  'help.browser.1':
    'A browser other than Tor Browser keeps this visit in its history, and “{exit}” does not erase it. When you are done, delete this site from the history, or use a private window from the start.',
  'help.phone.heading': 'On a phone',
  'help.phone.1':
    'While sending, keep the screen on and this page in front: if the phone locks or you switch apps, sending may stop until you come back.',
  'help.phone.2':
    'Do not use a phone or tablet sold inside North Korea: such devices are reported to record what is shown on their screens.',
  'help.files.heading': 'Photos and files',
  'help.files.1':
    'Before attaching a photo or video, look at it for anything that points to you or the place: faces, name tags, addresses, number plates.',
  'help.files.2':
    'Files can carry hidden details, such as where a photo was taken or who wrote a document. This page does not remove them.',
  'help.words.heading': 'The 12 secret words',
  'help.words.1': 'If you cannot keep the paper hidden safely, it is safer not to ask for a reply.',
} as const;
