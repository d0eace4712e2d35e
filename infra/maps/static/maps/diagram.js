// The diagram page: zoom and pan the inline SVG (svg-pan-zoom, vendored) with the wheel, by dragging,
// with the buttons and with the keyboard (+ - 0 and the arrows when the drawing has the focus).
// A drag that starts on a node does not follow the node's link when the button is let go.
(function () {
  "use strict";
  var box = document.getElementById("maps-diagram");
  var svg = box && box.querySelector("svg");
  if (!svg || typeof svgPanZoom !== "function") return;
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  var zoom = svgPanZoom(svg, {
    zoomEnabled: true,
    panEnabled: true,
    controlIconsEnabled: false, // its icons add an inline <style>, which the content security policy refuses
    dblClickZoomEnabled: false,
    mouseWheelZoomEnabled: true,
    preventMouseEventsDefault: true,
    zoomScaleSensitivity: 0.25,
    minZoom: 0.5,
    maxZoom: 40,
    fit: true,
    center: true,
  });
  window.simpulDiagram = zoom; // the browser tests read the zoom and the pan from here
  box.setAttribute("data-ready", "1"); // and wait for this (a DOM wait: the page's CSP refuses eval)

  var start = null;
  var moved = false;
  // Two fingers on a touch screen zoom (svg-pan-zoom pans with one): the zoom follows their spread.
  var touches = {};
  var pinch = null;
  function spread() {
    var p = Object.keys(touches).map(function (k) { return touches[k]; });
    var rect = svg.getBoundingClientRect();
    return {
      d: Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y) || 1,
      at: { x: (p[0].x + p[1].x) / 2 - rect.left, y: (p[0].y + p[1].y) / 2 - rect.top },
    };
  }
  box.addEventListener("pointerdown", function (e) {
    start = { x: e.clientX, y: e.clientY };
    moved = false;
    if (e.pointerType !== "touch") return;
    touches[e.pointerId] = { x: e.clientX, y: e.clientY };
    if (Object.keys(touches).length === 2) {
      pinch = { d: spread().d, zoom: zoom.getZoom() };
      zoom.disablePan();
    }
  });
  box.addEventListener("pointermove", function (e) {
    if (start && Math.abs(e.clientX - start.x) + Math.abs(e.clientY - start.y) > 4) {
      moved = true;
      box.classList.add("is-dragging");
    }
    if (touches[e.pointerId]) {
      touches[e.pointerId] = { x: e.clientX, y: e.clientY };
      if (pinch && Object.keys(touches).length === 2) {
        var now = spread();
        zoom.zoomAtPoint(pinch.zoom * (now.d / pinch.d), now.at);
      }
    }
  });
  function release(e) {
    start = null;
    box.classList.remove("is-dragging");
    delete touches[e.pointerId];
    if (pinch && Object.keys(touches).length < 2) {
      pinch = null;
      zoom.enablePan();
    }
  }
  window.addEventListener("pointerup", release);
  window.addEventListener("pointercancel", release);
  box.addEventListener(
    "click",
    function (e) {
      if (moved) {
        e.preventDefault();
        e.stopPropagation();
        moved = false;
      }
    },
    true
  );

  function act(what) {
    if (what === "in") zoom.zoomIn();
    else if (what === "out") zoom.zoomOut();
    else if (what === "fit") {
      zoom.resize();
      zoom.fit();
      zoom.center();
    }
  }
  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      act(button.getAttribute("data-zoom"));
    });
  });
  var step = 60;
  box.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var keys = {
      "+": function () { act("in"); },
      "=": function () { act("in"); },
      "-": function () { act("out"); },
      "0": function () { act("fit"); },
      ArrowLeft: function () { zoom.panBy({ x: step, y: 0 }); },
      ArrowRight: function () { zoom.panBy({ x: -step, y: 0 }); },
      ArrowUp: function () { zoom.panBy({ x: 0, y: step }); },
      ArrowDown: function () { zoom.panBy({ x: 0, y: -step }); },
    };
    if (keys[e.key]) {
      keys[e.key]();
      e.preventDefault();
    }
  });
  window.addEventListener("resize", function () {
    zoom.resize();
  });
})();
