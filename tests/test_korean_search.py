"""The Korean edition's search language (tools/korean_search.py): Hangul words lose their
particle, other words are stemmed as the English search does, and the browser's generated
stemmer cuts every word exactly as the index did."""

import json
import re
import shutil
import subprocess
import types
from pathlib import Path

import pytest
import sphinx.search
from sphinx.application import Sphinx
from sphinx.search import IndexBuilder
from sphinx.search.en import SearchEnglish

from tools.korean_search import SearchKorean, js_stemmer_code

ROOT = Path(__file__).resolve().parents[1]
KOREAN = SearchKorean({})
ENGLISH = SearchEnglish({})
HANGUL = re.compile("[\uac00-\ud7a3]")

STRIPPED = {
    "손실을": "손실", "손실이": "손실", "손실의": "손실", "손실은": "손실", "손실에서는": "손실",
    "손실이라는": "손실", "손실이다": "손실", "모멘텀은": "모멘텀", "모멘텀을": "모멘텀",
    "기울기가": "기울기", "기울기는": "기울기", "기울기를": "기울기", "기울기와": "기울기",
    "학습률로": "학습률", "학습률이": "학습률", "값으로": "값", "옵티마이저에서": "옵티마이저",
    "옵티마이저이다": "옵티마이저", "옵티마이저다": "옵티마이저다", "결과는": "결과",
    "결과를": "결과", "과정의": "과정",
}
# Words that end in a particle's syllable but carry none: the wrong allomorph for the
# syllable before it (증가, 차이, 효과, 경로), a kept word (결과, 정의, 속도), a bare particle.
KEPT = ("손실", "모멘텀", "기울기", "증가", "평가", "차이", "사이", "효과", "경로", "바다",
        "결과", "정의", "속도", "길이", "이", "도", "에서")
ENGLISH_WORDS = ("Adam", "SGD", "momentum", "optimizers", "learning", "gradients",
                 "RMSprop", "the", "running")


@pytest.mark.parametrize("word, stem", STRIPPED.items())
def test_a_korean_word_loses_its_particle(word, stem):
    assert KOREAN.stem(word) == stem


@pytest.mark.parametrize("word", KEPT)
def test_a_word_without_a_particle_is_kept_whole(word):
    assert KOREAN.stem(word) == word


@pytest.mark.parametrize("word", ENGLISH_WORDS)
def test_other_words_are_stemmed_as_the_english_search_does(word):
    assert KOREAN.stem(word) == ENGLISH.stem(word)
    assert KOREAN.stopwords == ENGLISH.stopwords


def test_a_latin_word_with_a_particle_is_stemmed_as_english():
    assert KOREAN.stem("Adam은") == "adam"
    assert KOREAN.stem("optimizers를") == ENGLISH.stem("optimizers")


def test_registering_korean_leaves_the_english_index_as_it_was(monkeypatch):
    """Sphinx's own ``add_search_language`` adds ``ko``; an ``en`` build keeps its language."""
    monkeypatch.setattr(sphinx.search, "languages", dict(sphinx.search.languages))
    Sphinx.add_search_language(None, SearchKorean)
    env = types.SimpleNamespace(**{f"_search_index_{name}": {} for name in (
        "titles", "filenames", "mapping", "title_mapping", "all_titles", "index_entries",
        "objtypes", "objnames")})
    assert type(IndexBuilder(env, "ko", {}, None).lang) is SearchKorean
    english = IndexBuilder(env, "en", {}, None)
    assert type(english.lang) is SearchEnglish
    assert english.get_js_stemmer_code() == SearchEnglish.js_stemmer_code


def words_to_compare():
    """Every word of the Korean catalogs, the test words and a few Latin-Hangul mixtures."""
    words = set(STRIPPED) | set(KEPT) | set(ENGLISH_WORDS) | {"Adam은", "SGD의", "L2로", "1이다"}
    for path in (ROOT / "locales").rglob("*.po"):
        words |= set(KOREAN.split(path.read_text(encoding="utf-8")))
    return sorted(words)


def javascript_stems(words, stemmer_code):
    """Each word's stem by the JavaScript ``Stemmer`` of ``stemmer_code``, run by node."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing (Node 20 builds the site's assets)", pytrace=False)
    script = stemmer_code + """
const stemmer = new Stemmer();
const words = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(words.map((w) => stemmer.stemWord(w.toLowerCase()))));
"""
    result = subprocess.run([node, "-e", script], input=json.dumps(words), text=True,
                            capture_output=True, check=True)
    return json.loads(result.stdout)


def test_the_browser_stems_every_word_as_the_index_does():
    """Hangul words as the Python stemmer; the others as the English edition's browser.

    (Sphinx's JavaScript Porter stemmer and the Python one disagree on a few short English
    words, ``is`` or ``vs``, in the English edition too: the Korean one inherits that as is.)
    """
    words = words_to_compare()
    assert sum(bool(HANGUL.search(w)) for w in words) > 1000
    english = javascript_stems(words, SearchEnglish.js_stemmer_code)
    expected = [KOREAN.stem(w) if HANGUL.search(w) else e for w, e in zip(words, english)]
    korean = javascript_stems(words, js_stemmer_code())
    assert [(w, e, k) for w, e, k in zip(words, expected, korean) if e != k] == []
