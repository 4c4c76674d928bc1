// A revoked or expired door link: delete what the door page kept on this device for it
// (offline roster, offline admissions, waiting scans; door.js names them by the link's first
// 12 characters) and the saved copy of the page.
(function () {
  "use strict";
  var box = document.getElementById("door-closed");
  var key = box && box.getAttribute("data-device-key");
  if (!key) return;
  var wiped = false;
  ["door-roster:", "door-admitted-here:", "door-queue:"].forEach(function (prefix) {
    try {
      if (localStorage.getItem(prefix + key) !== null) wiped = true;
      localStorage.removeItem(prefix + key);
    } catch (e) { /* storage unavailable: nothing was kept */ }
  });
  if (window.caches) {
    caches.keys().then(function (keys) {
      keys.forEach(function (k) { caches.open(k).then(function (c) { c.delete(location.href); }); });
    }).catch(function () {});
  }
  if (wiped) document.getElementById("door-wiped").hidden = false;
})();
