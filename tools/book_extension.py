"""The course book's Sphinx extension (``_config.yml`` loads it from ``tools/``).

It lives outside ``lossopt``: the student wheel ships the toolkit, not the
book's build hooks.
"""

import html
import os

from lossopt.i18n import LANGUAGE_ENV, LANGUAGE_NAMES, LANGUAGES
from lossopt.interactive import STATIC_ENV

try:        # imported as tools.book_extension (the tests)
    from .korean_search import SearchKorean, rules_digest
except ImportError:     # as book_extension, from _config.yml's local_extensions path tools/
    from korean_search import SearchKorean, rules_digest


def setup(app):
    """Sphinx extension of the course book (``_config.yml`` lists it).

    Every book build renders static figures, even without ``make site``, so the
    execution cache never holds live-only widgets.  The book root goes on the
    kernels' ``PYTHONPATH`` (kernels inherit the build's environment), so a
    chapter in ``chapters/`` can import packages that sit in the root.  An
    inline script that an extension registered twice is written once.  The kernels draw
    their figures in the book's language (``LOSSOPT_LANGUAGE``), every page links the same
    page in the other editions, and exercise titles are translated like any paragraph.
    The Korean edition's search index and query drop Korean particles (``korean_search``);
    Sphinx picks a search language by the edition's ``language``, so English is untouched.
    """
    os.environ[STATIC_ENV] = "1"
    app.add_search_language(SearchKorean)
    # An "html" setting: a change of the rules rewrites (and so re-indexes) every page.
    app.add_config_value("korean_search_rules", rules_digest(), "html")
    app.connect("config-inited", _kernels_speak_the_book_language)
    # Late, so the scripts other extensions add to each page are there already.
    app.connect("html-page-context", _drop_repeated_inline_scripts, priority=900)
    app.connect("html-page-context", _link_other_editions)
    app.connect("doctree-read", _translate_toc_captions)
    app.connect("doctree-read", _register_translated_exercises)
    _translatable_exercise_titles(app)
    _glue_in_translated_text()
    root = os.fspath(app.srcdir)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def _drop_repeated_inline_scripts(app, pagename, templatename, context, doctree):
    """Keep the first of identical inline scripts on a page.

    Jupyter Book 1 sets sphinx-thebe up twice, so every page declared
    ``const THEBE_JS_URL`` twice: a SyntaxError in the console of every page.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        body = attributes.get("body")
        if not getattr(script, "filename", "") and body:
            if body in seen:
                continue
            seen.add(body)
        kept.append(script)
    scripts[:] = kept     # in place: later handlers append to this same list


def _kernels_speak_the_book_language(app, config):
    """Tell the kernels (they inherit the build's environment) which language to draw in."""
    language = config.language or "en"
    if language not in LANGUAGES:
        raise ValueError(f"the book's language {language!r} is not one of {LANGUAGES}")
    os.environ[LANGUAGE_ENV] = language


def edition_links(pagename, language):
    """``(language, name, relative URL)`` of ``pagename`` in each other edition.

    The English edition is the site's root and every other one a folder in it
    (``ko/``, tools/build_edition.py), so the same page is one folder down or up.
    """
    up = "../" * pagename.count("/")
    links = []
    for other in LANGUAGES:
        if other == language:
            continue
        if language == "en":
            href = f"{up}{other}/{pagename}.html"
        elif other == "en":
            href = f"../{up}{pagename}.html"
        else:
            href = f"../{up}{other}/{pagename}.html"
        links.append((other, LANGUAGE_NAMES[other], href))
    return links


def _link_other_editions(app, pagename, templatename, context, doctree):
    """Open every page with a link to the same page in the other editions.

    Written into the page's body (no script needed) and announced to search engines as
    ``<link rel="alternate" hreflang>``; pages with no body of their own (search, index)
    get the head link only.
    """
    language = app.config.language or "en"
    links = edition_links(pagename, language)
    context["metatags"] = context.get("metatags", "") + "".join(
        f'\n<link rel="alternate" hreflang="{lang}" href="{html.escape(href)}" '
        f'title="{html.escape(name)}">' for lang, name, href in links)
    if "body" not in context or doctree is None:
        return
    anchors = "".join(
        f'<a class="lossopt-language-link" href="{html.escape(href)}" hreflang="{lang}" '
        f'lang="{lang}">{html.escape(name)}</a>' for lang, name, href in links)
    context["body"] = f'<nav class="lossopt-language" aria-label="Language">{anchors}</nav>\n' \
        + context["body"]


def _translatable_exercise_titles(app):
    """Give sphinx-exercise's titles a source, so gettext extracts and translates them.

    Its directives parse the title into a subtitle node with no source and no raw text,
    which Sphinx's i18n skips as a built-in message: the exercise titles stayed English.
    With a source, the Locale transform translates them when a page is read; and since
    sphinx-exercise folds the subtitle into a plain title before the gettext builder
    looks at the page, a post-transform that runs first hands the gettext builder the
    titles' messages itself.
    """
    from sphinx.builders.gettext import MsgOrigin
    from sphinx.transforms.post_transforms import SphinxPostTransform
    from sphinx.util.i18n import docname_to_domain
    try:
        from sphinx_exercise.directive import ExerciseDirective, ExerciseStartDirective
        from sphinx_exercise.nodes import exercise_subtitle
        from sphinx_exercise.post_transforms import ResolveTitlesInExercises
    except ImportError:      # the book lists sphinx_exercise; a bare Sphinx test app may not
        return

    class ExtractExerciseTitles(SphinxPostTransform):
        """Add each exercise title to the page's catalog (gettext builder only)."""
        default_priority = ResolveTitlesInExercises.default_priority - 1
        builders = ("gettext",)

        def run(self):
            domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
            catalog = self.app.builder.catalogs[domain]
            for subtitle in self.document.findall(exercise_subtitle):
                if subtitle.rawsource and subtitle.source:
                    catalog.add(subtitle.rawsource, MsgOrigin(subtitle.source, subtitle.line))

    app.add_post_transform(ExtractExerciseTitles)

    def translatable(base):
        class Directive(base):
            def run(self):
                result = super().run()
                if self.arguments:
                    source, line = self.state_machine.get_source_and_line(self.lineno)
                    for node in result:
                        for subtitle in node.findall(exercise_subtitle):
                            subtitle.rawsource = self.arguments[0]
                            subtitle.source, subtitle.line = source, line
                return result
        Directive.__name__ = base.__name__
        Directive.__doc__ = base.__doc__
        return Directive

    app.add_directive("exercise", translatable(ExerciseDirective), override=True)
    app.add_directive("exercise-start", translatable(ExerciseStartDirective), override=True)


def _glue_in_translated_text():
    """Let a ``{glue:...}`` role in a translated message find its page's glue data.

    Sphinx's i18n parses each translated message again as a small document of its own,
    after the page was read; myst-nb looks its glue data up on the document being parsed
    (``document["nb_renderer"]``, removed once the page is read), so every glue role of
    a Korean paragraph failed ("No key ... found in glue data for this document").  The
    renderer of the page being read is kept when the English text's own glue roles look
    it up (every translated glue role has its English one: tests/test_translations.py),
    and handed to the translation's parse of the same page.
    """
    try:
        from myst_nb.ext.glue import directives, roles, utils
    except ImportError:
        return
    original = utils.retrieve_glue_data
    if getattr(roles.retrieve_glue_data, "keeps_renderer", False):
        return
    kept = {}

    def retrieve_glue_data(document, key):
        env = getattr(document.settings, "env", None)
        docname = getattr(env, "docname", None)
        if "nb_renderer" in document:
            kept.clear()
            kept[docname] = document["nb_renderer"]
        elif docname in kept:
            # lent for this look-up only: a renderer left on the document would be pickled
            # with the page (it holds modules), as myst-nb itself never leaves it
            document["nb_renderer"] = kept[docname]
            try:
                return original(document, key)
            finally:
                document.attributes.pop("nb_renderer", None)
        return original(document, key)

    retrieve_glue_data.keeps_renderer = True
    roles.retrieve_glue_data = directives.retrieve_glue_data = retrieve_glue_data


def _register_translated_exercises(app, doctree):
    """Keep sphinx-exercise's copy of each exercise node in step with the translated page.

    Its directive registers a copy of the node as it parses it, before Sphinx's i18n
    translates the title; a solution's heading ("Solution to Exercise 11 (...)") is built
    from that copy, so in the Korean edition it named the exercise in English.  Once the
    page is read (translated), each of its exercises is copied into the registry again.
    """
    try:
        from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node
    except ImportError:      # the book lists sphinx_exercise; a bare Sphinx test app may not
        return
    registry = getattr(app.env, "sphinx_exercise_registry", {})
    for node in doctree.findall(lambda n: isinstance(n, (exercise_node,
                                                          exercise_enumerable_node))):
        entry = registry.get(node.get("label"))
        if entry is not None and entry.get("docname") == app.env.docname:
            entry["node"] = node.deepcopy()


def _translate_toc_captions(app, doctree):
    """Translate the captions of the root page's table of contents (the sidebar's parts).

    sphinx-external-toc adds the toctree after Sphinx's i18n has run, so its captions
    ("The course") stayed English although the page's catalog translates them.
    """
    from sphinx import addnodes
    from sphinx.locale import init as init_locale
    from sphinx.util.i18n import docname_to_domain

    if (app.config.language or "en") == "en":
        return
    domain = docname_to_domain(app.env.docname, app.config.gettext_compact)
    dirs = [str(app.srcdir / d) for d in app.config.locale_dirs]
    catalog, found = init_locale(dirs, app.config.language, domain)
    if not found:
        return
    for toctree in doctree.findall(addnodes.toctree):
        if toctree.get("caption"):
            toctree["caption"] = catalog.gettext(toctree["caption"])
