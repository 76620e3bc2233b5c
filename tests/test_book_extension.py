"""The book's Sphinx extension (tools/book_extension.py): static figures, the root on the
kernels' PYTHONPATH, and an inline script registered twice written once."""

import os
import types

import pytest

from lossopt import interactive
from tools import book_extension


def test_sphinx_setup_turns_on_static_figures_and_puts_the_root_on_pythonpath(
        monkeypatch, tmp_path):
    monkeypatch.setenv(interactive.STATIC_ENV, "0")     # restored (deleted) after the test
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    handlers, directives, post_transforms, search_languages, settings = [], {}, [], [], []
    app = types.SimpleNamespace(
        srcdir=tmp_path, connect=lambda *args, **kwargs: handlers.append(args),
        add_directive=lambda name, cls, override=False: directives.__setitem__(name, cls),
        add_post_transform=post_transforms.append,
        add_search_language=search_languages.append,
        add_config_value=lambda *args: settings.append(args))
    metadata = book_extension.setup(app)
    assert handlers == [("config-inited", book_extension._kernels_speak_the_book_language),
                        ("html-page-context", book_extension._drop_repeated_inline_scripts),
                        ("html-page-context", book_extension._link_other_editions),
                        ("doctree-read", book_extension._translate_toc_captions),
                        ("doctree-read", book_extension._register_translated_exercises)]
    assert set(directives) == {"exercise", "exercise-start"}
    assert [t.builders for t in post_transforms] == [("gettext",)]
    assert search_languages == [book_extension.SearchKorean]
    assert settings == [("korean_search_rules", book_extension.rules_digest(), "html")]
    assert os.environ[interactive.STATIC_ENV] == "1"
    assert interactive.static_mode()
    assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(tmp_path), "/elsewhere"]
    assert metadata["parallel_read_safe"]


def test_an_inline_script_registered_twice_is_written_once():
    def script(filename, body=None):
        attributes = {"body": body} if body else {}
        return types.SimpleNamespace(filename=filename, attributes=attributes)

    thebe = 'const THEBE_JS_URL = "x"'
    scripts = [script("a.js"), script("", thebe), script("a.js"), script("", thebe),
               script("", "var other = 1")]
    context = {"script_files": scripts}
    book_extension._drop_repeated_inline_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] is scripts      # later handlers append to this list
    assert [(s.filename, s.attributes.get("body")) for s in scripts] == [
        ("a.js", None), ("", thebe), ("a.js", None), ("", "var other = 1")]


def test_each_edition_links_the_same_page_in_the_other():
    assert book_extension.edition_links("chapters/glossary", "en") == [
        ("ko", "한국어", "../ko/chapters/glossary.html")]
    assert book_extension.edition_links("chapters/glossary", "ko") == [
        ("en", "English", "../../chapters/glossary.html")]
    assert book_extension.edition_links("intro", "en") == [("ko", "한국어", "ko/intro.html")]
    assert book_extension.edition_links("intro", "ko") == [("en", "English", "../intro.html")]


def test_a_page_opens_with_the_switch_and_announces_the_other_edition():
    app = types.SimpleNamespace(config=types.SimpleNamespace(language="ko"))
    context = {"body": "<h1>손실</h1>", "metatags": ""}
    book_extension._link_other_editions(app, "chapters/x", "page.html", context, object())
    assert context["body"].startswith('<nav class="lossopt-language"')
    assert 'href="../../chapters/x.html" hreflang="en" lang="en">English</a></nav>' \
        in context["body"]
    assert '<link rel="alternate" hreflang="en" href="../../chapters/x.html" title="English">' \
        in context["metatags"]
    search = {"metatags": ""}           # no body of its own: the head link only
    book_extension._link_other_editions(app, "search", "search.html", search, None)
    assert "body" not in search and 'hreflang="en"' in search["metatags"]


def test_the_kernels_draw_in_the_book_language(monkeypatch):
    monkeypatch.setenv("LOSSOPT_LANGUAGE", "en")     # restored after the test
    book_extension._kernels_speak_the_book_language(
        None, types.SimpleNamespace(language="ko"))
    assert os.environ["LOSSOPT_LANGUAGE"] == "ko"
    with pytest.raises(ValueError, match="'fr' is not one of"):
        book_extension._kernels_speak_the_book_language(
            None, types.SimpleNamespace(language="fr"))
