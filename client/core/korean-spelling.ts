/**
 * North Korean spellings of BIP39 Korean list words, accepted when a source
 * types the words back (docs/PROTOCOL.md, Keys §3.1).
 *
 * The Korean BIP39 list is in South Korean spelling. A reader schooled in the
 * North may "correct" a word while copying it, or write it later from memory,
 * in the North's spelling (조선말규범집): the initial ㄹ/ㄴ the South drops
 * (두음법칙), 률/렬 after a vowel or ㄴ, no 사이시옷, and the North's forms of
 * loanwords. Refusing such a word would lock the source out of their replies;
 * accepting it costs nothing, because each alias below is not a list word
 * and names exactly one list word (test/core/korean-spelling.test.ts checks
 * both for every entry), so no secret becomes another.
 *
 * Source: ../shared/KOREAN-REVIEW.md Appendix C (114 pairs, each checked
 * against the list), plus 어젯밤←어제밤 and 오랫동안←오래동안, the two
 * 사이시옷 words the appendix missed. Individual North Korean forms are
 * medium confidence: a reviewer with recent North Korean schooling should
 * check them before a release. Adding a pair is safe as long as the tests
 * pass; removing one may lock out a source who wrote it.
 */

/** Which spelling rule makes the North Korean form differ. */
export type SpellingRule = 'initial-sound' | 'ryul' | 'sai-siot' | 'loanword';

/** A list word and its North Korean spelling, both precomposed (NFC). */
export interface KoreanAlias {
  readonly word: string;
  readonly alias: string;
  readonly rule: SpellingRule;
}

const PAIRS: Record<SpellingRule, readonly (readonly [word: string, alias: string])[]> = {
  // 두음법칙: the North keeps the original initial ㄹ or ㄴ of Sino-Korean words.
  // (노력←로력 is harmless but probably unneeded: 努 is 노 in the North too,
  // and 로력 is the North's word for "labour force"; it names no other list word.)
  'initial-sound': [
    ['낙엽', '락엽'],
    ['나침반', '라침반'],
    ['낭비', '랑비'],
    ['내년', '래년'],
    ['내일', '래일'],
    ['냉동', '랭동'],
    ['냉면', '랭면'],
    ['냉방', '랭방'],
    ['냉장고', '랭장고'],
    ['노동', '로동'],
    ['노력', '로력'],
    ['노인', '로인'],
    ['녹음', '록음'],
    ['녹차', '록차'],
    ['녹화', '록화'],
    ['논리', '론리'],
    ['논문', '론문'],
    ['논쟁', '론쟁'],
    ['농구', '롱구'],
    ['농담', '롱담'],
    ['여관', '려관'],
    ['여권', '려권'],
    ['여행', '려행'],
    ['여성', '녀성'],
    ['여고생', '녀고생'],
    ['여군', '녀군'],
    ['여대생', '녀대생'],
    ['여동생', '녀동생'],
    ['여왕', '녀왕'],
    ['여인', '녀인'],
    ['여직원', '녀직원'],
    ['여학생', '녀학생'],
    ['역사', '력사'],
    ['연결', '련결'],
    ['연락', '련락'],
    ['연세', '년세'],
    ['연속', '련속'],
    ['연습', '련습'],
    ['연애', '련애'],
    ['연인', '련인'],
    ['연합', '련합'],
    ['연휴', '련휴'],
    ['열차', '렬차'],
    ['염려', '념려'],
    ['영남', '령남'],
    ['영역', '령역'],
    ['영하', '령하'],
    ['영혼', '령혼'],
    ['예식장', '례식장'],
    ['예절', '례절'],
    ['예컨대', '례컨대'],
    ['요금', '료금'],
    ['유학', '류학'],
    ['유행', '류행'],
    ['유형', '류형'],
    ['육군', '륙군'],
    ['육상', '륙상'],
    ['육십', '륙십'],
    ['이념', '리념'],
    ['이력서', '리력서'],
    ['이론적', '리론적'],
    ['이발소', '리발소'],
    ['이별', '리별'],
    ['이용', '리용'],
    ['이익', '리익'],
    ['이혼', '리혼'],
    ['인근', '린근'],
  ],
  // 률/렬 after a vowel or ㄴ, where the South writes 율/열.
  ryul: [
    ['비율', '비률'],
    ['환율', '환률'],
    ['효율적', '효률적'],
  ],
  // The North writes no 사이시옷 (the ㅅ the South inserts between the parts of a compound).
  'sai-siot': [
    ['고춧가루', '고추가루'],
    ['후춧가루', '후추가루'],
    ['빗물', '비물'],
    ['빗방울', '비방울'],
    ['빗줄기', '비줄기'],
    ['냇물', '내물'],
    ['뒷모습', '뒤모습'],
    ['뒷산', '뒤산'],
    ['바닷가', '바다가'],
    ['햇볕', '해볕'],
    ['햇살', '해살'],
    ['촛불', '초불'],
    ['찻잔', '차잔'],
    ['칫솔', '치솔'],
    ['수돗물', '수도물'],
    ['윗사람', '웃사람'],
    ['존댓말', '존대말'],
    ['제삿날', '제사날'],
    ['하룻밤', '하루밤'],
    ['횟수', '회수'],
    ['숫자', '수자'],
    ['외갓집', '외가집'],
    ['젓가락', '저가락'],
    ['어젯밤', '어제밤'],
    ['오랫동안', '오래동안'],
  ],
  // Loanwords, which the North often took through Russian or Japanese and writes its own way.
  loanword: [
    ['컴퓨터', '콤퓨터'],
    ['텔레비전', '텔레비죤'],
    ['아파트', '아빠트'],
    ['토마토', '도마도'],
    ['에너지', '에네르기'],
    ['바이러스', '비루스'],
    ['초콜릿', '쵸콜레트'],
    ['마라톤', '마라손'],
    ['시멘트', '세멘트'],
    ['파일', '화일'],
    ['인터넷', '인터네트'],
    ['홈페이지', '홈페지'],
    ['스케이트', '스케트'],
    ['알코올', '알콜'],
    ['달러', '딸라'],
    ['미사일', '미싸일'],
    ['센티미터', '센치메터'],
    ['밀리미터', '밀리메터'],
    ['알루미늄', '알루미니움'],
    ['와이셔츠', '와이샤쯔'],
    ['배드민턴', '바드민톤'],
  ],
};

/** Every accepted North Korean spelling, in the order above. */
export const KOREAN_ALIASES: readonly KoreanAlias[] = (Object.keys(PAIRS) as SpellingRule[]).flatMap((rule) =>
  PAIRS[rule].map(([word, alias]) => ({ word, alias, rule })),
);

/** NFKD alias → NFKD list word: the form word lookup uses (the BIP39 lists are NFKD). */
const BY_ALIAS: ReadonlyMap<string, string> = new Map(
  KOREAN_ALIASES.map(({ word, alias }) => [alias.normalize('NFKD'), word.normalize('NFKD')]),
);

/**
 * The list word a North Korean spelling stands for, or undefined if the word
 * is not a known alias. Input and output are NFKD, as in the BIP39 list.
 */
export function listWordForAlias(nfkdWord: string): string | undefined {
  return BY_ALIAS.get(nfkdWord);
}
