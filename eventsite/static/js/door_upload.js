// Scans a door phone kept while offline: sending them in chunks, and, when they cannot be sent
// (the link was revoked, or no signal before it closed), offering them as a file the organizer
// uploads on the event's Door tab. Used by the door page (door.js) and the closed-link page
// (door_closed.js).
(function () {
  "use strict";

  //: Scans per request (the server takes up to 200): a long evening offline goes up in pieces.
  var CHUNK = 100;
  //: A chunk unanswered this long counts as not sent (it is tried again later; nonces make that safe).
  var CHUNK_TIMEOUT_MS = 20000;
  var FILE_KIND = "eventsite-door-scans";

  // POST the items chunk by chunk. Resolves {settled: [[item, answer]...], remaining: [items]}:
  // every answer the server gives (accepted, duplicate, rejected) is final, so a settled item can
  // be forgotten; the rest (no signal, a busy server, a closed link) wait for the next try.
  function send(url, headers, items) {
    var settled = [];
    function next(start) {
      if (start >= items.length) return Promise.resolve();
      var chunk = items.slice(start, start + CHUNK);
      var scans = chunk.map(function (item) { return { code: item.code, nonce: item.nonce, scanned_at: item.scanned_at }; });
      var options = { method: "POST", headers: headers, credentials: "same-origin", body: JSON.stringify({ scans: scans }) };
      if (window.AbortController) {
        var abort = new AbortController();
        options.signal = abort.signal;
        setTimeout(function () { abort.abort(); }, CHUNK_TIMEOUT_MS);
      }
      return fetch(url, options)
        .then(function (response) {
          if (!response.ok) return false;
          return response.json().then(function (data) {
            if (!data || !Array.isArray(data.results) || data.results.length !== chunk.length) return false;
            chunk.forEach(function (item, i) { settled.push([item, data.results[i]]); });
            return true;
          });
        })
        .then(function (ok) { if (ok) return next(start + CHUNK); }, function () { /* no signal: keep the rest */ });
    }
    return next(0).then(function () {
      var done = {};
      settled.forEach(function (pair) { done[pair[0].nonce] = true; });
      return { settled: settled, remaining: items.filter(function (item) { return !done[item.nonce]; }) };
    });
  }

  function fileName(eventId) {
    var d = new Date();
    var pad = function (n) { return ("0" + n).slice(-2); };
    return "door-scans-event-" + eventId + "-" + d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate()) + "-" + pad(d.getHours()) + pad(d.getMinutes()) + ".json";
  }

  // Show, in `box`, how many scans could not be sent, a link saving them as a file, and a button
  // deleting them from this phone (after a confirmation; `onDelete(nonces)` drops those offered).
  function offerFile(box, options) {
    var items = options.items;
    var content = {
      kind: FILE_KIND,
      event_id: Number(options.eventId),
      door: options.door || "",
      saved_at: new Date().toISOString(),
      scans: items.map(function (item) { return { code: item.code, nonce: item.nonce, scanned_at: item.scanned_at }; })
    };
    var url = URL.createObjectURL(new Blob([JSON.stringify(content, null, 1)], { type: "application/json" }));
    box.textContent = "";
    var p = document.createElement("p");
    p.id = "unsent-count";
    p.textContent = items.length + (items.length === 1 ? " scan was" : " scans were") + " not sent. Save them as a file and give it to the organizer, who uploads it on the event's Door tab.";
    var actions = document.createElement("p");
    actions.className = "unsent-actions";
    var save = document.createElement("a");
    save.className = "button door-button";
    save.href = url;
    save.download = fileName(options.eventId);
    save.textContent = "Save unsent scans";
    var drop = document.createElement("button");
    drop.type = "button";
    drop.className = "button secondary door-button";
    drop.textContent = "Delete them from this phone";
    drop.addEventListener("click", function () {
      if (!window.confirm("Delete " + items.length + " unsent scans from this phone? Save the file first, or they are lost.")) return;
      options.onDelete(items.map(function (item) { return item.nonce; }));
      box.textContent = "The unsent scans were deleted from this phone.";
    });
    actions.appendChild(save);
    actions.appendChild(drop);
    box.appendChild(p);
    box.appendChild(actions);
    box.hidden = false;
  }

  window.DoorUpload = { send: send, offerFile: offerFile };
})();
