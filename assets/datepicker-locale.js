/* The date pickers' calendar (weekday and month names) in the viewer's language (issue 23).
 *
 * Dash 4's dcc.DatePickerSingle / DatePickerRange read their date-fns locale from
 * window.dateFns.locale each time they format, choosing by the browser's language
 * (navigator.languages), else the first locale held there, else date-fns' built-in English.
 * The viewer's language is the cockpit setting the server writes on <html lang> ("zh-CN" or
 * "en"), so window.dateFns.locale is made to hold only the viewer's locale: date-fns' own zh-CN
 * (assets/date-fns-zh-CN.min.js, loaded before this file) for Chinese, nothing for English.
 */
(function () {
  "use strict";

  var shipped = Object.assign({}, window.dateFns && window.dateFns.locale);
  // The viewer's language (the first part of <html lang>) -> the key date-fns' CDN build uses.
  var KEYS = { zh: "zhCN" };

  function viewerLocales() {
    var lang = (document.documentElement.getAttribute("lang") || "").split("-")[0].toLowerCase();
    var key = KEYS[lang];
    var held = {};
    if (key && shipped[key]) held[key] = shipped[key];
    return held;
  }

  window.dateFns = Object.assign({}, window.dateFns);
  Object.defineProperty(window.dateFns, "locale", {
    get: viewerLocales,
    enumerable: true,
    configurable: true
  });
})();
