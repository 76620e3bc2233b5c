"""Report the weight of every page of the built site; fail if one is over budget.

A page's weight is its HTML (which embeds the widget state, so every frame of
its figures) plus every image file it references under _images/.  The front-end
files every page shares (_static/: theme, widget manager, require.js, MathJax)
are left out: a reader downloads them once.

    python tools/page_weights.py [_build/html] [--budget-mb 4]
"""

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urljoin

BUDGET_MB = 4.0
SKIPPED = {"genindex.html", "search.html", "py-modindex.html"}
REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"'#?]+)""")


def page_weights(site):
    """Return [(page, html_bytes, image_bytes)] for every HTML page under ``site``."""
    site = Path(site)
    weights = []
    for page in sorted(site.rglob("*.html")):
        relative = page.relative_to(site)
        # every edition's own (the Korean one is ko/: ko/_static, ko/_images)
        if {"_static", "_sources"} & set(relative.parts) or relative.name in SKIPPED:
            continue
        html = page.read_text(encoding="utf-8", errors="replace")
        images = set()
        for link in REFERENCE.findall(html):
            if "://" in link or link.startswith(("data:", "mailto:")):
                continue
            target = Path(unquote(urljoin(relative.as_posix(), link)))
            if "_images" in target.parts[:-1]:
                images.add(target)
        image_bytes = sum((site / image).stat().st_size for image in images
                          if (site / image).is_file())
        weights.append((relative.as_posix(), page.stat().st_size, image_bytes))
    return weights


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default="_build/html")
    parser.add_argument("--budget-mb", type=float, default=BUDGET_MB)
    args = parser.parse_args(argv)
    if not Path(args.site, "index.html").is_file():
        print(f"error: no built site in {args.site}; run `make site` first", file=sys.stderr)
        return 2
    budget = args.budget_mb * 1e6
    weights = page_weights(args.site)
    over = []
    print(f"page weights (HTML with embedded figures + its images), budget "
          f"{args.budget_mb:g} MB a page; shared _static/ files not counted:")
    for page, html_bytes, image_bytes in weights:
        total = html_bytes + image_bytes
        flag = "  OVER BUDGET" if total > budget else ""
        print(f"  {total / 1e6:7.2f} MB  {page}  (html {html_bytes / 1e6:.2f} MB, "
              f"images {image_bytes / 1e6:.2f} MB){flag}")
        if total > budget:
            over.append(page)
    static = sum(f.stat().st_size for f in Path(args.site, "_static").rglob("*") if f.is_file())
    print(f"  shared _static/: {static / 1e6:.1f} MB")
    if over:
        print(f"error: {len(over)} page(s) over {args.budget_mb:g} MB: {', '.join(over)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
