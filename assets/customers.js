/* The customer coverage map in the browser: a customer is a dot coloured by its visit status and
 * sized by its grade (ringed in violet when it is white space); a cell the server counted is a
 * count in a ring of its status shares. A click opens the customer or zooms to the cell
 * (clientside, no server round-trip). */
(function () {
  "use strict";

  window.cockpitCustomers = {
    pointToLayer: function (feature, latlng, context) {
      var h = (context && context.hideout) || {};
      var colours = h.colours || {};
      var p = feature.properties || {};
      if (p.k === "c") {
        var order = h.order || [];
        var stops = [], at = 0;
        order.forEach(function (status, i) {
          var n = (p.c || [])[i] || 0;
          if (!n) { return; }
          var end = at + (n / p.n) * 100;
          stops.push(colours[status] + " " + at.toFixed(1) + "% " + end.toFixed(1) + "%");
          at = end;
        });
        var ring = stops.length ? "conic-gradient(" + stops.join(",") + ")" : "#6b7280";
        var size = p.n < 100 ? 30 : p.n < 1000 ? 36 : p.n < 10000 ? 42 : 48;
        var label = p.n >= 10000 ? Math.round(p.n / 1000) + "k" :
          p.n >= 1000 ? (p.n / 1000).toFixed(1) + "k" : String(p.n);
        var icon = L.divIcon({
          html: '<div style="background:' + ring + '"><span>' + label + "</span></div>",
          className: "customers-cell",
          iconSize: L.point(size, size),
        });
        return L.marker(latlng, { icon: icon });
      }
      var radius = (h.radius || {})[p.g] || 5;
      return L.circleMarker(latlng, {
        radius: radius,
        color: p.w ? (h.white || "#7c3aed") : "#ffffff",
        weight: p.w ? 2.5 : 1,
        fillColor: colours[p.s] || "#6b7280",
        fillOpacity: 0.9,
      });
    },
  };

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.cockpitCustomers = {
    // A customer opens its profile; a cell zooms the map to its bounds.
    open: function (feature) {
      var no = window.dash_clientside.no_update;
      var p = (feature && feature.properties) || {};
      if (p.k === "p" && p.id) {
        return ["/customers/" + encodeURIComponent(p.id), no];
      }
      if (p.k === "c" && p.b) {
        return [no, { bounds: p.b, transition: "fitBounds", options: { animate: false } }];
      }
      return [no, no];
    },
  };
})();
