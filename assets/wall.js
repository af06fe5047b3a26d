/* The wall screen in the browser: map markers and clusters sized for a room, the view rotation,
 * the refresh countdown, "last updated" and the stale banner (no answer from the server for too
 * long). Everything here replaces text or attributes; nothing is appended, so memory stays flat. */
(function () {
  "use strict";
  var state = { started: null, lastOk: null, stampAt: null };

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // Clock times in the company's time zone, like the title, whatever the device's zone.
  function hms(ms, tz) {
    try {
      return new Date(ms).toLocaleTimeString("en-GB", { timeZone: tz, hour12: false });
    } catch (e) {
      var d = new Date(ms);
      return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    }
  }
  // Sizes follow the screen height, so markers read the same on 1080p and 4K.
  function vh(x) { return Math.round((window.innerHeight * x) / 100); }

  window.cockpitWall = {
    pointToLayer: function (feature, latlng, context) {
      var colours = (context && context.hideout && context.hideout.colours) || {};
      return L.circleMarker(latlng, {
        radius: Math.max(5, vh(0.8)),
        color: "#0b1020",
        weight: Math.max(1, vh(0.15)),
        fillColor: colours[feature.properties.s] || "#9ca3af",
        fillOpacity: 0.95,
      });
    },
    // A cluster is a ring of its reps' state colours around the count, so a zoomed-out
    // national map still shows where reps are offline.
    clusterToLayer: function (feature, latlng, index, context) {
      var n = feature.properties.point_count;
      var colours = (context && context.hideout && context.hideout.colours) || {};
      var counts = {};
      try {
        index.getLeaves(feature.properties.cluster_id, Infinity).forEach(function (leaf) {
          counts[leaf.properties.s] = (counts[leaf.properties.s] || 0) + 1;
        });
      } catch (e) { counts = {}; }
      var stops = [], at = 0;
      Object.keys(colours).forEach(function (state) {
        if (!counts[state]) { return; }
        var end = at + (counts[state] / n) * 100;
        stops.push(colours[state] + " " + at.toFixed(1) + "% " + end.toFixed(1) + "%");
        at = end;
      });
      var ring = stops.length ? "conic-gradient(" + stops.join(",") + ")" : "#0e7490";
      var size = vh(n < 10 ? 4.2 : n < 100 ? 5.4 : 6.6);
      var icon = L.divIcon({
        html: '<div style="background:' + ring + '"><span>' +
          feature.properties.point_count_abbreviated + "</span></div>",
        className: "wall-cluster",
        iconSize: L.point(size, size),
      });
      return L.marker(latlng, { icon: icon });
    },
  };

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.cockpitWall = {
    rotate: function (n, config) {
      var views = (config && config.views) || [];
      if (!n || views.length < 2) {
        return [window.dash_clientside.no_update, window.dash_clientside.no_update];
      }
      var i = n % views.length;
      return [views[i], "wall-dots wall-dots-" + i];
    },
    clusterOptions: function () {
      return { radius: Math.max(60, vh(7)), maxZoom: 14 };
    },
    tick: function (n, stamp, config) {
      var now = Date.now();
      if (state.started === null) { state.started = now; }
      if (stamp && stamp.at && stamp.at !== state.stampAt) {
        state.stampAt = stamp.at;
        state.lastOk = now;
      }
      var text = config.text;
      var period = config.refresh * 1000;
      var next = Math.ceil((period - ((now - state.started) % period)) / 1000);
      var since = state.lastOk === null ? state.started : state.lastOk;
      var stale = now - since > config.stale * 1000;
      return [
        text.next.replace("{s}", String(next)),
        state.lastOk === null ? "" : text.updated.replace("{t}", hms(state.lastOk, config.tz)),
        stale ? text.stale.replace("{t}", state.lastOk === null ? "—" : hms(state.lastOk, config.tz)) : "",
        !stale,
      ];
    },
  };
})();
