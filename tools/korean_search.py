"""Sphinx full-text search for the Korean edition (``language = "ko"``).

Sphinx has no Korean search language, so it indexed the Korean edition as English: words
split on ``\\w+`` and Porter-stemmed, which leaves Korean words with their particles on
(손실을, 손실이, 손실의 ... were 14 terms): a search for 모멘텀 missed the chapter that
writes it only with a particle, and one for 모멘텀을 found one page of four.
:class:`SearchKorean` indexes a Hangul word by its stem, the word with one trailing particle
or copula ending removed (:data:`PARTICLES`), and every other word as the English search does
(Porter stemmer, English stopwords), so Adam, SGD or momentum are found as before.

The reader's query goes through the same rules in the browser: the JavaScript stemmer
(:func:`js_stemmer_code`) is generated from the same tables, never written twice.

The rules are deliberately conservative, since a wrong cut merges two different words:

* one ending is removed, the longest that fits (손실이라는 -> 손실, not 손실이라);
* the stem keeps at least one syllable (a bare particle, 이 or 도, stays as it is);
* a particle whose form depends on the syllable before it is removed only after a syllable
  that takes that form: 이/은/을/과/으로 follow a final consonant (batchim), 가/는/를/와/로/라는
  follow a vowel (로 also follows ㄹ: 학습률로).  So 증가 and 평가 keep their 가 (증 and
  평 end in a consonant), 차이, 사이 and 효과 keep their 이 and 과 (차, 사, 효 end in a
  vowel); words written in Latin letters (Adam은, SGD의) may take either form;
* a few words of the course end in a syllable that is also a particle and that the rule
  above allows (결과, 정의, 속도, 서로 ...): :data:`KEEP` leaves them whole, alone or with a
  particle after them (결과는 -> 결과).

Not included, on purpose: 들 (plural; also ends 그들), 고/며/면 (verb endings: every
verb would be cut), and chains of more than one particle that are not listed.
"""

import hashlib
import json

from sphinx.search.en import SearchEnglish

HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
# The final-consonant index (jongseong) of ㄹ in a precomposed Hangul syllable.
RIEUL = 8

# Which syllable may come before a particle: any, a final consonant (batchim), a vowel,
# a vowel or ㄹ (로), a final consonant other than ㄹ (으로).
ANY, CONSONANT, VOWEL, VOWEL_OR_RIEUL, CONSONANT_NOT_RIEUL = (
    "any", "consonant", "vowel", "vowel-or-rieul", "consonant-not-rieul")

# Particle (or copula ending) -> the syllable it may follow.  Removed longest first.
PARTICLES = {
    # case particles
    "은": CONSONANT, "는": VOWEL, "이": CONSONANT, "가": VOWEL,
    "을": CONSONANT, "를": VOWEL, "의": ANY,
    "에": ANY, "에서": ANY, "에게": ANY,
    "으로": CONSONANT_NOT_RIEUL, "로": VOWEL_OR_RIEUL,
    "과": CONSONANT, "와": VOWEL,
    # auxiliary particles
    "도": ANY, "만": ANY, "부터": ANY, "까지": ANY, "보다": ANY, "처럼": ANY,
    # a case particle and a topic or additive one, as one ending
    "에는": ANY, "에서는": ANY, "에도": ANY, "에서도": ANY, "에게는": ANY,
    "으로는": CONSONANT_NOT_RIEUL, "로는": VOWEL_OR_RIEUL,
    "과는": CONSONANT, "와는": VOWEL,
    # the copula (after a vowel 이 may be dropped or kept: 옵티마이저다, 옵티마이저이다)
    "이다": ANY, "입니다": ANY, "이며": ANY, "이고": ANY,
    "이라는": ANY, "라는": VOWEL, "이라고": ANY, "라고": VOWEL,
}
# The order in which both stemmers try them (sorted() keeps the table's order among equals).
LONGEST_FIRST = sorted(PARTICLES.items(), key=lambda item: len(item[0]), reverse=True)

# Words of the course whose last syllable is a particle the rules would remove.  They are
# kept whole, with a particle after them too: a cut that ends inside one is refused
# (결과는 loses 는, not 과는).
KEEP = frozenset({
    "결과", "정의", "강의", "속도", "정도", "각도", "척도", "밀도", "온도",
    "길이", "높이", "깊이", "넓이", "추가", "부가", "대가",
    "서로", "바로", "따로", "거의", "또는",
})


def rules_digest():
    """A short digest of :data:`LONGEST_FIRST` and :data:`KEEP`, for the HTML build info.

    Sphinx re-indexes only the pages it writes again; with the rules in the build info
    (``book_extension.setup``), changing them makes an incremental build write every page.
    """
    rules = json.dumps([LONGEST_FIRST, sorted(KEEP)], ensure_ascii=False)
    return hashlib.sha256(rules.encode()).hexdigest()[:16]


def final_consonant(syllable):
    """The final-consonant index (0 = none) of a Hangul syllable; None for other characters."""
    code = ord(syllable)
    if not HANGUL_FIRST <= code <= HANGUL_LAST:
        return None
    return (code - HANGUL_FIRST) % 28


def may_follow(syllable, condition):
    """Whether a particle with this ``condition`` may come after ``syllable``.

    Latin letters, digits and the like carry no batchim in writing: either form may follow.
    """
    final = final_consonant(syllable)
    if final is None or condition == ANY:
        return True
    return {CONSONANT: final != 0,
            VOWEL: final == 0,
            VOWEL_OR_RIEUL: final in (0, RIEUL),
            CONSONANT_NOT_RIEUL: final not in (0, RIEUL)}[condition]


def has_hangul(word):
    """Whether ``word`` holds a Hangul syllable."""
    return any(final_consonant(char) is not None for char in word)


def cuts_kept_word(word, stem):
    """Whether cutting ``word`` to ``stem`` ends inside a :data:`KEEP` word it starts with."""
    return any(word[:end] in KEEP for end in range(len(stem) + 1, len(word) + 1))


def strip_particle(word):
    """``word`` without its trailing particle, the longest one its last syllables allow."""
    for particle, condition in LONGEST_FIRST:
        stem = word[:-len(particle)]
        if word.endswith(particle) and stem and may_follow(stem[-1], condition) \
                and not cuts_kept_word(word, stem):
            return stem
    return word


class SearchKorean(SearchEnglish):
    """Korean search: Hangul words by their stem, the rest as Sphinx's English search."""

    lang = "ko"
    language_name = "Korean"

    def stem(self, word):
        """The index term of ``word``: particle removed, then Porter for words without Hangul.

        ``Adam은`` is one ``\\w+`` word: its particle goes, then ``adam`` is stemmed as English.
        """
        word = word.lower()
        if not has_hangul(word):
            return super().stem(word)
        stem = strip_particle(word)
        return stem if has_hangul(stem) else super().stem(stem)

    @property
    def js_stemmer_code(self):
        """The browser's ``Stemmer``: :meth:`stem`'s rules, generated (:func:`js_stemmer_code`)."""
        return js_stemmer_code()


JS_STEMMER = """
/* Korean stemmer generated by tools/korean_search.py from its PARTICLES and KEEP tables:
   a Hangul word loses one trailing particle, any other word goes to the Porter stemmer. */
var PorterStemmer = Stemmer;
var Stemmer = function() {
  const porter = new PorterStemmer();
  const particles = %(particles)s;
  const keep = new Set(%(keep)s);
  const finalConsonant = (syllable) => {
    const code = syllable.codePointAt(0);
    return (code >= %(first)d && code <= %(last)d) ? (code - %(first)d) %% 28 : null;
  };
  const mayFollow = (syllable, condition) => {
    const final = finalConsonant(syllable);
    if (final === null || condition === "%(any)s") return true;
    return {
      "%(consonant)s": final !== 0,
      "%(vowel)s": final === 0,
      "%(vowel_or_rieul)s": final === 0 || final === %(rieul)d,
      "%(consonant_not_rieul)s": final !== 0 && final !== %(rieul)d,
    }[condition];
  };
  const hasHangul = (word) => [...word].some((c) => finalConsonant(c) !== null);
  const cutsKeptWord = (word, stem) => {
    for (let end = stem.length + 1; end <= word.length; end++)
      if (keep.has(word.slice(0, end))) return true;
    return false;
  };
  const stripParticle = (word) => {
    for (const [particle, condition] of particles) {
      const stem = word.slice(0, word.length - particle.length);
      if (word.endsWith(particle) && stem && mayFollow(stem[stem.length - 1], condition)
          && !cutsKeptWord(word, stem))
        return stem;
    }
    return word;
  };
  this.stemWord = function(word) {
    word = word.toLowerCase();
    if (!hasHangul(word)) return porter.stemWord(word);
    const stem = stripParticle(word);
    return hasHangul(stem) ? stem : porter.stemWord(stem);
  };
};
"""


def js_stemmer_code():
    """The JavaScript ``Stemmer`` class: Sphinx's Porter stemmer, then the Korean rules.

    Written from :data:`LONGEST_FIRST` (the order :func:`strip_particle` tries them in) and
    :data:`KEEP`, so the query a reader types is cut exactly as the pages were.
    """
    return SearchEnglish.js_stemmer_code + JS_STEMMER % {
        "particles": json.dumps(LONGEST_FIRST, ensure_ascii=False),
        "keep": json.dumps(sorted(KEEP), ensure_ascii=False),
        "first": HANGUL_FIRST, "last": HANGUL_LAST, "rieul": RIEUL,
        "any": ANY, "consonant": CONSONANT, "vowel": VOWEL,
        "vowel_or_rieul": VOWEL_OR_RIEUL, "consonant_not_rieul": CONSONANT_NOT_RIEUL,
    }
