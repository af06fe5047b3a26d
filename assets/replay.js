/* The replay page's player: every frame is computed here, in the browser, over the data the
 * server sent once (dcc.Store "replay-data"). Times are seconds since the rep's local midnight;
 * data.clock lists [from, shift] wall-clock shifts of a DST change inside the day. */
(function () {
  "use strict";

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function shiftAt(clock, s) {
    var shift = 0;
    (clock || []).forEach(function (c) {
      if (s >= c[0]) shift = c[1];
    });
    return shift;
  }

  function fmt(clock, s) {
    var x = Math.round(s + shiftAt(clock, s));
    return pad(Math.floor(x / 3600)) + ":" + pad(Math.floor((x % 3600) / 60)) + ":" + pad(x % 60);
  }

  // Index of the last display point at or before x (-1 before the first).
  function lastAtOrBefore(ts, x) {
    if (!ts.length || x < ts[0]) return -1;
    var lo = 0, hi = ts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (ts[mid] <= x) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function position(d, x) {
    var n = d.t.length, i = lastAtOrBefore(d.t, x);
    if (i < 0) return { lat: d.lat[0], lon: d.lon[0], v: 0 };
    if (i >= n - 1) return { lat: d.lat[n - 1], lon: d.lon[n - 1], v: 0 };
    var j = i + 1;
    if (d.brk.indexOf(j) >= 0) return { lat: d.lat[i], lon: d.lon[i], v: 0, gap: true };
    var span = d.t[j] - d.t[i], f = span > 0 ? (x - d.t[i]) / span : 0;
    return {
      lat: d.lat[i] + f * (d.lat[j] - d.lat[i]),
      lon: d.lon[i] + f * (d.lon[j] - d.lon[i]),
      v: d.v[j]
    };
  }

  function idleAt(d, x) {
    for (var k = 0; k < d.idle.length; k++) {
      var s = d.idle[k];
      if (x >= s[0] && x < s[1]) return s;
    }
    return null;
  }

  // Pixel position of time x on the plotly timeline (its x axis holds local wall times).
  function cursorStyle(d, x) {
    var host = document.getElementById("replay-timeline");
    var gd = host && host.querySelector(".js-plotly-plot");
    var fl = gd && gd._fullLayout;
    if (!fl || !fl.xaxis || !fl.xaxis.l2p) return { display: "none" };
    var ymd = d.day.split("-").map(Number);
    var ms = Date.UTC(ymd[0], ymd[1] - 1, ymd[2]) + (x + shiftAt(d.clock, x)) * 1000;
    var px = fl.xaxis._offset + fl.xaxis.l2p(ms);
    if (!(px >= fl.xaxis._offset && px <= fl.xaxis._offset + fl.xaxis._length)) {
      return { display: "none" };
    }
    return {
      display: "block",
      left: px + "px",
      top: fl._size.t + "px",
      height: fl._size.h + "px"
    };
  }

  function markerStyle(opacity, fill) {
    return { color: "#ffffff", weight: 3, fillColor: "#0d6efd", opacity: opacity, fillOpacity: fill };
  }

  function triggeredProps() {
    var ctx = window.dash_clientside.callback_context;
    return ((ctx && ctx.triggered) || []).map(function (tr) {
      return tr.prop_id;
    });
  }

  function clickedTime(click) {
    var pt = click && click.points && click.points[0];
    if (!pt) return null;
    var cd = Array.isArray(pt.customdata) ? pt.customdata[0] : pt.customdata;
    return typeof cd === "number" ? cd : null;
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.replay = {
      player: function (data, nIntervals, nPlay, speed, slider, nNext, click, skip, state) {
        var nu = window.dash_clientside.no_update;
        var hidden = { display: "none" };
        if (!data || !data.ok) {
          return [null, nu, nu, nu, nu, markerStyle(0, 0), "—", "", "", true, nu, hidden];
        }
        var fired = triggeredProps();
        var has = function (prop) {
          return fired.indexOf(prop) >= 0;
        };
        var now = performance.now();
        var st = state && state.day === data.day && state.first === data.first && !has("replay-data.data")
          ? Object.assign({}, state)
          : { day: data.day, first: data.first, t: data.start, playing: false, wall: now };
        st.speed = Number(speed) || 1;
        var labels = data.labels;

        if (has("replay-play.n_clicks")) {
          st.playing = !st.playing;
          if (st.playing && st.t >= data.last) st.t = data.first;
          st.wall = now;
        }
        if (has("replay-scrubber.value") && typeof slider === "number") {
          st.t = slider;
        }
        if (has("replay-timeline.clickData")) {
          var ct = clickedTime(click);
          if (ct !== null) st.t = Math.min(Math.max(ct, data.first), data.last);
        }
        if (has("replay-next-anomaly.n_clicks")) {
          var next = data.alerts.filter(function (a) {
            return a > st.t + 1;
          })[0];
          if (next !== undefined) st.t = Math.min(Math.max(next, data.first), data.last);
        }
        if (has("replay-interval.n_intervals") && st.playing) {
          var dt = Math.min((now - st.wall) / 1000, 1);
          st.t += dt * st.speed;
          st.wall = now;
          if (skip) {
            var idle = idleAt(data, st.t);
            if (idle) st.t = idle[1];
          }
          if (st.t >= data.last) {
            st.t = data.last;
            st.playing = false;
          }
        }
        st.wall = now;

        var pos = position(data, st.t);
        var idleNow = idleAt(data, st.t);
        var status = labels.moving;
        if (idleNow && idleNow[2] === "s") {
          status = labels.stop + " #" + idleNow[3] + (idleNow[4] ? " · " + idleNow[4] : "");
        } else if (idleNow && idleNow[2] === "o") {
          status = idleNow[4];
        } else if (idleNow || pos.gap) {
          status = labels.gap + (idleNow ? " · " + idleNow[4] : "");
        }
        var kmh = idleNow ? 0 : pos.v;
        return [
          st,
          Math.round(st.t),
          data.first,
          data.last,
          [pos.lat, pos.lon],
          markerStyle(1, pos.gap || (idleNow && idleNow[2] === "g") ? 0.35 : 1),
          fmt(data.clock, st.t),
          kmh + " km/h · " + st.speed + "×",
          status,
          !st.playing,
          st.playing ? labels.pause : labels.play,
          cursorStyle(data, st.t)
        ];
      },

      pickRep: function (rep, query) {
        if (!rep || !query || rep === query.rep) return window.dash_clientside.no_update;
        return "/replay/" + encodeURIComponent(rep) + "/" + encodeURIComponent(query.day || "");
      }
  };
})();
