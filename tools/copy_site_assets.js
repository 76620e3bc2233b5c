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
