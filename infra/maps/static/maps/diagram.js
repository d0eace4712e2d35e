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

  var start = null;
  var moved = false;
  box.addEventListener("pointerdown", function (e) {
    start = { x: e.clientX, y: e.clientY };
    moved = false;
  });
  box.addEventListener("pointermove", function (e) {
    if (start && Math.abs(e.clientX - start.x) + Math.abs(e.clientY - start.y) > 4) {
      moved = true;
      box.classList.add("is-dragging");
    }
  });
  window.addEventListener("pointerup", function () {
    start = null;
    box.classList.remove("is-dragging");
  });
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
