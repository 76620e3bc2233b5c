"""The built website in headless Chromium: sliders, maths, and no request to other hosts.

Every page of ``_build/html`` is opened from a server on 127.0.0.1.  On each
page every slider of every interactive figure is moved; the figure must show
another image, the one drawn for the values the sliders now display.  Every
request the page makes is recorded, and any to another host fails the test.
"""

import importlib.util
import json
import re
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, SITE

SCREENSHOTS = ROOT / "tests" / "screenshots"
# index.html only redirects to intro.html.
SKIPPED = {"index.html"}
WIDGET_STATE = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
MATH = re.compile(r'class="[^"]*\bmath\b')
TIMEOUT_MS = 30_000


def discover_pages():
    """Every content page of the built site, as paths relative to it."""
    pages = [page.relative_to(SITE).as_posix() for page in sorted(SITE.rglob("*.html"))]
    return [page for page in pages
            if page.split("/")[0] not in ("_static", "_sources") and page not in SKIPPED]


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


@pytest.fixture
def page(browser, site_url):
    """A fresh tab that records the URL of every request it makes."""
    tab = browser.new_page()
    tab.requests = []
    tab.failures = []
    tab.on("request", lambda request: tab.requests.append(request.url))
    tab.on("response", lambda response: response.status >= 400
           and tab.failures.append(f"{response.status} {response.url}"))
    yield tab
    tab.close()


def test_the_site_has_pages(site_dir):
    assert "intro.html" in discover_pages()


@pytest.mark.parametrize("name", PAGES or ["intro.html"])
def test_page(page, site_url, site_dir, name):
    html = (site_dir / name).read_text(encoding="utf-8")
    figures = count_figures(html)
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

    errors = page.locator(".jupyter-widgets-error-widget")
    assert errors.count() == 0, f"{name}: a widget failed to render: {errors.first.inner_text()}"
    assert page.locator(".lossopt-figure").count() == figures
    moved = [move_every_slider(page, name, k) for k in range(figures)]
    SCREENSHOTS.mkdir(exist_ok=True)
    page.evaluate("document.activeElement?.blur(); window.scrollTo(0, 0)")
    page.screenshot(path=SCREENSHOTS / (name.replace("/", "__")[:-5] + ".png"), full_page=True)

    if has_math:
        assert page.locator("mjx-container").count() > 0, f"{name}: MathJax rendered nothing"
    foreign = [url for url in page.requests
               if not url.startswith(("data:", "blob:"))
               and urlsplit(url).hostname != "127.0.0.1"]
    assert foreign == [], f"{name} made requests to other hosts: {foreign}"
    assert page.failures == [], f"{name}: requests that failed: {page.failures}"
    # Jupyter Book 1 injects every .js of a root _static/ folder into every page: the widget
    # manager must be loaded once, from the copied npm files, or not at all.
    managers = [url for url in page.requests if url.split("?")[0].endswith("embed-amd.js")]
    assert len(managers) == (1 if figures else 0), f"{name} loaded {managers}"
    assert len(moved) == figures


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
