/* A map that Dash removed mid-update stays quiet instead of throwing.
 *
 * Dash pages redraw a page on every change of its URL (the customers page's filters live in the
 * query string), so the coverage map can be removed while a move it started is still on its way
 * back: the `viewport` a callback returned (fitBounds, setView), or the `moveend` that reports the
 * new bounds. Leaflet 1.9's Map.remove() deletes the map pane, and every later read of the pane's
 * position (getBounds, the point conversions, a setView's pan test) throws "Cannot read
 * properties of undefined (reading '_leaflet_pos')" into the console, and a view reset writing
 * it throws "(setting '_leaflet_pos')". A removed map has nothing left to move: its pane position
 * reads as the origin, and a pan or a view reset does nothing.
 */
(function () {
  "use strict";

  function patch() {
    var L = window.L;
    if (!L || !L.Map || !L.point) return false;
    var proto = L.Map.prototype;
    if (proto._cockpitRemovedSafe) return true;
    var panePos = proto._getMapPanePos;
    var rawPanBy = proto._rawPanBy;
    var resetView = proto._resetView;
    proto._getMapPanePos = function () {
      return this._mapPane ? panePos.apply(this, arguments) : L.point(0, 0);
    };
    proto._rawPanBy = function () {
      return this._mapPane ? rawPanBy.apply(this, arguments) : undefined;
    };
    proto._resetView = function () {
      return this._mapPane ? resetView.apply(this, arguments) : undefined;
    };
    proto._cockpitRemovedSafe = true;
    return true;
  }

  // As in leaflet-locale.js: dash-leaflet's bundle defines window.L before any map mounts.
  if (!patch()) document.addEventListener("DOMContentLoaded", patch);
})();
