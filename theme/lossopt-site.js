// Display equations wider than the column and figures wider than a phone scroll sideways
// (lossopt-site.css); mark the edges that hide more of them, so the CSS fades them out as
// a cue to scroll. Figures appear when the widget manager renders them, after load.
(function () {
  "use strict";
  function mark(eq) {
    var more = eq.scrollWidth - eq.clientWidth;
    eq.classList.toggle("lossopt-more-left", more > 1 && eq.scrollLeft > 1);
    eq.classList.toggle("lossopt-more-right", more > 1 && eq.scrollLeft < more - 1);
  }
  var WIDE = 'mjx-container[display="true"], .lossopt-pan';
  function markAll() {
    document.querySelectorAll(WIDE).forEach(function (eq) {
      if (!eq.lossoptWatched) {
        eq.lossoptWatched = true;
        eq.addEventListener("scroll", function () { mark(eq); }, { passive: true });
      }
      mark(eq);
    });
  }
  function start() {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) mj.startup.promise.then(markAll);
    else setTimeout(start, 100);
  }
  // Static figures (matplotlib PNGs at 100 dpi, shown 1:1 at most) shrink to the column
  // no further than this: their text is then as large as an interactive frame's at its
  // MIN_SCALE (lossopt/interactive.py: 0.85 of frames drawn at 80 CSS px an inch).
  var STATIC_MIN_SCALE = 0.85 * 80 / 100;
  function holdWidth(img) {
    img.style.minWidth = Math.floor(STATIC_MIN_SCALE * img.naturalWidth) + "px";
    img.parentElement.classList.add("lossopt-pan");
    markSoon();
  }
  function holdStaticFigures() {
    document.querySelectorAll(".bd-article .cell_output > img").forEach(function (img) {
      if (img.complete && img.naturalWidth) holdWidth(img);
      else img.addEventListener("load", function () { holdWidth(img); });
    });
  }
  var pending = false;
  function markSoon() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; markAll(); });
  }
  window.addEventListener("resize", markAll);
  window.addEventListener("load", start);
  document.addEventListener("DOMContentLoaded", holdStaticFigures);
  window.addEventListener("load", function () {
    new MutationObserver(markSoon).observe(document.body, { childList: true, subtree: true });
    // a frame's image decodes after it is attached: mark again once it has a size
    document.body.addEventListener("load", markSoon, true);
  });
})();

// The language switch: tools/book_extension.py writes it into every page's body; the pages
// with no body of their own (search, index) get it here from their <link rel="alternate">.
(function () {
  "use strict";
  function addSwitch() {
    if (document.querySelector("nav.lossopt-language")) return;
    var links = document.querySelectorAll('link[rel="alternate"][hreflang]');
    // the search page has no article: its search column (.bd-content is a row of columns)
    var place = document.querySelector(".bd-article") ||
      document.querySelector(".bd-search-container");
    if (!links.length || !place) return;
    var nav = document.createElement("nav");
    nav.className = "lossopt-language";
    nav.setAttribute("aria-label", "Language");
    links.forEach(function (link) {
      var a = document.createElement("a");
      var lang = link.getAttribute("hreflang");
      a.className = "lossopt-language-link";
      a.href = link.getAttribute("href");
      a.hreflang = a.lang = lang;
      a.textContent = link.title || lang;
      nav.appendChild(a);
    });
    place.insertBefore(nav, place.firstChild);
  }
  document.addEventListener("DOMContentLoaded", addSwitch);
})();

