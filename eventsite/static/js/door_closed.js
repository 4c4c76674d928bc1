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
  var token = box.getAttribute("data-token") || "";
  var headers = { Accept: "application/json", "Content-Type": "application/json", "X-Door-Token": token };
  var pin = null;
  try { pin = sessionStorage.getItem("door-pin:" + token.slice(0, 8)); } catch (e) { /* none */ }
  if (pin) headers["X-Door-Pin"] = pin;
  var send = url ? window.DoorUpload.send(url, headers, items) : Promise.resolve({ settled: [], remaining: items });

  // Drop these nonces from the stored queue; scans another tab queued meanwhile stay.
  function forget(nonces) {
    var gone = {};
    nonces.forEach(function (n) { gone[n] = true; });
    try {
      var now = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]").filter(function (item) { return !gone[item.nonce]; });
      if (now.length) localStorage.setItem(QUEUE_KEY, JSON.stringify(now));
      else localStorage.removeItem(QUEUE_KEY);
    } catch (e) { /* storage unavailable */ }
  }

  send.then(function (outcome) {
    if (outcome.settled.length) {
      var sent = document.getElementById("unsent-sent");
      sent.textContent = outcome.settled.length + (outcome.settled.length === 1 ? " scan this phone kept offline was" : " scans this phone kept offline were") + " sent.";
      sent.hidden = false;
    }
    forget(outcome.settled.map(function (pair) { return pair[0].nonce; }));
    if (!outcome.remaining.length) return;
    window.DoorUpload.offerFile(document.getElementById("unsent"), {
      eventId: box.getAttribute("data-event-id") || "",
      door: box.getAttribute("data-label") || "",
      items: outcome.remaining,
      onDelete: forget
    });
  });
})();
