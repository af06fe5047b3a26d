/* Leaflet's layers control button in the viewer's language (issue 23).
 *
 * Leaflet 1.9 writes the collapsed layers control's button title as the fixed English "Layers",
 * with no option to change it (the zoom buttons and the attribution prefix have options, set per
 * language on the server: components/map_controls.py). Each layers control built here gets its
 * button titled in the viewer's language, the cockpit setting the server writes on <html lang>
 * ("zh-CN" or "en").
 */
(function () {
  "use strict";

  var TITLES = { zh: "图层", en: "Layers" };

  function viewerTitle() {
    var lang = (document.documentElement.getAttribute("lang") || "").split("-")[0].toLowerCase();
    return TITLES[lang] || TITLES.en;
  }

  function patch() {
    var L = window.L;
    if (!L || !L.Control || !L.Control.Layers) return false;
    var proto = L.Control.Layers.prototype;
    if (proto._cockpitTitled) return true;
    var initLayout = proto._initLayout;
    proto._initLayout = function () {
      initLayout.apply(this, arguments);
      var button = this._layersLink;
      if (button) {
        button.title = viewerTitle();
        button.setAttribute("aria-label", button.title);
      }
    };
    proto._cockpitTitled = true;
    return true;
  }

  // dash-leaflet's bundle defines window.L; Dash may load it after this file, but always before
  // the layout (fetched once the document is loaded) mounts any map.
  if (!patch()) document.addEventListener("DOMContentLoaded", patch);
})();
