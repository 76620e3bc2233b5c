// Gather the front-end files the website serves itself into node_modules/.site-assets/.
// Run by `npm ci` (postinstall). _config.yml lists that folder in html_static_path, so the
// build copies it to _build/html/_static/{widgets,requirejs,mathjax}/.
// Never move these under the book's own _static/: Jupyter Book 1 injects every .js found
// there into every page.
"use strict";
const fs = require("fs");
const path = require("path");

const modules = path.join(__dirname, "..", "node_modules");
const target = path.join(modules, ".site-assets");

function copy(from, to) {
  fs.cpSync(path.join(modules, from), path.join(target, to), { recursive: true });
}

fs.rmSync(target, { recursive: true, force: true });

// The widget manager; the fonts beside it are fetched relative to embed-amd.js.
const dist = "@jupyter-widgets/html-manager/dist";
for (const name of fs.readdirSync(path.join(modules, dist))) {
  if (name === "embed-amd.js" || /\.(woff2?|ttf|eot|svg)$/.test(name)) {
    copy(path.join(dist, name), path.join("widgets", name));
  }
}

copy("requirejs/require.js", "requirejs/require.js");

// MathJax 3: the combined TeX/CHTML component plus what it loads on demand
// (TeX extensions, fonts, the menu, accessibility and the speech rule engine).
copy("mathjax/es5/tex-chtml.js", "mathjax/tex-chtml.js");
for (const dir of ["input", "output", "ui", "a11y", "sre", "adaptors"]) {
  copy(path.join("mathjax/es5", dir), path.join("mathjax", dir));
}
for (const name of ["LICENSE"]) {
  copy(path.join("mathjax", name), path.join("mathjax", name));
}

// Noto Sans KR for the Hangul in the glossary, chapter 4 and the references. fontsource
// splits it by unicode range into about 120 woff2 slices a weight: a page downloads only
// the slices holding characters it shows. Only the numbered (CJK and Hangul) slices are
// kept, and their unicode-range is cut to Hangul and CJK: fontsource's slices also hold
// Latin letters, digits, spaces and punctuation. Without those the face is never the
// page's first available font for Latin text, so lossopt-site.css can list it first,
// which Chromium needs: listed after a font without Hangul (Liberation Sans), the
// characters of the last-declared slices came out as boxes although those slices loaded.
// The woff copies are left out (every browser that runs the widgets reads woff2).
// The parts of a unicode-range inside Hangul Jamo (U+1100-11FF) or from the CJK radicals
// on (U+2E80-): Hangul syllables and compatibility Jamo, CJK punctuation, ideographs and
// full-width forms. Null when nothing is left.
const KOREAN_BLOCKS = [[0x1100, 0x11ff], [0x2e80, 0x10ffff]];
function koreanRanges(unicodeRange) {
  const kept = [];
  for (const part of unicodeRange.split(",")) {
    const [first, last = first] = part.trim().replace(/^U\+/i, "").split("-")
      .map((hex) => parseInt(hex, 16));
    for (const [low, high] of KOREAN_BLOCKS) {
      const from = Math.max(first, low);
      const to = Math.min(last, high);
      if (from <= to) {
        const hex = (n) => n.toString(16);
        kept.push(from === to ? `U+${hex(from)}` : `U+${hex(from)}-${hex(to)}`);
      }
    }
  }
  return kept.length ? kept.join(",") : null;
}

const font = "@fontsource/noto-sans-kr";
const fontFiles = path.join(target, "fonts", "noto-sans-kr");
fs.mkdirSync(fontFiles, { recursive: true });
let faces = `/* Noto Sans KR from npm ${font} (SIL Open Font License 1.1), written by
   tools/copy_site_assets.js: the CJK and Hangul slices, woff2 only. */\n`;
for (const weight of ["400", "700"]) {
  const css = fs.readFileSync(path.join(modules, font, `${weight}.css`), "utf8");
  for (const block of css.split("/* ").slice(1)) {
    if (!/^noto-sans-kr-\[\d+\]-/.test(block)) continue;
    const woff2 = block.match(/url\(\.\/files\/([^)]+\.woff2)\) format\('woff2'\)/);
    if (!woff2) throw new Error(`${font}/${weight}.css: no woff2 in ${block.slice(0, 60)}`);
    const range = block.match(/unicode-range: ([^;]+);/);
    if (!range) throw new Error(`${font}/${weight}.css: no unicode-range in ${block.slice(0, 60)}`);
    const korean = koreanRanges(range[1]);
    if (!korean) continue;
    copy(path.join(font, "files", woff2[1]), path.join("fonts", "noto-sans-kr", woff2[1]));
    faces += "/* " + block
      .replace(/src: [^;]+;/, `src: url(noto-sans-kr/${woff2[1]}) format('woff2');`)
      .replace(/unicode-range: [^;]+;/, `unicode-range: ${korean};`);
  }
}
fs.writeFileSync(path.join(target, "fonts", "noto-sans-kr.css"), faces);
copy(path.join(font, "LICENSE"), path.join("fonts", "noto-sans-kr", "LICENSE"));

// embed-amd.js finds its fonts through the require.js address of its own modules, which
// by default is relative to the page (a 404 under chapters/). Point those modules at
// _static/widgets/, from any page depth (Sphinx marks the site root on <html>).
fs.writeFileSync(path.join(target, "widgets", "require-paths.js"), `\
(function () {
  var root = document.documentElement.getAttribute("data-content_root") || "";
  var here = root + "_static/widgets/";
  window.requirejs.config({
    paths: {
      "@jupyter-widgets/html-manager": here + "html-manager",
      "@jupyter-widgets/html-manager/dist": here.slice(0, -1),
    },
  });
})();
`);

// Feedback pages that read offline: the grader inlines MathJax 3's TeX-to-SVG component with
// every extension built in (it loads no file: SVG output needs no fonts) into each page
// (autograder/grading/feedback_page.py). It lives beside the grading package, in the course
// folder, so a copy of the course carries it.
const feedbackAssets = path.join(__dirname, "..", "autograder", "grading", "assets", "mathjax");
fs.rmSync(feedbackAssets, { recursive: true, force: true });
fs.mkdirSync(feedbackAssets, { recursive: true });
for (const name of ["es5/tex-svg-full.js", "LICENSE"]) {
  fs.copyFileSync(path.join(modules, "mathjax", name),
                  path.join(feedbackAssets, path.basename(name)));
}
