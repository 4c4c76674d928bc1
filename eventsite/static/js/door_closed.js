// A revoked or expired door link: delete what the door page kept on this device for it
// (offline roster, offline admissions; door.js names them by the link's first 12 characters)
// and the saved copy of the page. Scans it could not send are never deleted unseen: an expired
// link hands them in (the server still takes them for a while), and whatever is left is offered
// as a file for the organizer (door_upload.js).
(function () {
  "use strict";
  var box = document.getElementById("door-closed");
  var key = box && box.getAttribute("data-device-key");
  if (!key) return;
  var QUEUE_KEY = "door-queue:" + key;
  var wiped = false;
  ["door-roster:", "door-admitted-here:"].forEach(function (prefix) {
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

  var items;
  try { items = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { items = []; }
  if (!Array.isArray(items) || !items.length) return;
  var url = box.getAttribute("data-upload-url");
  var send = url
    ? window.DoorUpload.send(url, { Accept: "application/json", "Content-Type": "application/json", "X-Door-Token": box.getAttribute("data-token") }, items)
    : Promise.resolve({ settled: [], remaining: items });
  send.then(function (outcome) {
    if (outcome.settled.length) {
      var sent = document.getElementById("unsent-sent");
      sent.textContent = outcome.settled.length + (outcome.settled.length === 1 ? " scan this phone kept offline was" : " scans this phone kept offline were") + " sent.";
      sent.hidden = false;
    }
    try {
      if (outcome.remaining.length) localStorage.setItem(QUEUE_KEY, JSON.stringify(outcome.remaining));
      else localStorage.removeItem(QUEUE_KEY);
    } catch (e) { /* storage unavailable */ }
    if (!outcome.remaining.length) return;
    window.DoorUpload.offerFile(document.getElementById("unsent"), {
      eventId: box.getAttribute("data-event-id") || "",
      door: box.getAttribute("data-label") || "",
      items: outcome.remaining,
      onDelete: function () { try { localStorage.removeItem(QUEUE_KEY); } catch (e) { /* storage */ } }
    });
  });
})();
