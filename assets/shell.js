/* The shell's small browser-side behaviours (clientside callbacks, no server round-trip):
 * the collapsed navigation, the current page's name beside the brand, the folded filter line,
 * and the evidence panels that open full screen on narrow screens. */
(function () {
  "use strict";

  function triggered() {
    var ctx = window.dash_clientside.callback_context;
    return ctx && ctx.triggered_id;
  }

  function label(options, value) {
    var found = (options || []).filter(function (o) { return o.value === value; })[0];
    return found ? String(found.label) : String(value);
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    shell: {
      // The menu button opens and closes the menu; moving to another page closes it.
      toggleMenu: function (_clicks, _pathname, isOpen) {
        return triggered() === "shell-menu-toggle" ? !isOpen : false;
      },

      // The page's title for the collapsed bar: exact path first, else a template's fixed part.
      pageName: function (pathname, titles) {
        var path = pathname || "/", best = "", bestLen = 0;
        (titles || []).forEach(function (item) {
          var prefix = item[0];
          if (prefix === path) {
            best = item[1];
            bestLen = Infinity;
          } else if (prefix.length > 1 && prefix.slice(-1) === "/" &&
                     path.indexOf(prefix) === 0 && prefix.length > bestLen) {
            best = item[1];
            bestLen = prefix.length;
          }
        });
        return best;
      },

      // "Last 7 days · East China · All teams", from what the drop-downs hold now.
      filterSummary: function (period, periods, start, end, region, regions, team, teams,
                               rep, reps, words) {
        words = words || {};
        var when = label(periods, period);
        if (period === "custom" && start && end) {
          var from = String(start).slice(0, 10), to = String(end).slice(0, 10);
          // Within one year the year is said once: "2026-11-20 – 11-26".
          when = from + " – " + (from.slice(0, 4) === to.slice(0, 4) ? to.slice(5) : to);
        }
        var parts = [
          when,
          region ? label(regions, region) : words.region,
          team ? label(teams, team) : words.team
        ];
        if (rep) parts.push(label(reps, rep));
        return parts.join(" · ");
      },

      // The folded filter line opens and closes the full panel.
      toggleFilters: function (_clicks, className) {
        var open = (className || "").indexOf("is-open") < 0;
        return [open ? "filter-panel is-open" : "filter-panel", open ? "true" : "false"];
      },

      // A tap on a row (or its checkbox) opens the evidence, full screen below lg; its "-close"
      // button closes it, and so does a selection emptied.
      evidencePane: function (_cell, selected, _close) {
        var id = triggered();
        var closing = typeof id === "string" && /-close$/.test(id);
        var emptied = !closing && (!selected || !selected.length) &&
          (window.dash_clientside.callback_context.triggered || []).some(function (t) {
            return /selectedRows$/.test(t.prop_id);
          });
        return closing || emptied ? "evidence-pane" : "evidence-pane is-open";
      }
    }
  });
})();
