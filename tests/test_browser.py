"""The built website in headless Chromium, as a reader sees it on a desktop and a phone.

Every page of ``_build/html`` is opened from a server on 127.0.0.1, at 1280
and 390 pixels wide, in light and dark mode.  On each page: no raw markup
(tables as pipes, ``$...$``, MyST roles), no console error, every slider's
readout on screen, every display equation inside the column or scrollable
with a visible cue, inline maths inside its box, Hangul drawn with the site's
own Korean font, and no request to another host.  In light mode every slider
of every interactive figure is moved; the figure must show another image, the
one drawn for the values the sliders now display.  Every screen of every page
is saved under tests/screenshots/ (``<page>-<view>-<theme>-NN.png``).
"""

import importlib.util
import json
import re
from urllib.parse import quote, urljoin, urlsplit

import pytest
from conftest import ROOT, SITE, article_text, search_index

from lossopt.interactive import DPI, MIN_SCALE

pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "tests" / "screenshots"
# index.html only redirects to intro.html (in each edition).
SKIPPED = {"index.html", "ko/index.html"}
# The Korean edition sits in ko/ (tools/build_edition.py); the English one is the root.
EDITIONS = ("ko",)
WIDGET_STATE = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
MATH = re.compile(r'class="[^"]*\bmath\b')
TIMEOUT_MS = 30_000
# Static figures are matplotlib's inline PNGs, drawn at its default 100 dpi.
STATIC_DPI = 100


def discover_pages():
    """Every content page of the built site, as paths relative to it."""
    pages = [page.relative_to(SITE) for page in sorted(SITE.rglob("*.html"))]
    return [page.as_posix() for page in pages
            if not {"_static", "_sources", "problem-sets"} & set(page.parts)
            and page.as_posix() not in SKIPPED]


def counterpart(name):
    """The same page in the other edition (English <-> Korean), relative to the site."""
    first, _, rest = name.partition("/")
    return rest if first in EDITIONS else f"ko/{name}"


# Collected before the site fixture runs: an unbuilt site still yields one test, which fails.
PAGES = discover_pages() if SITE.is_dir() else []


def widget_models(html):
    """The widget models a page embeds, as {model_id: state}."""
    match = WIDGET_STATE.search(html)
    if match is None:
        return {}
    return {key: model["state"] for key, model in json.loads(match.group(1))["state"].items()}


WIDGET_VIEW = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)


def count_figures(html):
    """How many interactive figures the page displays (the state may hold undisplayed ones)."""
    models = widget_models(html)
    shown = [json.loads(view)["model_id"] for view in WIDGET_VIEW.findall(html)]
    return sum("lossopt-figure" in models.get(model_id, {}).get("_dom_classes", ())
               for model_id in shown)


VIEWS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
THEMES = ("light", "dark")
HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.fixture
def page(browser, site_url):
    """A fresh tab that records every request, failed response and console error."""
    tab = browser.new_page()
    tab.requests = []
    tab.failures = []
    tab.console_errors = []
    tab.on("request", lambda request: tab.requests.append(request.url))
    tab.on("response", lambda response: response.status >= 400
           and tab.failures.append(f"{response.status} {response.url}"))
    tab.on("console", lambda message: message.type == "error"
           and tab.console_errors.append(f"{message.text} ({message.location.get('url')})"))
    tab.on("pageerror", lambda error: tab.console_errors.append(f"uncaught: {error}"))
    yield tab
    tab.close()


def test_the_site_has_pages(site_dir):
    assert "intro.html" in discover_pages()


# What a reader must never meet, checked in the page (returns a list of problems).
PROBLEMS_JS = r"""
([MIN_SCALE, FRAME_DPI, STATIC_DPI]) => {
  const problems = [];
  const width = window.innerWidth;
  // The search page has no article: check its main column.
  const article = document.querySelector("article.bd-article") || document.querySelector("main");
  if (!article) return ["no article or main column"];
  // Raw markup: text outside code and rendered maths that still looks like source.
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight, .MathJax";
  const blocks = new Map();
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const block = parent.closest("p, li, td, th, dd, dt, h1, h2, h3, h4, caption, div");
    blocks.set(block, (blocks.get(block) || "") + node.textContent);
  }
  for (const text of blocks.values()) {
    if (/\|\s*:?-{3,}:?\s*\|/.test(text) || /(^|\n)\s*\|[^|\n]*\|[^|\n]*\|/.test(text))
      problems.push("a markdown table shown as text: " + text.trim().slice(0, 80));
    const dollars = text.match(/\$[^$\s][^$\n]{0,200}?\$/);
    if (dollars) problems.push("raw maths: " + dollars[0].slice(0, 80));
    const role = text.match(/\{(term|glue|cite|ref|eq|doc|numref)(:[a-z]+)?\}`/);
    if (role) problems.push("a raw MyST role: " + role[0]);
  }
  // The page itself never scrolls sideways.
  if (document.documentElement.scrollWidth > width + 1)
    problems.push(`the page is ${document.documentElement.scrollWidth} px wide in ${width}`);
  // Every slider's value readout on screen, not clipped or covered.
  for (const readout of article.querySelectorAll(".lossopt-figure .widget-readout")) {
    readout.scrollIntoView({block: "center"});
    const box = readout.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (box.width < 1 || box.left < 0 || box.right > width + 0.5 || !readout.contains(hit))
      problems.push(`slider readout "${readout.textContent}" off screen: ` +
                    `${Math.round(box.left)}..${Math.round(box.right)} of ${width}`);
  }
  // Every display equation reachable: inside the column, or scrollable with a cue.
  for (const eq of article.querySelectorAll('mjx-container[display="true"]')) {
    const box = eq.getBoundingClientRect();
    const style = getComputedStyle(eq);
    const label = eq.textContent.slice(0, 40);
    if (box.left < -0.5 || box.right > width + 0.5)
      problems.push(`display equation box outside the screen: ${label}`);
    if (eq.scrollWidth > eq.clientWidth + 1) {
      if (!["auto", "scroll"].includes(style.overflowX))
        problems.push(`display equation cut off, not scrollable: ${label}`);
      if (!(style.maskImage || style.webkitMaskImage || "").includes("gradient"))
        problems.push(`scrollable equation without a visible cue: ${label}`);
      eq.scrollLeft = eq.scrollWidth;
      const end = eq.firstElementChild.getBoundingClientRect().right;
      if (end > eq.getBoundingClientRect().right + 1)
        problems.push(`display equation end unreachable: ${label}`);
      eq.scrollLeft = 0;
    } else {
      const math = eq.firstElementChild.getBoundingClientRect();
      if (math.left < box.left - 1 || math.right > box.right + 1)
        problems.push(`display equation wider than its box, not scrollable: ${label}`);
    }
  }
  // Figures stay readable: a frame shrinks to at most MIN_SCALE of its drawn width, and a
  // figure wider than the column scrolls sideways in its pan box, with a faded edge as cue.
  // A static figure (a 100-dpi PNG) may shrink as far as its text matches a frame's.
  for (const img of article.querySelectorAll(".cell_output img")) {
    if (!img.getClientRects().length) continue;
    const frame = img.closest(".lossopt-figure");
    const drawn = frame ? Number(img.getAttribute("width")) : img.naturalWidth;
    const least = frame ? MIN_SCALE : MIN_SCALE * FRAME_DPI / STATIC_DPI;
    const scale = img.getBoundingClientRect().width / drawn;
    if (!(scale >= least - 0.005))
      problems.push(`a figure shrunk to ${scale.toFixed(2)} of its size (text too small)`);
  }
  for (const pan of article.querySelectorAll(".lossopt-pan")) {
    if (pan.scrollWidth <= pan.clientWidth + 1) continue;
    const style = getComputedStyle(pan);
    if (!["auto", "scroll"].includes(style.overflowX))
      problems.push("a figure wider than the column is cut off, not scrollable");
    if (!(style.maskImage || style.webkitMaskImage || "").includes("gradient"))
      problems.push("a figure that scrolls sideways has no visible cue");
    pan.scrollLeft = pan.scrollWidth;
    const img = [...pan.querySelectorAll("img")].find(i => i.getClientRects().length);
    if (img && img.getBoundingClientRect().right > pan.getBoundingClientRect().right + 1)
      problems.push("the right edge of a wide figure cannot be scrolled into view");
    pan.scrollLeft = 0;
  }
  // Inline maths stays inside its admonition.
  for (const math of article.querySelectorAll('.admonition mjx-container:not([display="true"])')) {
    const box = math.getBoundingClientRect();
    const frame = math.closest(".admonition");
    const edge = frame.getBoundingClientRect().right - parseFloat(getComputedStyle(frame).borderRightWidth);
    if (box.right > edge + 1 && frame.scrollWidth <= frame.clientWidth + 1)
      problems.push(`inline maths runs over its box: ${math.textContent.slice(0, 40)}`);
  }
  // One search box at a time; no header band holding only a search box.
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const header = document.querySelector("#pst-header");
  if (header && shown(header)) problems.push("the header band with a second search box is shown");
  // Dark mode: figures are not framed by the theme's padded light card.
  if (document.documentElement.dataset.theme === "dark") {
    for (const img of article.querySelectorAll(".cell_output img")) {
      const pad = parseFloat(getComputedStyle(img).paddingLeft);
      const area = img.closest(".widget-subarea");
      const areaPad = area ? parseFloat(getComputedStyle(area).paddingLeft) : 0;
      if (pad + areaPad > 0) { problems.push(`a figure framed by ${pad + areaPad} px`); break; }
    }
  }
  window.scrollTo(0, 0);
  return problems;
}
"""

# Marks every shown element whose own text holds Hangul; returns [text, Hangul count] each.
MARK_HANGUL_JS = r"""
() => {
  const hangul = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]/g;
  const marked = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest("mjx-container, script, style") || !element.getClientRects().length)
      continue;
    const own = [...element.childNodes].filter(node => node.nodeType === Node.TEXT_NODE)
      .map(node => node.textContent).join("");
    const count = (own.match(hangul) || []).length;
    if (count) {
      element.setAttribute("data-hangul", marked.length);
      marked.push([own.trim().slice(0, 30), count]);
    }
  }
  return document.fonts.ready.then(() => marked);
}
"""


def hangul_without_web_font(page):
    """Elements whose Hangul the site's Korean font did not draw in full.

    For each shown element with Hangul in its own text, Chromium reports (over
    CDP) how many glyphs each font drew there; the web font ("Noto Sans KR",
    or its variable face "Noto Sans KR Thin") must have drawn at least one per
    Hangul character.  Returns ``[(text, Hangul count, {font: glyphs})]``.
    """
    marked = page.evaluate(MARK_HANGUL_JS)
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        missing = []
        for k, (text, count) in enumerate(marked):
            node = cdp.send("DOM.querySelector", {"nodeId": root,
                                                   "selector": f'[data-hangul="{k}"]'})["nodeId"]
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            drawn = sum(font["glyphCount"] for font in fonts
                        if font["isCustomFont"] and font["familyName"].startswith("Noto Sans KR"))
            if drawn < count:
                missing.append((text, count, {f["familyName"]: f["glyphCount"] for f in fonts}))
        return marked, missing
    finally:
        cdp.detach()


def screenshot_every_screen(page, stem):
    """Save the page screen by screen (viewport-sized shots from top to bottom)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob(f"{stem}-*.png"):
        old.unlink()
    page.evaluate("document.activeElement?.blur()")
    height = page.viewport_size["height"]
    total = page.evaluate("document.documentElement.scrollHeight")
    for k, top in enumerate(range(0, max(total, 1), height)):
        page.evaluate(f"window.scrollTo(0, {top})")
        page.wait_for_timeout(60)
        page.screenshot(path=SCREENSHOTS / f"{stem}-{k:02d}.png")
    page.evaluate("window.scrollTo(0, 0)")
    return k + 1


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("name", PAGES or ["intro.html"])
def test_page(page, site_url, site_dir, name, view, theme):
    html = (site_dir / name).read_text(encoding="utf-8")
    figures = count_figures(html)
    page.set_viewport_size(VIEWS[view])
    page.emulate_media(color_scheme=theme)
    page.goto(site_url + name, wait_until="load")
    if figures:
        page.wait_for_function(
            f"document.querySelectorAll('.lossopt-figure').length >= {figures} && "
            f"[...document.querySelectorAll('.lossopt-figure')].every("
            f"figure => figure.querySelector('img'))",
            timeout=TIMEOUT_MS)
    has_math = MATH.search(html) is not None
    if has_math:
        page.wait_for_selector("mjx-container", state="attached", timeout=TIMEOUT_MS)
        page.wait_for_function("window.MathJax?.startup?.promise !== undefined",
                               timeout=TIMEOUT_MS)
        page.evaluate("window.MathJax.startup.promise.then(() => true)")
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)      # lossopt-site.js marks the equations that scroll
    assert page.evaluate("document.documentElement.dataset.theme") == theme

    errors = page.locator(".jupyter-widgets-error-widget")
    assert errors.count() == 0, f"{name}: a widget failed to render: {errors.first.inner_text()}"
    assert page.locator(".lossopt-figure").count() == figures
    if has_math:
        assert page.locator("mjx-container").count() > 0, f"{name}: MathJax rendered nothing"
    problems = page.evaluate(PROBLEMS_JS, [MIN_SCALE, DPI, STATIC_DPI])
    assert problems == [], f"{name} ({view}, {theme}): {problems}"
    if HANGUL.search(html):
        # (Hangul may sit only in hidden code cells: then nothing is marked.)
        marked, missing = hangul_without_web_font(page)
        assert missing == [], f"{name}: Hangul not drawn by the site's Korean font: {missing}"
    # The language switch: on screen at the top of the article, in this width and theme,
    # and leading to the same page in the other edition.
    switch = page.locator("nav.lossopt-language a")
    assert switch.count() == 1, f"{name}: {switch.count()} language switches"
    switch.scroll_into_view_if_needed()
    box = switch.bounding_box()
    assert box and box["width"] > 20 and box["height"] > 10 \
        and 0 <= box["x"] and box["x"] + box["width"] <= VIEWS[view]["width"], \
        f"{name} ({view}, {theme}): the language switch is off screen: {box}"
    heading = page.locator("main h1:visible").first.bounding_box()
    assert box["height"] < 40 and box["x"] >= heading["x"] \
        and box["y"] + box["height"] <= heading["y"] + 1, \
        f"{name} ({view}, {theme}): the switch {box} is not one line above the title {heading}"
    colours = switch.evaluate("a => [getComputedStyle(a).color, "
                              "getComputedStyle(a).backgroundColor]")
    assert colours[0] != colours[1], f"{name} ({theme}): switch text as its background"
    target = urljoin(page.url, switch.get_attribute("href"))
    assert target == site_url + counterpart(name), f"{name}: the switch leads to {target}"
    assert (site_dir / counterpart(name)).is_file(), f"{name}: no {counterpart(name)}"
    page.evaluate("window.scrollTo(0, 0)")
    # The sliders are moved in light mode, at both widths (arrow keys, frames, readouts).
    moved = [move_every_slider(page, name, k) for k in range(figures)] if theme == "light" else []
    stem = name.replace("/", "__")[:-5] + f"-{view}-{theme}"
    assert screenshot_every_screen(page, stem) >= 1

    foreign = [url for url in page.requests
               if not url.startswith(("data:", "blob:"))
               and urlsplit(url).hostname != "127.0.0.1"]
    assert foreign == [], f"{name} made requests to other hosts: {foreign}"
    assert page.failures == [], f"{name}: requests that failed: {page.failures}"
    assert page.console_errors == [], f"{name} ({view}, {theme}): {page.console_errors}"
    # Jupyter Book 1 injects every .js of a root _static/ folder into every page: the widget
    # manager must be loaded once, from the copied npm files, or not at all.
    managers = [url for url in page.requests if url.split("?")[0].endswith("embed-amd.js")]
    assert len(managers) == (1 if figures else 0), f"{name} loaded {managers}"
    assert len(moved) == (figures if theme == "light" else 0)
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert page.request.get(urljoin(page.url, icon)).ok, f"{name}: favicon {icon} is missing"


def test_the_language_switch_opens_the_same_page_in_the_other_language(page, site_url,
                                                                      site_dir):
    """Click it on a chapter, both ways: the Korean page is Korean, the English one English."""
    name = "chapters/04-optimizer-evolution.html"
    page.set_viewport_size(VIEWS["phone"])
    page.goto(site_url + name, wait_until="domcontentloaded")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.locator("nav.lossopt-language a").click()
    page.wait_for_url(site_url + "ko/" + name)
    assert page.evaluate("document.documentElement.lang") == "ko"
    assert HANGUL.search(page.locator("article").inner_text())
    assert page.locator("nav.lossopt-language a").inner_text() == "English"
    page.locator("nav.lossopt-language a").click()
    page.wait_for_url(site_url + name)
    assert page.locator("nav.lossopt-language a").inner_text() == "한국어"


@pytest.mark.parametrize("query", ["모멘텀", "모멘텀을"])
def test_the_korean_search_page_lists_every_page_of_a_word(page, site_url, site_dir, query):
    """A Korean query, with or without a particle, finds each page that writes 모멘텀 in any form.

    The browser cuts the query with the generated stemmer (tools/korean_search.py), the index
    holds the pages' words cut the same way.
    """
    index = search_index(site_dir / "ko")
    using = {f"ko/{doc}.html" for doc in index["docnames"]
             if "모멘텀" in article_text(site_dir / "ko" / f"{doc}.html")}
    page.goto(site_url + "ko/search.html?q=" + quote(query), wait_until="load")
    page.wait_for_function("document.querySelector('p.search-summary')?.innerText.length > 0",
                           timeout=TIMEOUT_MS)
    links = page.locator("ul.search > li > a").evaluate_all("links => links.map(a => a.href)")
    listed = {urlsplit(link).path.removeprefix("/") for link in links}
    assert using and using <= listed, f"{query}: listed {sorted(listed)}"
    assert page.console_errors == [], page.console_errors


def test_every_page_has_its_korean_edition(site_dir):
    english = [name for name in PAGES if name.partition("/")[0] not in EDITIONS]
    missing = [name for name in english if not (site_dir / counterpart(name)).is_file()]
    assert english and not missing, f"pages with no Korean edition: {missing}"


def test_markdown_outputs_render_as_tables(site_dir):
    """Chapter 4's race prints its hyperparameters with Markdown(...): a real table."""
    html = (site_dir / "chapters" / "04-optimizer-evolution.html").read_text(encoding="utf-8")
    outputs = re.findall(r'<div class="cell_output docutils container">(.*?)</div>\s*</div>',
                         html, re.S)
    assert any("<table" in output for output in outputs)
    assert not any(re.search(r"\|\s*-{3,}\s*\|", output) for output in outputs)


def move_every_slider(page, name, index):
    """Move each slider of figure ``index`` one step; check the frame follows. Returns True."""
    figure = page.locator(".lossopt-figure").nth(index)
    sliders = figure.locator(".widget-slider")
    assert sliders.count() >= 1, f"{name}: figure {index} has no slider"
    for k in range(sliders.count()):
        slider = sliders.nth(k)
        handle = slider.locator(".noUi-handle")
        position = int(float(handle.get_attribute("aria-valuenow")))
        last = int(float(handle.get_attribute("aria-valuemax")))
        assert last >= 1, f"{name}: slider {k} of figure {index} has a single value"
        before_frame = settled_frame(page, figure)
        before_pixels = before_frame.screenshot()
        before_class = frame_values(before_frame)
        assert before_class == displayed_values(figure), \
            f"{name}: figure {index} shows {before_class} but its sliders say otherwise"
        handle.focus()
        handle.press("ArrowLeft" if position == last else "ArrowRight")
        expected = position - 1 if position == last else position + 1
        page.wait_for_function(
            "([handle, expected]) => Number(handle.getAttribute('aria-valuenow')) === expected",
            arg=[handle.element_handle(), expected], timeout=TIMEOUT_MS)
        after_frame = settled_frame(page, figure)
        shown = displayed_values(figure)
        assert frame_values(after_frame) == shown, \
            f"{name}: figure {index}, slider {k}: frame {frame_values(after_frame)} " \
            f"does not match the displayed values {shown}"
        assert shown != before_class, f"{name}: slider {k} moved but its readout did not"
        assert after_frame.screenshot() != before_pixels, \
            f"{name}: figure {index}, slider {k} moved but the image did not change"
    return True


def visible_frame(figure):
    frames = figure.locator("img").filter(visible=True)
    assert frames.count() == 1, f"expected one visible frame, found {frames.count()}"
    return frames.first


def settled_frame(page, figure, attempts=100):
    """The one visible frame, once the Stacks have finished switching to the slider values.

    Right after a key press the browser may still be swapping frames (none or two visible
    for a moment); wait for it to settle, then check, so a slow machine does not fail a
    correct page while a wrong frame still fails it.
    """
    for _ in range(attempts):
        frames = figure.locator("img").filter(visible=True)
        if frames.count() == 1 and frame_values(frames.first) == displayed_values(figure):
            break
        page.wait_for_timeout(50)
    return visible_frame(figure)


def frame_values(frame):
    """The slider values a frame was drawn for, from its lossopt-at= class."""
    classes = frame.evaluate(
        "img => [...img.classList, ...(img.closest('.lossopt-frame')?.classList ?? [])]")
    marks = [c for c in classes if c.startswith("lossopt-at=")]
    assert marks, f"the visible image has no lossopt-at= class: {classes}"
    return marks[0][len("lossopt-at="):].split("|")


def displayed_values(figure):
    readouts = figure.locator(".widget-slider .widget-readout")
    return [re.sub(r"\s+", "_", readouts.nth(k).inner_text().strip())
            for k in range(readouts.count())]


def test_screenshots_are_git_ignored():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert SCREENSHOTS.relative_to(ROOT).as_posix() + "/" in ignored


# The page-weight report of `make site` ----------------------------------------------

def load_page_weights():
    spec = importlib.util.spec_from_file_location("page_weights", ROOT / "tools" / "page_weights.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_page_weights_count_html_and_images_and_fail_over_budget(tmp_path, capsys):
    page_weights = load_page_weights()
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "plot.png").write_bytes(b"x" * 300_000)
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "embed-amd.js").write_bytes(b"x" * 5_000_000)
    (tmp_path / "index.html").write_text("<html></html>")
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "small.html").write_text(
        '<img src="../_images/plot.png"><script src="../_static/embed-amd.js"></script>')
    weights = dict((page, (html, images)) for page, html, images
                   in page_weights.page_weights(tmp_path))
    assert weights["chapters/small.html"][1] == 300_000
    assert page_weights.main([str(tmp_path)]) == 0
    (tmp_path / "chapters" / "big.html").write_text("x" * 4_100_000)
    assert page_weights.main([str(tmp_path)]) == 1
    assert "chapters/big.html" in capsys.readouterr().err


def test_built_pages_are_within_the_budget(site_dir):
    page_weights = load_page_weights()
    weights = page_weights.page_weights(site_dir)
    assert "intro.html" in [page for page, _, _ in weights]
    heavy = [(page, html + images) for page, html, images in weights
             if html + images > page_weights.BUDGET_MB * 1e6]
    assert heavy == []
