// The district dashboard's live part: a Server-Sent Events stream sends it again (as HTML)
// whenever its numbers move. A static file, so the page's Content-Security-Policy needs no
// inline script.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var status = document.getElementById("live-status");
  if (!live || !status) { return; }
  if (!window.EventSource) { status.textContent = "Seite neu laden für aktuelle Zahlen"; return; }
  var source = new EventSource(live.dataset.stream);
  function stamp(text) { status.textContent = text + " " + new Date().toLocaleTimeString("de-DE"); }
  source.addEventListener("open", function () { status.classList.add("on"); stamp("Live · verbunden"); });
  source.addEventListener("update", function (event) {
    live.innerHTML = event.data;
    stamp("Live · aktualisiert");
  });
  source.addEventListener("error", function () {
    status.classList.remove("on");
    status.textContent = "Verbindung unterbrochen, verbinde neu …";
  });
})();
