/* The probes' charts panel (probes/_charts.html): fetches a scope's figures (probes.views.ChartDataView)
   and draws them with uPlot: the state band, availability, round-trip time and packet loss, their x
   scales kept together (drag to zoom any of them, double-click to zoom out). Words come from the page
   (json_script), dates are written in the page's language and the city's time zone. No inline code:
   the content security policy allows none. */
(function () {
  "use strict";

  var STATES = {
    up: { fill: "#d1e7dd", hatch: null },
    down: { fill: "#842029", hatch: "diagonal" },
    unknown: { fill: "#ffffff", hatch: "dots" },
    maintenance: { fill: "#cfe2ff", hatch: "grid" }
  };
  var DAY = 86400;

  function pattern(ctx, spec) {
    // A small tile repeated over a band piece: hatching keeps the states apart in black and white.
    if (!spec.hatch) return spec.fill;
    var tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    var t = tile.getContext("2d");
    t.fillStyle = spec.fill;
    t.fillRect(0, 0, 8, 8);
    if (spec.hatch === "diagonal") {
      t.strokeStyle = "#ffffff";
      t.lineWidth = 1.5;
      t.beginPath();
      t.moveTo(0, 8); t.lineTo(8, 0);
      t.moveTo(-2, 2); t.lineTo(2, -2);
      t.moveTo(6, 10); t.lineTo(10, 6);
      t.stroke();
    } else if (spec.hatch === "dots") {
      t.fillStyle = "#444444";
      t.fillRect(3, 3, 1.5, 1.5);
    } else if (spec.hatch === "grid") {
      t.fillStyle = "#333333";
      t.fillRect(0, 0, 8, 1);
      t.fillRect(0, 0, 1, 8);
    }
    return ctx.createPattern(tile, "repeat");
  }

  function init(panel) {
    var labels = JSON.parse(document.getElementById(panel.dataset.labels).textContent);
    var zone = panel.dataset.timeZone;
    var lang = document.documentElement.lang || "en";
    var box = panel.querySelector(".pc-charts");
    var title = panel.querySelector("[data-testid=chart-title]");
    var empty = panel.querySelector("[data-testid=chart-empty]");
    var error = panel.querySelector("[data-testid=chart-error]");
    var view = { range: "day", date: "" };
    var charts = [];
    var figures = null;
    var syncing = false;
    var syncKey = uPlot.sync("pc-" + panel.dataset.url);
    var requests = 0;

    function fmt(options) {
      var o = { timeZone: zone };
      for (var k in options) o[k] = options[k];
      return new Intl.DateTimeFormat(lang, o);
    }
    var full = fmt({ year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    var dayMonth = fmt({ day: "numeric", month: "short" });
    var monthYear = fmt({ month: "short", year: "numeric" });
    var hourMinute = fmt({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    var dayOnly = fmt({ year: "numeric", month: "short", day: "numeric" });

    function when(seconds) {
      var d = new Date(seconds * 1000);
      return (figures && figures.range === "year" ? dayOnly : full).format(d);
    }

    function ticks(u, splits, axis, space, incr) {
      var previous = null;
      return splits.map(function (v) {
        var d = new Date(v * 1000);
        var text;
        if (incr >= 28 * DAY) {
          text = monthYear.format(d);
        } else if (incr >= DAY) {
          text = dayMonth.format(d);
        } else {
          var date = dayMonth.format(d);
          text = hourMinute.format(d) + (date !== previous ? "\n" + date : "");
          previous = date;
        }
        return text;
      });
    }

    function stateAt(t) {
      if (t == null || !figures) return "–";
      for (var i = 0; i < figures.band.length; i++) {
        var piece = figures.band[i];
        if (piece[0] <= t && t < piece[1]) return labels[piece[2]];
      }
      return "–";
    }

    function onScale(u, key) {
      if (key !== "x" || syncing) return;
      syncing = true;
      var min = u.scales.x.min, max = u.scales.x.max;
      charts.forEach(function (c) {
        if (c !== u && (c.scales.x.min !== min || c.scales.x.max !== max)) c.setScale("x", { min: min, max: max });
      });
      syncing = false;
      panel.dataset.zoomed = String(min !== figures.start || max !== figures.end);
    }

    function options(height, yLabel, series, yRange) {
      return {
        width: box.clientWidth || 300,
        height: height,
        tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), zone); },
        cursor: { sync: { key: syncKey.key }, drag: { x: true, y: false, setScale: true } },
        scales: { x: { time: true }, y: { range: yRange } },
        axes: [
          { values: ticks, space: 60, size: 44 },
          yLabel === labels.state
            // the band's axis: no figures, but as wide as the others' so the time axes line up
            ? { label: yLabel, labelSize: 20, size: 50, values: function () { return []; }, ticks: { show: false }, grid: { show: false } }
            : { label: yLabel, labelSize: 20, size: 50 }
        ],
        series: [{ label: labels.time, value: function (u, v) { return v == null ? "–" : when(v); } }].concat(series),
        hooks: { setScale: [onScale] }
      };
    }

    function stepped() {
      return uPlot.paths.stepped({ align: 1 });
    }

    function upTo(max, floor) {
      return function (u, min, top) { return [0, Math.max(floor, top == null ? floor : top * 1.1, max)]; };
    }

    function withLast(values) {
      // one more point at the period's end carrying the last bucket, so a stepped line draws it whole
      return values.concat([values.length ? values[values.length - 1] : null]);
    }

    function drawBand(u) {
      var ctx = u.ctx, b = u.bbox;
      ctx.save();
      ctx.beginPath();
      ctx.rect(b.left, b.top, b.width, b.height);
      ctx.clip();
      ctx.font = Math.round(12 * devicePixelRatio) + "px system-ui, sans-serif";
      ctx.textBaseline = "middle";
      ctx.textAlign = "center";
      figures.band.forEach(function (piece) {
        var x0 = Math.max(b.left, u.valToPos(piece[0], "x", true));
        var x1 = Math.min(b.left + b.width, u.valToPos(piece[1], "x", true));
        if (x1 <= x0) return;
        ctx.fillStyle = pattern(ctx, STATES[piece[2]]);
        ctx.fillRect(x0, b.top, x1 - x0, b.height);
        ctx.strokeStyle = "#333333";
        ctx.lineWidth = 1;
        ctx.strokeRect(x0, b.top, x1 - x0, b.height);
        var text = labels[piece[2]];
        var width = ctx.measureText(text).width + 8 * devicePixelRatio;
        if (x1 - x0 > width) {
          var mid = (x0 + x1) / 2, h = 16 * devicePixelRatio;
          ctx.fillStyle = "#ffffff";
          ctx.fillRect(mid - width / 2, b.top + b.height / 2 - h / 2, width, h);
          ctx.fillStyle = "#000000";
          ctx.fillText(text, mid, b.top + b.height / 2);
        }
      });
      ctx.restore();
    }

    function destroy() {
      charts.forEach(function (c) { c.destroy(); });
      charts = [];
      panel._charts = charts;
    }

    function draw() {
      destroy();
      var x = figures.x;
      var nothing = x.map(function () { return null; });
      var band = options(90, labels.state, [{
        label: labels.state,
        stroke: "#333333",
        points: { show: false },
        value: function (u) {
          var left = u.cursor.left;
          return left == null || left < 0 ? "–" : stateAt(u.posToVal(left, "x"));
        }
      }], function () { return [0, 1]; });
      band.hooks.draw = [drawBand];
      charts.push(new uPlot(band, [x, nothing], panel.querySelector("[data-chart=band]")));

      var availability = options(170, labels.availability_axis, [{
        label: labels.availability,
        stroke: "#146c43",
        width: 2,
        fill: "rgba(25, 135, 84, 0.12)",
        paths: stepped(),
        points: { show: false },
        value: function (u, v) { return v == null ? "–" : v.toFixed(2) + " %"; }
      }], function () { return [0, 100]; });
      charts.push(new uPlot(availability, [x, withLast(figures.availability)], panel.querySelector("[data-chart=availability]")));

      function ms(u, v) { return v == null ? "–" : v.toFixed(1) + " ms"; }
      var latency = options(190, labels.latency_axis, [
        { label: labels.rtt_avg, stroke: "#0d47a1", width: 2, value: ms,
          points: { size: 6, fill: "#0d47a1", stroke: "#0d47a1" } },
        { label: labels.rtt_p95, stroke: "#6a1b9a", width: 2, dash: [8, 4], value: ms,
          points: { size: 7, fill: "#ffffff", stroke: "#6a1b9a", width: 1.5 } },
        { label: labels.rtt_max, stroke: "#444444", width: 1.5, dash: [2, 3], value: ms,
          points: { size: 5, fill: "#444444", stroke: "#444444" } }
      ], upTo(0, 1));
      charts.push(new uPlot(latency, [x, figures.rtt_avg.concat([null]), figures.rtt_p95.concat([null]), figures.rtt_max.concat([null])], panel.querySelector("[data-chart=latency]")));

      var loss = options(150, labels.loss_axis, [{
        label: labels.loss,
        stroke: "#b02a37",
        width: 2,
        dash: [6, 3],
        paths: stepped(),
        points: { show: false },
        value: function (u, v) { return v == null ? "–" : v.toFixed(2) + " %"; }
      }], upTo(0, 1));
      charts.push(new uPlot(loss, [x, withLast(figures.loss)], panel.querySelector("[data-chart=loss]")));
      panel._charts = charts;
    }

    function show(json) {
      figures = json;
      view.range = json.range;
      view.date = json.date;
      title.textContent = json.title;
      panel.querySelectorAll("[data-range]").forEach(function (b) {
        var on = b.dataset.range === json.range;
        b.classList.toggle("active", on);
        b.setAttribute("aria-pressed", String(on));
      });
      panel.querySelector("[data-step=next]").disabled = !json.next;
      error.classList.add("d-none");
      empty.classList.toggle("d-none", !json.empty);
      box.classList.toggle("d-none", json.empty);
      panel.querySelector(".pc-hint").classList.toggle("d-none", json.empty);
      if (json.empty) destroy(); else draw();
      panel.dataset.zoomed = "false";
      panel.dataset.drawn = json.range + ":" + json.date + ":" + (++requests);
    }

    function load(range, date) {
      var url = panel.dataset.url + "?range=" + encodeURIComponent(range) + (date ? "&date=" + encodeURIComponent(date) : "");
      panel.setAttribute("aria-busy", "true");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          return r.json().then(function (body) {
            if (!r.ok) throw new Error(body.detail || labels.failed);
            return body;
          });
        })
        .then(show)
        .catch(function (e) {
          error.textContent = e.message || labels.failed;
          error.classList.remove("d-none");
        })
        .finally(function () { panel.removeAttribute("aria-busy"); });
    }

    panel.querySelectorAll("[data-range]").forEach(function (b) {
      b.addEventListener("click", function () { load(b.dataset.range, view.date); });
    });
    panel.querySelectorAll("[data-step]").forEach(function (b) {
      b.addEventListener("click", function () {
        var to = figures && (b.dataset.step === "next" ? figures.next : figures.previous);
        if (to) load(view.range, to);
      });
    });
    var width = 0;
    window.addEventListener("resize", function () {
      if (!charts.length || box.clientWidth === width) return;
      width = box.clientWidth;
      charts.forEach(function (c) { c.setSize({ width: width, height: c.height }); });
    });
    load(view.range, "");
  }

  document.querySelectorAll(".pc-panel[data-url]").forEach(init);
})();
