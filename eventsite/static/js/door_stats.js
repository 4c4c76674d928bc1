// Live door figures on the organizer's event overview: poll the stats API every 4 s.
(function () {
  "use strict";
  var box = document.querySelector(".door-figures[data-stats-url]");
  if (!box) return;
  var url = box.getAttribute("data-stats-url");
  function verdictClass(scan) {
    if (scan.result === "admitted") return "scan-green";
    return scan.reason === "already_checked_in" ? "scan-amber" : "scan-red";
  }
  function render(data) {
    ["checked_in", "confirmed", "walk_ins"].forEach(function (key) {
      box.querySelectorAll('[data-figure="' + key + '"]').forEach(function (el) {
        el.textContent = String(data[key]);
      });
    });
    (data.by_category || []).forEach(function (c, i) {
      var el = box.querySelector('[data-category-figure="' + i + '"]');
      if (el) el.textContent = String(c.checked_in);
      var of = box.querySelector('[data-category-of="' + i + '"]');
      if (of) of.textContent = String(c.confirmed);
    });
    if (window.arrivalsChart) window.arrivalsChart.render(box.querySelector("[data-arrivals]"), data.per_quarter);
    var list = box.querySelector('[data-list="last_scans"]');
    if (!list) return;
    list.textContent = "";
    if (!data.last_scans.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = "No scans yet.";
      list.appendChild(none);
    }
    data.last_scans.forEach(function (scan) {
      var li = document.createElement("li");
      li.className = verdictClass(scan) + (scan.undone ? " undone" : "");
      var what = scan.result === "admitted" ? "admitted" : scan.reason.replace(/_/g, " ");
      li.textContent = [scan.at_local, scan.door, scan.name || "\u2014", what].join(" \u00b7 ") + (scan.undone ? " (undone)" : "") + (scan.clock_off ? " (device clock off)" : "");
      list.appendChild(li);
    });
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data); })
      .catch(function () {})
      .then(function () { setTimeout(poll, 4000); });
  }
  setTimeout(poll, 4000);
})();
