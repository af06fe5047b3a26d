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
    clusterToLayer: function (feature, latlng) {
      var n = feature.properties.point_count;
      var size = vh(n < 10 ? 3.6 : n < 100 ? 4.6 : 5.6);
      var icon = L.divIcon({
        html: "<div><span>" + feature.properties.point_count_abbreviated + "</span></div>",
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
