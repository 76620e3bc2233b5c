// The widget manager (@jupyter-widgets/html-manager 1.x) typesets each slider's label by
// calling MathJax 2's `MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])` whenever
// `window.MathJax` exists. The site runs MathJax 3, which has no `Hub`: every slider threw
// a TypeError. This gives MathJax 3 that one entry point, mapped to `typesetPromise`.
// Loaded before MathJax: the config object it leaves is read by MathJax 3 at start-up,
// and `startup.ready` puts the entry point back on the real MathJax object.
(function () {
  "use strict";
  function hub() {
    return {
      Queue: function () {
        for (var k = 0; k < arguments.length; k++) {
          var job = arguments[k];
          var mj = window.MathJax;
          if (Array.isArray(job) && job[0] === "Typeset" && mj && mj.typesetPromise) {
            mj.typesetPromise(job[2] ? [job[2]] : undefined).catch(function () {});
          }
          // Before MathJax 3 has started, its start-up typesets the whole page anyway.
        }
      },
    };
  }
  var config = window.MathJax || {};
  config.startup = config.startup || {};
  var ready = config.startup.ready;
  config.startup.ready = function () {
    if (ready) ready(); else window.MathJax.startup.defaultReady();
    window.MathJax.Hub = hub();
  };
  config.Hub = hub();
  window.MathJax = config;
})();
