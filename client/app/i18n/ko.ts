/**
 * Korean messages, written for native readers: 합니다체 for explanations,
 * short plain labels for controls. Must have exactly the keys of `en`.
 */
import type { Catalog } from './catalog.js';

export const ko: Catalog = {
  'page.title': '메모',
  'page.heading': '편집국에 제보하기',
  'page.tagline': '작성한 내용과 첨부 파일은 이 기기에서 암호화(다른 사람이 읽을 수 없게 바꾸기)된 뒤에 전송됩니다.',
  'language.label': '언어',
  'language.other': 'English',
  'exit.button': '바로 나가기',
  'exit.hint':
    '이 페이지에서 곧바로 빠져나가고, 여기에 입력한 내용을 지웁니다. 브라우저의 방문 기록은 지우지 않습니다. Tor Browser가 아닌 브라우저를 썼다면 방문 기록을 직접 지우세요. 키보드에서는 Esc 키를 빠르게 두 번 눌러도 됩니다.',

  'intro.protects.heading': '이 페이지가 보호하는 것',
  'intro.protects.1':
    '메시지와 파일은 아무것도 보내기 전에 이 인터넷 열람기(브라우저) 안에서 암호화됩니다. 편집국의 편집자만 이를 풀어서 읽을 수 있으며, 서버(보낸 자료를 받아 두는 컴퓨터)에는 읽을 수 없는 암호문만 저장됩니다.',
  'intro.protects.2': '파일 이름, 종류, 크기도 암호화되어 전송됩니다. 서버는 대략적인 전체 크기만 알 수 있습니다.',
  'intro.protects.3':
    '이 페이지는 쿠키(사이트가 기기에 남기는 작은 기록)를 쓰지 않고, 이 기기에 아무것도 저장하지 않으며, 다른 사이트에서 아무것도 불러오지 않습니다.',
  'intro.limits.heading': '보호하지 못하는 것',
  'intro.limits.1':
    '이 기기가 이 사이트에 접속했다는 사실은 숨길 수 없습니다. 그 사실만으로도 위험할 수 있다면, 본인의 것으로 드러나지 않는 기기와 인터넷 연결에서 Tor Browser(토르 브라우저)를 사용하세요.',
  'intro.limits.2':
    '이미 감시당하고 있는 기기는 보호할 수 없습니다. 기기에 몰래 깔린 감시 프로그램(스파이웨어), 다른 사람에게 그대로 보이는 화면, 옆이나 뒤에서 화면을 들여다보는 사람이 그런 경우입니다.',
  'intro.limits.3':
    '파일 안에 들어 있는, 본인을 알아낼 수 있는 정보는 지우지 못합니다. 문서 속 이름이나 사진 파일에 함께 저장되는 찍은 장소(위치) 정보 같은 것은 보내기 전에 직접 지우세요.',
  'intro.limits.4':
    '누군가 이 서버를 손에 넣으면 내용을 바꾼 가짜 페이지를 보낼 수 있습니다. 아래 확인 번호(키 지문)를 편집국이 다른 곳에 공개한 번호와 비교하세요.',

  'keys.heading': '편집국 암호 열쇠의 확인 번호(키 지문)',
  'keys.help':
    '편집국이 다른 곳(웹사이트, 신문 지면, 소셜 미디어 계정)에 공개한 번호와 32자 모두 글자 하나하나까지 같은지 비교하세요. 손가락 지문과는 관계없는, 편집국 열쇠를 알아보는 번호입니다. 하나라도 다르면 아무것도 보내지 마세요.',
  'keys.checking': '편집국이 서명한 열쇠 목록을 확인하는 중입니다…',
  'keys.verified': '열쇠 목록의 서명이 올바릅니다. {expires}까지 유효합니다. 그래도 위의 확인 번호는 직접 비교하세요.',
  'keys.unavailable': '표시할 수 없음',

  'compose.heading': '제보 내용',
  'compose.message.label': '메시지',
  'compose.message.help':
    '무슨 일이 언제, 어디서 있었는지, 편집국이 그 사실을 어떻게 확인할 수 있는지 적어 주세요. 이름은 적지 않아도 됩니다. 밝히고 싶을 때만 적으세요.',
  'compose.files.label': '파일 첨부',
  'compose.files.help':
    '사진, 동영상, 문서 등 어떤 파일이든 서버가 받을 수 있는 크기 안에서 첨부할 수 있습니다. 여러 번에 나눠 추가해도 됩니다.',
  'compose.files.none': '첨부한 파일이 없습니다.',
  'compose.files.total': '파일 {count}개, 합계 {size}',
  'compose.files.remove': '목록에서 빼기',
  'compose.files.removeNamed': '{name} 파일을 목록에서 빼기',
  'compose.reply.label': '답장을 받고 싶습니다',
  'compose.reply.help':
    '이 칸을 고르면 다음 화면에 비밀 단어 12개가 한 번만 나옵니다. 이 단어가 있어야 나중에 편집국의 답장을 읽을 수 있습니다. 편집국도 이 단어를 모르므로 잃어버리면 되찾을 수 없습니다. 이 칸을 고르지 않으면 편집국은 답장을 보낼 수 없습니다.',
  'compose.send': '암호화해서 보내기',
  'compose.empty': '먼저 메시지를 쓰거나 파일을 첨부하세요.',

  'secret.heading': '비밀 단어 12개를 종이에 적어 두세요',
  'secret.intro':
    '이 단어는 지금 한 번만 표시됩니다. 종이에 번호 순서대로 적어 안전한 곳에 보관하세요. 이 단어를 가진 사람은 누구나 편집국이 보낸 답장을 읽을 수 있습니다. 화면을 찍어 저장(화면 캡처)하거나 사진을 찍지 마세요.',
  'secret.confirm': '단어 12개를 모두 적었습니다',
  'secret.back': '뒤로',
  'secret.send': '암호화해서 보내기',

  'progress.heading': '보내는 중',
  'progress.intro': '암호화해서 보내고 있습니다. 끝날 때까지 이 페이지를 닫지 마세요.',
  'progress.starting': '시작하는 중…',
  'progress.status': '{total} 중 {done} 보냄',
  'progress.rate': '초당 {rate}, 약 {remaining} 남음',
  'progress.retrying':
    '연결이 끊겼습니다. 다시 연결하는 중이며, {seconds}초 뒤에 다시 시도합니다. 멈춘 곳부터 이어서 보냅니다.',
  'progress.retryingNow': '연결이 끊겼습니다. 지금 다시 연결해 보는 중입니다…',
  'progress.tryNow': '지금 다시 시도',
  'progress.restarting.keysChanged':
    '보내는 동안 편집국이 암호 열쇠를 바꾸었습니다. 새 열쇠 목록의 서명이 올바른 것을 이 페이지가 확인했고, 제보를 새 열쇠로 다시 암호화해서 처음부터 보내고 있습니다. 쓰신 내용은 그대로 있습니다.',
  'progress.restarting.uploadDropped':
    '서버가 다 받지 못한 전송 자료를 더 이상 보관하지 않습니다(보관할 수 없는 자료는 서버가 치웁니다). 이 페이지가 제보를 다시 암호화해서 처음부터 보내고 있습니다. 쓰신 내용은 그대로 있습니다.',
  'progress.cancelling':
    '취소하는 중입니다. 이 페이지가 지금까지 보낸 자료를 지워 달라고 서버에 요청했고, 서버의 대답을 기다리고 있습니다…',
  'progress.finishing': '마무리하는 중…',
  'progress.cancel': '취소',

  'done.heading': '전송 완료',
  'done.body': '편집국이 암호화된 제보를 받았습니다.',
  'done.reply': '단어 12개를 안전하게 보관하세요. 답장을 읽을 때 필요합니다.',
  'done.leave':
    '다 마쳤으면 이 페이지를 닫으세요. Tor Browser는 창을 모두 닫아야(휴대폰에서는 앱을 완전히 끝내야) 이번 방문을 잊습니다. 다른 브라우저를 썼다면 방문 기록을 직접 지우세요.',
  'done.again': '다른 제보 보내기',

  'cancelled.heading': '취소됨',
  'cancelled.nothingSent': '제보의 어느 부분도 보내기 전에 전송을 취소했습니다.',
  'cancelled.deleted': '전송을 취소했습니다. 그때까지 보낸 암호화된 자료를 지웠다고 서버가 확인했습니다.',
  'cancelled.unconfirmed':
    '전송을 취소했지만, 그때까지 보낸 암호화된 자료를 서버가 지웠는지 이 페이지가 확인하지 못했습니다. 서버는 끝나지 않은 전송 자료를 늦어도 약 {duration} 안에 스스로 지웁니다.',
  'cancelled.unconfirmedUnknown':
    '전송을 취소했지만, 그때까지 보낸 암호화된 자료를 서버가 지웠는지 이 페이지가 확인하지 못했습니다. 서버는 끝나지 않은 전송 자료를 얼마 뒤 스스로 지웁니다.',

  'error.heading': '제보가 편집국에 전달되지 않았습니다',
  'error.again': '다시 시도',
  'error.reload': '페이지 새로 고침',
  'error.worker':
    '이 페이지의 암호화 기능을 시작하지 못했습니다. 페이지를 새로 고치세요. 계속 실패하면 Tor Browser 같은 최신 브라우저를 사용해 보세요.',
  'error.crypto':
    '암호화 프로그램을 불러오지 못했습니다. 페이지를 새로 고치세요. Tor Browser의 보안 수준이 ‘표준’이나 ‘매우 안전함’(Safer, 较安全)이면 이 페이지가 작동하지만, ‘가장 안전함’(Safest, 最安全)에서는 JavaScript가 실행되지 않아 작동하지 않습니다.',
  'error.rootKey':
    '편집국의 기본 암호 열쇠(루트 키)를 불러오지 못해, 어떤 열쇠로 암호화해야 하는지 확인할 수 없습니다. 나중에 다시 시도하세요.',
  'error.network': '서버에 연결하지 못했습니다. 인터넷 연결을 확인한 뒤 페이지를 새로 고치세요.',
  'error.manifest.invalid':
    '편집국의 열쇠 목록에 기본 열쇠(루트 키)의 올바른 서명이 없습니다. 누군가 목록을 바꿔 놓았을 수 있습니다. 여기서는 아무것도 보내지 마시고, 안전하게 할 수 있다면 다른 경로로 편집국에 알려 주세요.',
  'error.manifest.expired':
    '편집국의 열쇠 목록은 유효 기간이 지났습니다. 편집국이 새 열쇠 목록을 내놓을 때까지 제보를 받지 않습니다. 이 페이지는 오래되었을 수 있는 열쇠로는 암호화하지 않습니다. 이 기기의 날짜가 맞는지 확인하거나 나중에 다시 시도하세요.',
  'error.manifest.future':
    '편집국의 열쇠 목록 날짜가 미래로 되어 있습니다. 이 기기의 날짜와 시간이 맞는지 확인한 뒤 페이지를 새로 고치세요.',
  'error.tooLarge':
    '이 제보는 서버가 받을 수 있는 크기보다 큽니다. 파일 수나 크기를 줄이거나, 여러 번에 나눠 보내세요.',
  'error.serverBusy': '지금은 서버가 제보를 받을 수 없습니다. 나중에 다시 시도하세요.',
  'error.connection':
    '연결이 끊긴 뒤 다시 연결하지 못해 전송을 마치지 못했습니다. 서버는 그때까지 받은 암호화된 자료를 스스로 지웁니다. 연결 상태가 나아지면 다시 시도하세요.',
  'error.keysExpired':
    '편집국 암호 열쇠 목록의 유효 기간이 지나서, 서버가 지금은 제보를 받지 않으며 이 제보도 보관하지 않았습니다. 나중에 다시 시도하세요. 안전하게 할 수 있다면 다른 경로로 편집국에 알려 주셔도 됩니다.',
  'error.restartedTooOften':
    '서버가 이 페이지에 처음부터 다시 보내라고 여러 번 요청했습니다(편집국이 열쇠를 바꾸었거나, 서버가 다 받지 못한 자료를 치웠습니다). 쓰신 내용은 이 페이지에 그대로 있으니, 몇 분 뒤에 다시 시도하세요.',
  'error.fileRead':
    '파일을 읽지 못했습니다. 파일을 고른 뒤에 옮겨졌거나 바뀌었을 수 있습니다. 목록에서 그 파일을 빼고 다시 고른 뒤 시도하세요. 기기에 있는 파일은 지워지지 않습니다.',
  'error.rejected': '서버가 암호화된 제보를 거부했습니다. 페이지를 새로 고친 뒤 다시 시도하세요.',
  'error.internal': '문제가 생겼습니다. 페이지를 새로 고친 뒤 다시 시도하세요.',

  'returning.help':
    '전에 제보하면서 단어 12개를 적어 두었나요? 그 단어로 편집국의 답장을 읽고, 편집국에 다시 글을 보낼 수 있습니다.',
  'returning.button': '답장 읽기',

  'words.heading': '답장 읽기',
  'words.intro':
    '제보할 때 적어 둔 단어 12개를 순서대로 입력하세요. 단어 사이는 띄어 쓰거나 줄을 바꾸면 됩니다. 적어 둔 대로 12개 모두 한국어 단어이거나 모두 영어 단어여야 합니다.',
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
  'mailbox.empty':
    '이 단어로 받은 답장이 아직 없습니다. 며칠 뒤에 다시 확인하세요. 답장이 와 있어야 한다면 입력한 단어를 적어 둔 단어와 비교해 보세요.',
  'mailbox.reply.heading': '{day}에 받은 답장',
  'mailbox.reply.unreadable':
    '이 답장은 열 수 없습니다. 손상되었거나, 이 단어로 여는 답장이 아닐 수 있습니다. 서버에서 삭제할 수는 있습니다.',
  'mailbox.file.save': '저장',
  'mailbox.file.prepare': '저장 준비하기',
  'mailbox.file.preparing': '암호를 풀고 확인하는 중: {percent}%',
  'mailbox.file.checked': '확인했습니다. 빠진 곳도 바뀐 곳도 없습니다.',
  'mailbox.file.damaged':
    '이 파일을 열지 못했습니다. 답장이 손상되었거나 일부가 빠져 있어서 아무것도 저장하지 않았습니다. 편집국에 다시 보내 달라고 하세요.',
  'mailbox.file.gone': '이 파일은 이제 여기서 열 수 없습니다. 답장을 닫고 단어로 다시 여세요.',
  'mailbox.file.failed': '파일을 여는 중에 문제가 생겼습니다. 다시 시도하세요.',
  'mailbox.files.onSave':
    '위의 글은 확인했습니다. 파일은 저장 준비를 할 때 하나씩 확인하며, 큰 파일은 시간이 걸릴 수 있습니다.',
  'mailbox.files.incomplete':
    '이 답장은 일부가 빠진 채로 왔습니다. 위의 글은 온전하지만 파일은 확인하거나 저장할 수 없습니다. 편집국에 다시 보내 달라고 하세요.',
  'mailbox.saveWarning':
    '저장한 파일은 직접 지울 때까지 이 기기(보통 ‘다운로드’ 폴더)에 남습니다. 문서 같은 일부 파일은 열 때 Tor Browser를 거치지 않고 인터넷에 연결될 수 있습니다.',
  'mailbox.delete.one': '삭제',
  'mailbox.delete.all': '모두 삭제',
  'mailbox.delete.confirmOne': '이 답장을 서버에서 영구히 삭제할까요? 되돌릴 수 없습니다.',
  'mailbox.delete.confirmAll': '답장 {count}개를 모두 서버에서 영구히 삭제할까요? 되돌릴 수 없습니다.',
  'mailbox.delete.yes': '영구히 삭제',
  'mailbox.delete.no': '그대로 두기',
  'mailbox.deleting': '삭제하는 중…',
  'mailbox.deleted.one': '답장을 서버에서 삭제했습니다.',
  'mailbox.deleted.many': '답장 {count}개를 서버에서 삭제했습니다.',
  'mailbox.writeBack': '답장 쓰기',
  'mailbox.close': '답장 닫기',
  'mailbox.close.help': '닫으면 이 페이지가 단어를 잊습니다. 답장을 다시 읽으려면 단어를 다시 입력하세요.',
  'mailbox.error.crypto': '답장을 여는 기능을 시작하지 못했습니다. 페이지를 새로 고치세요.',
  'mailbox.error.connection': '서버에 연결하지 못했습니다. 인터넷 연결을 확인한 뒤 다시 시도하세요.',
  'mailbox.error.serverBusy': '지금은 서버가 바쁩니다. 몇 분 뒤에 다시 시도하세요.',
  'mailbox.error.rejected': '서버에서 예상하지 못한 응답이 왔습니다. 페이지를 새로 고친 뒤 다시 시도하세요.',
  'mailbox.error.internal': '문제가 생겼습니다. 다시 시도하고, 계속 안 되면 페이지를 새로 고치세요.',

  'followUp.heading': '편집국에 답장 쓰기',
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

  // issue 14: page features
  'words.error.unknownTyped':
    '입력한 단어를 모두 세어 {n}번째 단어가 단어 목록에 없고, 옆 단어와 붙여도 목록의 단어가 되지 않습니다. 적어 둔 것과 한 글자씩 비교해 보세요.',
  'words.error.ambiguous':
    '단어를 12개보다 많이 입력했는데, {n}번째 단어부터는 12개로 붙이는 방법이 여러 가지입니다. 단어 12개를 하나씩, 단어 안에는 띄어쓰기 없이 입력하세요.',
  'secret.making': '단어를 만드는 중…',
  'secret.renew': '다른 단어로 다시 만들기',
  'secret.renew.help':
    '아직 아무것도 보내지 않았으므로 다른 단어를 받을 수 있습니다. 지니고 다니기 위험한 단어가 있을 때 등에 누르세요. 그러면 지금 보이는 단어는 쓸 수 없게 됩니다.',
  'secret.renewed': '새 단어가 나왔습니다. 앞의 단어는 이제 쓸 수 없습니다. 이미 적었다면 그 종이를 없애세요.',
  'secret.copy.heading': '적는 방법',
  'secret.copy.1':
    '번호 순서(1, 2, 3 …)대로, 화면에 보이는 글자 그대로 또박또박 정자로 적으세요. 맞춤법을 고치지 마세요. 다 적은 뒤 화면과 한 글자씩 맞춰 보세요.',
  'secret.copy.2':
    '종이에만 적으세요. 전화기, 사진, 위챗 같은 메신저에는 남기지 마세요. 단어 옆에는 이 사이트 주소나 편집국 이름 등 아무것도 적지 마세요.',
  'secret.copy.3': '더 필요 없어지면 종이를 태우거나 잘게 찢어 없애세요.',
  'secret.copy.4': '잃어버리면 누구도 되찾아 줄 수 없습니다. 편집국도 이 단어를 모릅니다.',
  'secret.copy.5':
    '언어를 바꾸면 같은 비밀이 영어 단어로 보입니다. 한 가지 언어로 된 단어 12개만 적고, 두 언어의 단어를 섞지 마세요.',

  'compose.files.choose': '파일 고르기',
  'compose.files.photos':
    '사진은 첨부하기 전에 살펴보세요. 얼굴, 이름표, 주소, 차 번호판으로 본인이 드러날 수 있습니다.',
  'progress.screenOn': '휴대폰에서는 전송이 끝날 때까지 화면을 켜 두고 이 페이지를 띄워 두세요.',
  'done.replyWhere': '답장을 읽으려면 며칠 뒤 이 페이지에 다시 와서 ‘{button}’ 단추를 누르세요.',

  'help.summary': '안전 도움말: 시작하기 전에 읽어 보세요',
  'help.replies.heading': '답장 읽기',
  'help.replies.1': '나중에 이 페이지에 다시 와서 맨 위의 ‘{button}’ 단추를 누르고 단어 12개를 입력하세요.',
  'help.replies.2':
    '편집국이 답장을 쓰려면 시간이 걸리니 며칠 뒤에 확인하세요. 답장은 서버에 정해진 기간 동안만 남아 있으니 몇 달씩 미루지 마세요.',
  'help.replies.3':
    '답장도 보낼 때처럼 조심해서 읽으세요. 되도록 Tor Browser로, 다른 사람이 화면을 볼 수 없는 곳에서 읽으세요.',
  'help.tor.heading': 'Tor Browser(토르 브라우저)',
  'help.tor.1':
    'Tor Browser는 어느 사이트에 접속하는지 통신 회사나 연결을 엿보는 사람이 알기 어렵게 해 주는 무료 인터넷 열람기(브라우저)입니다. 공식 사이트(torproject.org)나 편집국이 알려 준 곳에서만 받으세요.',
  'help.tor.2':
    'Tor를 쓴다는 사실 자체는 드러날 수 있습니다. 통신 회사는 무엇을 하는지는 몰라도 Tor에 접속한다는 것은 알 수 있습니다.',
  'help.tor.3':
    '중국에서는 Tor 연결이 막혀 있습니다. 그곳에서 처음 연결할 때는 Tor Browser의 ‘브리지’(Bridges) 설정이 필요할 수 있습니다.',
  'help.browser.heading': '다른 브라우저를 쓸 때',
  'help.browser.1':
    'Tor Browser가 아닌 브라우저는 이번 방문을 방문 기록에 남기며, ‘{exit}’도 이 기록은 지우지 못합니다. 다 마친 뒤 방문 기록에서 이 사이트를 지우거나, 처음부터 비공개 창(사생활 보호 창)을 쓰세요.',
  'help.phone.heading': '휴대폰(손전화)에서',
  'help.phone.1':
    '보내는 동안에는 화면을 켜 두고 이 페이지를 띄워 두세요. 화면이 잠기거나 다른 앱으로 넘어가면 돌아올 때까지 전송이 멈출 수 있습니다.',
  'help.phone.2':
    '북한 안에서 팔리는 휴대폰이나 태블릿은 쓰지 마세요. 이런 기기는 화면에 나온 내용을 기록한다고 알려져 있습니다.',
  'help.files.heading': '사진과 파일',
  'help.files.1':
    '사진이나 동영상을 첨부하기 전에 본인이나 장소를 알려 줄 만한 것이 찍혀 있는지 살펴보세요. 얼굴, 이름표, 주소, 차 번호판 같은 것입니다.',
  'help.files.2':
    '파일에는 사진을 찍은 장소나 문서를 쓴 사람 같은 정보가 보이지 않게 들어 있을 수 있습니다. 이 페이지는 그런 정보를 지우지 않습니다.',
  'help.words.heading': '비밀 단어 12개',
  'help.words.1': '종이를 안전하게 숨겨 둘 수 없다면 답장 받기를 고르지 않는 편이 안전합니다.',
};
