/**
 * Korean messages, written for native readers: 합니다체 for explanations,
 * short plain labels for controls. Must have exactly the keys of `en`.
 */
import type { Catalog } from './catalog.js';

export const ko: Catalog = {
  'page.title': 'Sealdrop: 안전하게 제보하기',
  'page.heading': '편집국에 제보하기',
  'page.tagline': '작성한 내용과 첨부 파일은 이 기기에서 암호화된 뒤에 전송됩니다.',
  'language.label': '언어',
  'language.other': 'English',
  'exit.button': '빠른 나가기',
  'exit.hint': '이 페이지를 바로 떠나고 입력한 내용을 지웁니다. 단축키: Esc 키를 두 번 누르세요.',

  'intro.protects.heading': '이 페이지가 보호하는 것',
  'intro.protects.1':
    '메시지와 파일은 전송되기 전에 이 브라우저 안에서 암호화됩니다. 편집국 기자만 복호화할 수 있으며, 서버에는 암호문만 저장됩니다.',
  'intro.protects.2': '파일 이름, 종류, 크기도 암호화되어 전송됩니다. 서버는 대략적인 전체 크기만 알 수 있습니다.',
  'intro.protects.3':
    '이 페이지는 쿠키를 쓰지 않고, 이 기기에 아무것도 저장하지 않으며, 다른 사이트에서 아무것도 불러오지 않습니다.',
  'intro.limits.heading': '보호하지 못하는 것',
  'intro.limits.1':
    '이 기기가 이 사이트에 접속했다는 사실은 숨길 수 없습니다. 그것이 걱정된다면 본인과 연결되지 않은 기기와 네트워크에서 Tor 브라우저를 사용하세요.',
  'intro.limits.2':
    '이미 감시당하고 있는 기기는 보호할 수 없습니다. 스파이웨어, 공유된 화면, 어깨 너머로 보는 사람이 그런 경우입니다.',
  'intro.limits.3':
    '파일 안에 있는 신원 정보는 지워 주지 않습니다. 문서 속 이름이나 사진의 위치 정보 같은 것은 보내기 전에 직접 지우세요.',
  'intro.limits.4':
    '이 서버가 장악되면 변조된 페이지가 전달될 수 있습니다. 아래 지문을 편집국이 다른 곳에 공개한 지문과 비교하세요.',

  'keys.heading': '편집국 키 지문',
  'keys.help':
    '편집국이 다른 곳(웹사이트, 지면, 소셜 미디어 계정)에 공개한 지문과 비교하세요. 서로 다르면 아무것도 보내지 마세요.',
  'keys.checking': '편집국의 서명된 키 목록을 확인하고 있습니다…',
  'keys.verified': '서명된 키 목록을 확인했습니다. {expires}까지 유효합니다.',
  'keys.unavailable': '확인할 수 없음',

  'compose.heading': '제보 내용',
  'compose.message.label': '메시지',
  'compose.message.help':
    '무슨 일이 언제, 어디서 있었는지, 편집국이 어떻게 사실을 확인할 수 있는지 적어 주세요. 원하지 않는다면 이름은 적지 마세요.',
  'compose.files.label': '파일 첨부',
  'compose.files.help': '서버 한도 안에서 종류와 크기에 상관없이 첨부할 수 있습니다. 여러 번에 나눠 추가해도 됩니다.',
  'compose.files.none': '첨부한 파일이 없습니다.',
  'compose.files.total': '파일 {count}개, 모두 {size}',
  'compose.files.remove': '삭제',
  'compose.files.removeNamed': '{name} 삭제',
  'compose.reply.label': '답장을 받고 싶습니다',
  'compose.reply.help':
    '비밀 단어 12개가 한 번만 표시됩니다. 이 단어가 있어야 나중에 편집국의 답장을 읽을 수 있습니다. 이 단어가 없으면 누구도 답장을 보낼 수 없습니다.',
  'compose.send': '암호화해서 보내기',
  'compose.empty': '먼저 메시지를 쓰거나 파일을 첨부하세요.',

  'secret.heading': '단어 12개를 적어 두세요',
  'secret.intro':
    '이 단어는 지금 한 번만 표시됩니다. 종이에 순서대로 적어 안전한 곳에 보관하세요. 이 단어를 가진 사람은 누구나 답장을 읽을 수 있습니다. 화면을 캡처하지 마세요.',
  'secret.confirm': '단어 12개를 모두 적었습니다',
  'secret.back': '뒤로',
  'secret.send': '암호화해서 보내기',

  'progress.heading': '보내는 중',
  'progress.intro': '암호화해서 보내고 있습니다. 끝날 때까지 이 페이지를 닫지 마세요.',
  'progress.starting': '시작하는 중…',
  'progress.status': '{total} 중 {done} 보냄',
  'progress.rate': '초당 {rate}, 약 {remaining} 남음',
  'progress.retrying': '연결이 끊겼습니다. 다시 연결하고 있으며, 멈춘 곳부터 이어서 보냅니다.',
  'progress.finishing': '마무리하는 중…',
  'progress.cancel': '취소',

  'done.heading': '전송 완료',
  'done.body': '편집국이 암호화된 제보를 받았습니다.',
  'done.reply': '단어 12개를 안전하게 보관하세요. 답장을 읽을 때 필요합니다.',
  'done.leave': '다 마쳤으면 이 페이지를 닫으세요. Tor 브라우저에서는 창을 모두 닫아야 방문 기록이 지워집니다.',
  'done.again': '다른 제보 보내기',

  'cancelled.heading': '취소됨',
  'cancelled.body': '전송을 취소했습니다. 그때까지 올라간 내용은 서버에서 삭제되었습니다.',

  'error.heading': '아무것도 보내지 않았습니다',
  'error.again': '다시 시도',
  'error.reload': '페이지 새로 고침',
  'error.worker':
    '이 페이지의 암호화 기능을 시작하지 못했습니다. 페이지를 새로 고치세요. 계속 실패하면 Tor 브라우저 같은 최신 브라우저를 사용해 보세요.',
  'error.crypto':
    '암호화 라이브러리를 불러오지 못했습니다. 페이지를 새로 고치세요. Tor 브라우저의 보안 수준 중 ‘표준’과 ‘더 안전’에서는 작동하지만, ‘가장 안전’에서는 JavaScript가 실행되지 않습니다.',
  'error.rootKey': '편집국의 루트 키를 불러오지 못해 어떤 키로 암호화할지 확인할 수 없습니다. 나중에 다시 시도하세요.',
  'error.network': '서버에 연결하지 못했습니다. 인터넷 연결을 확인한 뒤 페이지를 새로 고치세요.',
  'error.manifest.invalid':
    '편집국의 키 목록에 루트 키의 올바른 서명이 없습니다. 변조되었을 수 있습니다. 여기서는 아무것도 보내지 마시고, 가능하다면 다른 경로로 편집국에 알려 주세요.',
  'error.manifest.expired':
    '편집국의 키 목록이 만료되어, 오래되었을 수 있는 키로는 암호화하지 않습니다. 이 기기의 날짜가 맞는지 확인하거나 나중에 다시 시도하세요.',
  'error.manifest.future':
    '편집국의 키 목록 날짜가 미래로 되어 있습니다. 이 기기의 날짜와 시간이 맞는지 확인한 뒤 페이지를 새로 고치세요.',
  'error.tooLarge': '서버가 받을 수 있는 크기보다 큽니다. 파일 수나 크기를 줄이거나, 여러 번에 나눠 보내세요.',
  'error.serverBusy': '지금은 서버가 제보를 받을 수 없습니다. 나중에 다시 시도하세요.',
  'error.connection':
    '연결이 끊긴 뒤 다시 연결하지 못해 전송을 마치지 못했습니다. 연결 상태가 나아지면 다시 시도하세요.',
  'error.fileRead':
    '파일을 읽지 못했습니다. 파일을 고른 뒤에 옮겨졌거나 바뀌었을 수 있습니다. 해당 파일을 삭제하고 다시 고른 뒤 시도하세요.',
  'error.rejected': '서버가 암호화된 제보를 거부했습니다. 페이지를 새로 고친 뒤 다시 시도하세요.',
  'error.internal': '문제가 생겼습니다. 페이지를 새로 고친 뒤 다시 시도하세요.',

  'returning.help':
    '전에 제보하면서 단어 12개를 적어 두었나요? 그 단어로 편집국의 답장을 읽고, 편집국에 다시 글을 보낼 수 있습니다.',
  'returning.button': '답장 읽기',

  'words.heading': '답장 읽기',
  'words.intro':
    '제보할 때 적어 둔 단어 12개를 순서대로 입력하세요. 단어 사이는 띄어 쓰거나 줄을 바꾸면 됩니다. 한국어 단어도, 영어 단어도 됩니다.',
  'words.label': '단어 12개',
  'words.help':
    '단어는 이 기기 밖으로 나가지 않습니다. 서버로 보내지 않고 저장하지도 않습니다. 이 화면을 떠나면 입력 칸이 비워집니다.',
  'words.open': '답장 열기',
  'words.opening': '여는 중…',
  'words.fetching': '단어를 확인하고 답장을 가져오는 중입니다…',
  'words.progress': '{total} 중 {done} 받음',
  'words.error.count': '단어는 정확히 12개여야 합니다. 빠지거나 두 번 적은 단어가 없는지 확인하세요.',
  'words.error.unknown': '{n}번째 단어가 단어 목록에 없습니다. 적어 둔 단어와 글자 하나하나 비교해 보세요.',
  'words.error.unknownKorean':
    '{n}번째 단어가 한국어 단어 목록에 없습니다. 적어 둔 단어와 글자 하나하나 비교해 보세요.',
  'words.error.unknownEnglish': '{n}번째 단어가 영어 단어 목록에 없습니다. 적어 둔 단어와 글자 하나하나 비교해 보세요.',
  'words.error.unknownSomewhere': '단어 목록에 없는 단어가 있습니다. 적어 둔 단어와 글자 하나하나 비교해 보세요.',
  'words.error.checksum':
    '단어가 서로 맞지 않습니다. 틀린 단어가 있거나 두 단어의 순서가 바뀌었을 수 있습니다. 적어 둔 단어와 비교해 보세요.',
  'words.error.mixed': '한국어 단어와 영어 단어가 섞여 있습니다. 12개 모두 처음 화면에 나온 언어로 입력하세요.',

  'mailbox.heading': '편집국의 답장',
  'mailbox.empty': '아직 답장이 없습니다. 며칠 뒤에 다시 확인하세요.',
  'mailbox.reply.heading': '{day}에 받은 답장',
  'mailbox.reply.unreadable':
    '이 답장은 열 수 없습니다. 손상되었거나, 이 단어로 여는 답장이 아닐 수 있습니다. 삭제할 수는 있습니다.',
  'mailbox.file.save': '저장',
  'mailbox.saveWarning':
    '저장한 파일은 직접 지울 때까지 이 기기(보통 ‘다운로드’ 폴더)에 남습니다. 문서 같은 일부 파일은 열 때 Tor 브라우저를 거치지 않고 인터넷에 연결될 수 있습니다.',
  'mailbox.delete.one': '삭제',
  'mailbox.delete.all': '모두 삭제',
  'mailbox.delete.confirmOne': '이 답장을 서버에서 영구히 삭제할까요? 되돌릴 수 없습니다.',
  'mailbox.delete.confirmAll': '답장 {count}개를 모두 서버에서 영구히 삭제할까요? 되돌릴 수 없습니다.',
  'mailbox.delete.yes': '영구히 삭제',
  'mailbox.delete.no': '그대로 두기',
  'mailbox.deleting': '삭제하는 중…',
  'mailbox.deleted.one': '답장을 서버에서 삭제했습니다.',
  'mailbox.deleted.many': '답장 {count}개를 서버에서 삭제했습니다.',
  'mailbox.writeBack': '편집국에 다시 쓰기',
  'mailbox.close': '답장 닫기',
  'mailbox.close.help': '닫으면 이 페이지가 단어를 잊습니다. 답장을 다시 읽으려면 단어를 다시 입력하세요.',
  'mailbox.error.crypto': '답장을 여는 기능을 시작하지 못했습니다. 페이지를 새로 고치세요.',
  'mailbox.error.connection': '서버에 연결하지 못했습니다. 인터넷 연결을 확인한 뒤 다시 시도하세요.',
  'mailbox.error.serverBusy': '지금은 서버가 바쁩니다. 몇 분 뒤에 다시 시도하세요.',
  'mailbox.error.rejected': '서버에서 예상하지 못한 응답이 왔습니다. 페이지를 새로 고친 뒤 다시 시도하세요.',
  'mailbox.error.internal': '문제가 생겼습니다. 다시 시도하고, 계속 안 되면 페이지를 새로 고치세요.',

  'followUp.heading': '편집국에 다시 쓰기',
  'followUp.help':
    '이 메시지는 같은 대화로 이어집니다. 편집국은 이전 제보와 함께 보고, 여기로 다시 답장할 수 있습니다. 새 단어는 필요 없습니다.',
  'followUp.back': '답장으로 돌아가기',
  'followUp.done': '편집국이 같은 대화로 메시지를 받았습니다.',

  'unit.bytes': '{n}B',
  'unit.kilobytes': '{n}KB',
  'unit.megabytes': '{n}MB',
  'unit.gigabytes': '{n}GB',
  'unit.seconds': '{n}초',
  'unit.minutes': '{n}분',
  'unit.hours': '{n}시간',
};
