// Display equations wider than the column scroll sideways (lossopt-site.css); mark the
// edges that hide more of the equation, so the CSS fades them out as a cue to scroll.
(function () {
  "use strict";
  function mark(eq) {
    var more = eq.scrollWidth - eq.clientWidth;
    eq.classList.toggle("lossopt-more-left", more > 1 && eq.scrollLeft > 1);
    eq.classList.toggle("lossopt-more-right", more > 1 && eq.scrollLeft < more - 1);
  }
  function markAll() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (eq) {
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
  window.addEventListener("resize", markAll);
  window.addEventListener("load", start);
})();
