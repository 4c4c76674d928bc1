// The door page: scan badges (camera, handheld scanner or typed code), search by name, undo,
// live figures. Talks to /api with the door token (or as a signed-in organizer with CSRF).
(function () {
  "use strict";

  var body = document.getElementById("door");
  if (!body) return;
  var API = body.getAttribute("data-api");
  var EVENT_ID = body.getAttribute("data-event-id");
  var TOKEN = body.getAttribute("data-token");
  var CSRF = body.getAttribute("data-csrf");
  var PIN_KEY = "door-pin:" + TOKEN.slice(0, 8);
  var EVENT_API = API + "/events/" + EVENT_ID;
  var COOLDOWN_MS = 1200; // the camera looks for the next badge this soon after a verdict
  var SCAN_TIMEOUT_MS = 8000; // a scan unanswered this long is kept and sent again later
  var LABEL = body.getAttribute("data-label");
  var BADGE_PREFIX = body.getAttribute("data-badge-prefix");
  var CODE_ALPHABET = body.getAttribute("data-code-alphabet");
  var CODE_LENGTH = Number(body.getAttribute("data-code-length"));
  var STATS_MS = 4000;
  var ROSTER_MS = 60000; // the offline roster is re-checked this often (a 304 while unchanged)
  //: API refusals that mean this link is over: the phone forgets the roster and the page.
  var CLOSED_REASONS = { door_revoked: true, door_expired: true, door_not_found: true };
  // An organizer's page (no door link) forgets the roster when the sign-in ends.
  function isClosing(reason) { return TOKEN ? !!CLOSED_REASONS[reason] : reason === "login_required"; }

  var $ = function (id) { return document.getElementById(id); };
  var codeInput = $("code");
  var lastAdmitted = null;
  var busy = false;

  // --- HTTP ------------------------------------------------------------------------------

  function headers(json) {
    var h = { Accept: "application/json" };
    if (json) h["Content-Type"] = "application/json";
    if (TOKEN) h["X-Door-Token"] = TOKEN;
    var pin = sessionStorage.getItem(PIN_KEY);
    if (pin) h["X-Door-Pin"] = pin;
    if (CSRF) h["X-CSRFToken"] = CSRF;
    return h;
  }

  // `timeout` (ms, optional): give up waiting then, as if there were no signal.
  function api(method, path, payload, retries, timeout) {
    var sentPin = sessionStorage.getItem(PIN_KEY);
    var options = { method: method, headers: headers(payload !== undefined), credentials: "same-origin" };
    if (payload !== undefined) options.body = JSON.stringify(payload);
    if (timeout && window.AbortController) {
      var abort = new AbortController();
      options.signal = abort.signal;
      setTimeout(function () { abort.abort(); }, timeout);
    }
    return fetch(path, options).then(
      function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          // Only about the PIN this request carried: a poll sent before the volunteer typed the
          // PIN must not wipe the PIN typed since, nor its "not right" message.
          var pinNow = sessionStorage.getItem(PIN_KEY);
          if (response.status === 401 && (data.reason === "pin_required" || data.reason === "bad_pin") && pinNow === sentPin) {
            askPin(data.reason);
          }
          if (isClosing(data.reason)) closeDoor(data.message);
          return { ok: response.ok, status: response.status, data: data };
        });
      },
      function (error) {
        // The request may have arrived: retrying with the same nonce is safe (same verdict back).
        // Not after a timeout: the volunteer has waited long enough; the caller keeps the scan.
        if (retries > 0 && !(error && error.name === "AbortError")) {
          return new Promise(function (resolve) { setTimeout(resolve, 400); }).then(function () {
            return api(method, path, payload, retries - 1, timeout);
          });
        }
        throw error;
      }
    );
  }

  function nonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- Verdicts ----------------------------------------------------------------------------

  function setVerdict(colour, title, name, detail, notes, offline) {
    var box = $("verdict");
    box.className = "verdict verdict-" + colour;
    $("verdict-mode").hidden = !offline;
    $("verdict-print").hidden = true;
    $("verdict-title").textContent = title;
    $("verdict-name").textContent = name || "";
    $("verdict-detail").textContent = detail || "";
    var notesBox = $("verdict-notes");
    notesBox.textContent = notes || "";
    notesBox.hidden = !notes;
    // Restart the flash animation so two greens in a row still look like two events.
    box.classList.remove("flash");
    void box.offsetWidth;
    box.classList.add("flash");
  }

  function showVerdict(v) {
    var g = v.guest;
    if (v.colour === "green") {
      var notes = [];
      if (g.dietary_notes) notes.push("Dietary: " + g.dietary_notes);
      if (g.accessibility_notes) notes.push("Access: " + g.accessibility_notes);
      setVerdict("green", "Welcome", g.name, [g.program, g.level].filter(Boolean).join(" · "), notes.join("  ·  "));
      lastAdmitted = { id: v.check_in_id, name: g.name };
      $("undo").disabled = false;
    } else if (v.colour === "amber") {
      var when = v.previous_at_local ? "Already checked in at " + v.previous_at_local + (v.previous_door ? " · " + v.previous_door : "") : "Already checked in";
      setVerdict("amber", when, g ? g.name : "", v.message);
    } else {
      setVerdict("red", v.title, g ? g.name : "", v.message);
    }
    feedback(v.colour);
  }

  function feedback(colour) {
    if (navigator.vibrate) {
      try { navigator.vibrate(colour === "green" ? 80 : [120, 80, 120]); } catch (e) { /* not allowed */ }
    }
    try {
      var AudioCtx = window.AudioContext || window.webkitAudioContext;
      if (!AudioCtx) return;
      feedback.ctx = feedback.ctx || new AudioCtx();
      var osc = feedback.ctx.createOscillator();
      var gain = feedback.ctx.createGain();
      osc.frequency.value = colour === "green" ? 880 : colour === "amber" ? 440 : 220;
      gain.gain.value = 0.08;
      osc.connect(gain);
      gain.connect(feedback.ctx.destination);
      osc.start();
      osc.stop(feedback.ctx.currentTime + (colour === "green" ? 0.12 : 0.3));
    } catch (e) { /* sound is a bonus */ }
  }

  function networkTrouble() {
    setVerdict("red", "No connection", "", "The scan could not be sent. Check the signal and scan again.");
    feedback("red");
  }

  function ready() {
    busy = false;
    codeInput.value = "";
    if (document.activeElement !== $("search")) codeInput.focus();
  }

  // --- Offline queue: scans that could not be sent wait here (with their nonce and device time)
  // and go up in one batch when the network is back; the server's verdicts are compared then.

  var DEVICE_KEY = (TOKEN || "organizer-" + EVENT_ID).slice(0, 12);
  var QUEUE_KEY = "door-queue:" + DEVICE_KEY;
  var roster = window.DoorRoster.create({ key: DEVICE_KEY, queueHasScans: function () { return queued().length > 0; } });

  // --- Offline roster: fetched when the page opens, then every minute; a 304 costs nothing.

  var rosterBusy = false;
  function refreshRoster() {
    if (rosterBusy || closed || navigator.onLine === false) return Promise.resolve();
    rosterBusy = true;
    var h = headers(false);
    if (roster.version()) h["If-None-Match"] = '"' + roster.version() + '"';
    return fetch(EVENT_API + "/roster", { headers: h, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 200) return response.json().then(function (data) { roster.save(data); });
        if (response.status === 304) return;
        return response.json().then(function (data) {
          if (isClosing(data.reason)) closeDoor(data.message);
        }, function () {});
      }, function () { /* offline: keep the copy we have */ })
      .then(function () { rosterBusy = false; });
  }

  function pollRoster() {
    refreshRoster().then(function () { if (!closed) setTimeout(pollRoster, ROSTER_MS); });
  }

  // The link was revoked or ran out: hand in the waiting scans (an expired link still may), then
  // forget the guest list and the saved page, so a lost phone shows nothing. Scans the server
  // did not take stay on the phone and are offered as a file for the organizer: never wiped.
  var closed = false;
  function closeDoor(message) {
    if (closed) return;
    closed = true;
    if (scanner) stopCamera();
    body.classList.add("door-closed");
    $("offline").hidden = true;
    var title = TOKEN ? "Door link closed" : "Signed out";
    var text = (message || "This door link no longer works.") + " The guest list was deleted from this phone.";
    setVerdict("red", title, "", text);
    roster.wipe();  // first: a lost phone shows no guest list, whatever the upload does
    if (window.caches) {
      caches.keys().then(function (keys) {
        keys.forEach(function (k) { caches.open(k).then(function (c) { c.delete(location.href); }); });
      }).catch(function () {});
    }
    // An upload under way reports itself; then one more try takes what was queued since.
    (uploading || Promise.resolve(null)).then(function () { return uploadQueue(); }).then(function (settled) {
      var left = queued();
      if (settled) reportUpload(settled);
      if (!left.length) {
        try { localStorage.removeItem(QUEUE_KEY); } catch (e) { /* private mode */ }
        return;
      }
      window.DoorUpload.offerFile($("unsent"), {
        eventId: EVENT_ID,
        door: LABEL,
        items: left,
        onDelete: function (offered) { forgetScans(offered); }
      });
    });
  }

  function forgetScans(nonces) {
    var gone = {};
    nonces.forEach(function (n) { gone[n] = true; });
    try { localStorage.setItem(QUEUE_KEY, JSON.stringify(queued().filter(function (item) { return !gone[item.nonce]; }))); } catch (e) { /* storage */ }
  }

  function queued() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }

  // False when the phone could not store the queue (storage full or refused).
  function saveQueue(items) {
    var saved = true;
    try { localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); } catch (e) { saved = false; }
    showQueue();
    return saved;
  }

  function showQueue() {
    if (closed) return;
    var n = queued().length;
    var banner = $("offline");
    banner.hidden = n === 0 && navigator.onLine !== false;
    $("offline-text").textContent = (navigator.onLine === false ? "Offline" : "Reconnecting") + " \u2014 " + n + (n === 1 ? " scan" : " scans") + " waiting";
  }

  // Send the waiting scans in chunks; forget each one the server settled (accepted, duplicate or
  // rejected: all final). Resolves the settled [item, answer] pairs, or null if nothing was sent.
  var uploading = null;
  function uploadQueue() {
    if (uploading) return uploading;
    var items = queued();
    if (!items.length) return Promise.resolve(null);
    var h = headers(true);
    uploading = window.DoorUpload.send(EVENT_API + "/checkins/batch", h, items).then(function (outcome) {
      var done = {};
      outcome.settled.forEach(function (pair) { done[pair[0].nonce] = true; });
      // Scans made while this upload was under way stay queued too.
      try { localStorage.setItem(QUEUE_KEY, JSON.stringify(queued().filter(function (item) { return !done[item.nonce]; }))); } catch (e) { /* storage */ }
      uploading = null;
      return outcome.settled.length ? outcome.settled : null;
    });
    return uploading;
  }

  function flushQueue() {
    if (closed || !queued().length) { showQueue(); return Promise.resolve(); }
    return uploadQueue().then(function (settled) {
      if (settled) {
        reportUpload(settled);
        refreshStats();
        refreshRoster();
      }
      showQueue();
    });
  }

  // Where the server's answer differs from what the phone showed offline, and scans it could not
  // use (not a badge of ours): listed for the volunteer to sort out.
  function reportUpload(settled) {
    var list = $("conflicts");
    settled.forEach(function (pair) {
      var item = pair[0], v = pair[1];
      var text = null;
      if (v.status === "rejected") text = "A scan could not be used: " + v.message;
      else if (isConflict(item, v)) {  // accepted now, or a duplicate: the server's first verdict
        text = (v.guest ? v.guest.name + ": " : "") + (v.colour === "green" ? "turned away offline, but admitted now; undo it if they left" : v.colour === "amber" ? "already checked in" + (v.previous_door ? " at " + v.previous_door : "") : v.title);
      }
      if (!text) return;
      var li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
    });
    $("conflicts-box").hidden = !list.children.length;
    var total = settled.length;
    $("uploaded").textContent = total + (total === 1 ? " offline scan" : " offline scans") + " uploaded.";
  }

  // Offline: the roster gives the verdict (if this phone has one), and the scan waits in the queue
  // with the colour shown, so the upload can tell the volunteer where the server disagrees.
  function enqueue(payload, why) {
    return roster.verdict(payload.code).then(function (v) {
      var items = queued();
      items.push({ code: payload.code, nonce: payload.nonce, scanned_at: payload.scanned_at, local: v ? v.colour : "unknown" });
      if (!saveQueue(items)) {
        setVerdict("red", "Not saved", "", "This phone's storage is full, so the scan could not be kept. Check the guest in by name when the signal is back, or use another phone.");
        feedback("red");
        return;
      }
      if (!v) {
        setVerdict("amber", "Saved offline", "", why || "No connection. Check the name on the badge before letting the guest in; this scan is sent when the signal is back.", "", true);
        feedback("amber");
        return;
      }
      if (v.colour === "green") {
        roster.markAdmitted(v.lookup, new Date().toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }));
      }
      setVerdict(v.colour, v.title, v.name, v.detail, v.notes, true);
      feedback(v.colour);
    });
  }

  function isConflict(item, v) {
    if (item.local === "green" || item.local === "unknown") return v.colour !== "green";
    return item.local === "red" && v.colour === "green";
  }

  window.addEventListener("online", function () { showQueue(); flushQueue(); });
  window.addEventListener("offline", showQueue);

  // The badge code in a scanned text: the badge's URL or its bare code (typed,
  // or from a handheld scanner, maybe in groups with spaces or dashes). Anything else (a contact
  // card, a Wi-Fi code, another site's link) is answered here and never sent or queued.
  // Mirrors services/tickets.py (parse_code, then the code's shape): the bare badge code, or null.
  function badgeCode(text) {
    if (text.length > 300) return null;
    var code = text;
    if (text.indexOf("/") !== -1) {
      var url, base = new URL(BADGE_PREFIX);
      try { url = new URL(text); } catch (e) { return null; }
      if (url.protocol !== base.protocol || url.host !== base.host) return null;
      var path = url.pathname.replace(/\/+$/, "");
      if (path.slice(0, base.pathname.length) !== base.pathname) return null;
      code = path.slice(base.pathname.length);
    }
    code = code.replace(/[ -]/g, "").toLowerCase();
    if (code.length !== CODE_LENGTH) return null;
    for (var i = 0; i < code.length; i++) if (CODE_ALPHABET.indexOf(code[i]) === -1) return null;
    return code;
  }

  //: Answers that are not a verdict but a server that could not take the scan now: keep it.
  function isBusy(status) { return status === 408 || status === 425 || status === 429 || status >= 500; }

  function submitCode(code) {
    code = (code || "").trim();
    if (!code || busy) return;
    // The bare code goes to the server and the roster alike, whatever the QR wrapped it in.
    code = badgeCode(code);
    if (!code) {
      setVerdict("red", "Not a badge", "", "This code is not one of our badges (a QR code of something else, such as a contact card). Nothing was saved.");
      feedback("red");
      ready();
      return;
    }
    busy = true;
    var payload = { code: code, nonce: nonce(), scanned_at: new Date().toISOString() };
    var send = navigator.onLine === false ? Promise.reject(new Error("offline")) : api("POST", EVENT_API + "/checkins", payload, 1, SCAN_TIMEOUT_MS);
    send
      .then(function (r) {
        if (r.ok && r.data.colour) showVerdict(r.data);
        // 429, 502/503/504, a timeout: the server saved nothing (or will say so again for this
        // nonce); keep the scan and send it again.
        else if (r.ok || isBusy(r.status)) return enqueue(payload, "The server could not take this scan just now. Check the name on the badge before letting the guest in; the scan is saved and sent again in a moment.");
        else if (r.data.reason !== "pin_required" && r.data.reason !== "bad_pin" && !closed) setVerdict("red", "Not sent", "", r.data.message || "Please try again.");
      }, function () { return enqueue(payload); })
      .then(function () { ready(); refreshStats(); });
  }

  function checkInGuest(rsvpId) {
    if (busy) return;
    busy = true;
    api("POST", EVENT_API + "/guests/" + rsvpId + "/checkin", { nonce: nonce(), scanned_at: new Date().toISOString() }, 2)
      .then(function (r) {
        if (r.ok) showVerdict(r.data);
        else setVerdict("red", "Not sent", "", r.data.message || "Please try again.");
      }, networkTrouble)
      .then(function () {
        $("search").value = "";
        $("search-results").textContent = "";
        ready();
        refreshStats();
      });
  }

  $("scan-form").addEventListener("submit", function (e) {
    e.preventDefault();
    submitCode(codeInput.value);
  });

  $("undo").addEventListener("click", function () {
    if (!lastAdmitted) return;
    var undone = lastAdmitted;
    api("POST", EVENT_API + "/checkins/" + undone.id + "/undo", undefined, 1).then(function (r) {
      if (r.ok) {
        setVerdict("idle", "Check-in undone", undone.name, "Scan the badge again to check this guest in.");
        lastAdmitted = null;
        $("undo").disabled = true;
        refreshStats();
      } else {
        setVerdict("red", "Could not undo", "", r.data.message || "");
      }
    }, networkTrouble).then(ready);
  });

  // --- PIN -----------------------------------------------------------------------------------

  function askPin(reason) {
    sessionStorage.removeItem(PIN_KEY);
    var form = $("pin-form");
    var opening = form.hidden;
    form.hidden = false;
    // A late "PIN needed" from a poll leaves the form as it is (its message, the typing).
    if (reason === "bad_pin") $("pin-error").textContent = "That PIN is not right.";
    else if (opening) $("pin-error").textContent = "";
    if (opening || reason === "bad_pin") $("pin").focus();
  }

  $("pin-form").addEventListener("submit", function (e) {
    e.preventDefault();
    sessionStorage.setItem(PIN_KEY, $("pin").value);
    api("GET", API + "/door").then(function (r) {
      if (r.ok) {
        $("pin-form").hidden = true;
        $("pin").value = "";
        refreshStats();
        ready();
      } else if (r.status === 429) {
        $("pin-error").textContent = r.data.message;
      }
    });
  });

  // --- Search --------------------------------------------------------------------------------

  var searchTimer = null;
  $("search-form").addEventListener("submit", function (e) { e.preventDefault(); });
  $("search").addEventListener("input", function () {
    clearTimeout(searchTimer);
    var q = $("search").value.trim();
    var list = $("search-results");
    if (q.length < 3) { list.textContent = ""; return; }
    searchTimer = setTimeout(function () {
      api("GET", EVENT_API + "/guests?q=" + encodeURIComponent(q)).then(function (r) {
        list.textContent = "";
        if (!r.ok) return;
        if (!r.data.guests.length) {
          var none = document.createElement("li");
          none.className = "muted";
          none.textContent = "Nobody by that name.";
          list.appendChild(none);
        }
        r.data.guests.forEach(function (guest) {
          var li = document.createElement("li");
          var text = document.createElement("span");
          text.className = "hit-text";
          text.textContent = guest.full_name + (guest.name !== guest.full_name.split(" ")[0] ? " (" + guest.name + ")" : "") + " · " + guest.program + " · " + guest.level;
          var state = document.createElement("span");
          state.className = "hit-state status-" + guest.status;
          state.textContent = guest.checked_in_at_local ? "in at " + guest.checked_in_at_local : guest.status;
          var button = document.createElement("button");
          button.type = "button";
          button.className = "door-button small";
          button.textContent = "Check in";
          button.addEventListener("click", function () { checkInGuest(guest.rsvp_id); });
          li.appendChild(text);
          li.appendChild(state);
          li.appendChild(button);
          list.appendChild(li);
        });
      }, function () {});
    }, 250);
  });

  // --- Live figures ----------------------------------------------------------------------------

  function refreshStats() {
    return api("GET", EVENT_API + "/stats").then(function (r) {
      if (!r.ok) return;
      var d = r.data;
      $("count-in").textContent = d.checked_in;
      $("count-confirmed").textContent = d.confirmed;
      $("count-walkins").textContent = d.walk_ins ? " · " + d.walk_ins + (d.walk_ins === 1 ? " walk-in" : " walk-ins") : "";
      $("count-categories").textContent = (d.by_category || []).map(function (c) {
        return c.category + " " + c.checked_in + "/" + c.confirmed;
      }).join(" · ");
      if (window.arrivalsChart) window.arrivalsChart.render($("arrivals"), d.per_quarter);
      var list = $("last-scans");
      list.textContent = "";
      d.last_scans.forEach(function (s) {
        var li = document.createElement("li");
        li.className = (s.result === "admitted" ? "scan-green" : s.reason === "already_checked_in" ? "scan-amber" : "scan-red") + (s.undone ? " undone" : "");
        li.textContent = [s.at_local, s.door, s.name || "\u2014", s.result === "admitted" ? "in" : s.reason.replace(/_/g, " ")].join(" \u00b7 ") + (s.undone ? " (undone)" : "") + (s.clock_off ? " (device clock off)" : "");
        list.appendChild(li);
      });
    }, function () {});
  }

  function pollStats() {
    refreshStats().then(flushQueue).then(function () { if (!closed) setTimeout(pollStats, STATS_MS); });
  }

  // --- Camera (static/js/scanner.js does the decoding) ------------------------------------

  var scanner = window.BadgeScanner.create({
    video: $("camera"),
    canvas: $("camera-canvas"),
    canHandle: function () { return !busy; },
    onCode: function (text) {
      scanner.pause(COOLDOWN_MS);
      submitCode(text);
    },
  });

  function startCamera() {
    scanner.start().then(function () {
      $("camera-box").hidden = false;
      $("camera-toggle").textContent = "Stop camera";
      $("torch-toggle").hidden = !scanner.hasTorch();
    }, function () {
      scanner.stop();
      setVerdict("red", "Camera not available", "", "Allow the camera in the browser, or type or scan codes below.");
    });
  }

  function stopCamera() {
    scanner.stop();
    $("camera-box").hidden = true;
    $("torch-toggle").hidden = true;
    $("camera-toggle").textContent = "Start camera";
  }

  $("camera-toggle").addEventListener("click", function () {
    var want = !scanner.running();
    if (want) startCamera(); else stopCamera();
    try { localStorage.setItem("door-camera", want ? "on" : "off"); } catch (e) { /* private mode */ }
  });

  var torchOn = false;
  $("torch-toggle").addEventListener("click", function () {
    torchOn = !torchOn;
    scanner.torch(torchOn).catch(function () { torchOn = false; });
  });

  // --- Walk-ins: name, level, optional e-mail; registered, checked in and ready to print at once.
  // The nonce is made when the form opens and kept until the guest is registered, so a retried
  // or double-tapped submit returns the same walk-in instead of a second one.

  var walkInNonce = null;
  var WALK_IN_FIELDS = ["first_name", "last_name", "training_level", "program", "email"];

  function showWalkInErrors(field, message) {
    WALK_IN_FIELDS.forEach(function (f) {
      var input = $("walkin-" + f);
      var error = $("walkin-" + f + "-error");
      var mine = f === field;
      error.textContent = mine ? message : "";
      if (mine) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    });
    $("walkin-error").textContent = field && $("walkin-" + field) ? "" : (message || "");
    if (field && $("walkin-" + field)) $("walkin-" + field).focus();
  }

  function openWalkIn() {
    walkInNonce = walkInNonce || nonce();
    $("walkin-form").hidden = false;
    $("walkin-toggle").setAttribute("aria-expanded", "true");
    $("walkin-first_name").focus();
  }

  function closeWalkIn() {
    $("walkin-form").hidden = true;
    $("walkin-toggle").setAttribute("aria-expanded", "false");
    $("walkin-form").reset();
    showWalkInErrors(null, "");
    ready();
  }

  $("walkin-toggle").addEventListener("click", function () {
    if ($("walkin-form").hidden) openWalkIn(); else closeWalkIn();
  });
  $("walkin-cancel").addEventListener("click", closeWalkIn);

  $("walkin-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (busy) return;
    if (navigator.onLine === false) {
      showWalkInErrors(null, "Walk-ins need a connection. Note the guest's name and register them when the signal is back.");
      return;
    }
    busy = true;
    var payload = { nonce: walkInNonce || (walkInNonce = nonce()) };
    WALK_IN_FIELDS.forEach(function (f) { payload[f] = $("walkin-" + f).value; });
    $("walkin-submit").disabled = true;
    api("POST", EVENT_API + "/walk-ins", payload, 2)
      .then(function (r) {
        if (!r.ok) {
          showWalkInErrors(r.data.field, r.data.message || "Please try again.");
          return;
        }
        walkInNonce = null;
        closeWalkIn();
        showVerdict(r.data.verdict);
        var print = $("verdict-print");
        print.href = r.data.badge_url;
        print.hidden = false;
        var detail = $("verdict-detail");
        detail.textContent = [detail.textContent, "walk-in" + (r.data.over_capacity ? ", over capacity (" + r.data.over_capacity[0] + "/" + r.data.over_capacity[1] + ")" : "")].filter(Boolean).join(" · ");
      }, function () { showWalkInErrors(null, "No connection. Try again; the guest will not be registered twice."); })
      .then(function () { busy = false; $("walkin-submit").disabled = false; refreshStats(); });
  });

  // --- Start -----------------------------------------------------------------------------------

  if (TOKEN) {
    api("GET", API + "/door").then(function () {}, function () {});
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.getAttribute("data-sw"), { scope: "/door/" }).catch(function () { /* works online anyway */ });
  }
  if (TOKEN && roster.expired(Date.now())) {
    closeDoor("This door link has expired.");
  } else {
    showQueue();
    pollStats();
    pollRoster();
  }
  ready();
  try {
    if (localStorage.getItem("door-camera") === "on") startCamera();
  } catch (e) { /* private mode */ }
  window.doorPage = { submitCode: submitCode, startCamera: startCamera, stopCamera: stopCamera, refreshRoster: refreshRoster };
})();
