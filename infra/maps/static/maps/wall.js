// The wall screen refreshes itself: every data-refresh-seconds it asks the page again (with the
// X-Simpul-Wall header) and swaps in the new drawing only. An answer that is not the wall's (the sign-in
// page once the session has ended) reloads the whole page; no answer at all keeps the last drawing
// on screen under a red line that says since when it is out of date. Once an hour the page reloads
// whole, so a new release of the page itself reaches the screen.
(function () {
  "use strict";
  var body = document.body;
  var target = document.getElementById("wall-body");
  var offline = document.getElementById("wall-offline");
  var since = document.getElementById("wall-offline-since");
  var seconds = Math.max(1, parseInt(body.getAttribute("data-refresh-seconds"), 10) || 30);
  var url = body.getAttribute("data-refresh-url");
  var started = Date.now();
  var failingSince = null;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function refresh() {
    if (Date.now() - started > 3600 * 1000) {
      window.location.reload();
      return;
    }
    fetch(url, { headers: { "X-Simpul-Wall": "1" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.headers.get("X-Simpul-Wall") !== "1") {
          window.location.reload();
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        target.innerHTML = html;
        failingSince = null;
        offline.hidden = true;
        body.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () {
        if (failingSince === null) {
          failingSince = new Date();
          since.textContent = pad(failingSince.getHours()) + ":" + pad(failingSince.getMinutes());
        }
        offline.hidden = false;
      });
  }
  window.setInterval(refresh, seconds * 1000);
})();
