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
  var SAME_BADGE_MS = 6000; // the same badge held in view is not sent again within this time
  var STATS_MS = 4000;

  var $ = function (id) { return document.getElementById(id); };
  var codeInput = $("code");
  var lastAdmitted = null;
  var busy = false;
  var lastSeen = { code: "", at: 0 };

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

  function api(method, path, payload, retries) {
    var options = { method: method, headers: headers(payload !== undefined), credentials: "same-origin" };
    if (payload !== undefined) options.body = JSON.stringify(payload);
    return fetch(path, options).then(
      function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.status === 401 && (data.reason === "pin_required" || data.reason === "bad_pin")) askPin(data.reason);
          return { ok: response.ok, status: response.status, data: data };
        });
      },
      function (error) {
        // The request may have arrived: retrying with the same nonce is safe (same verdict back).
        if (retries > 0) {
          return new Promise(function (resolve) { setTimeout(resolve, 400); }).then(function () {
            return api(method, path, payload, retries - 1);
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

  function setVerdict(colour, title, name, detail, notes) {
    var box = $("verdict");
    box.className = "verdict verdict-" + colour;
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

  var QUEUE_KEY = "door-queue:" + (TOKEN || "organizer-" + EVENT_ID).slice(0, 12);

  function queued() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }

  function saveQueue(items) {
    try { localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); } catch (e) { /* storage full or private */ }
    showQueue();
  }

  function showQueue() {
    var n = queued().length;
    var banner = $("offline");
    banner.hidden = n === 0 && navigator.onLine !== false;
    $("offline-text").textContent = (navigator.onLine === false ? "Offline" : "Reconnecting") + " \u2014 " + n + (n === 1 ? " scan" : " scans") + " waiting";
  }

  var flushing = false;
  function flushQueue() {
    var items = queued();
    if (!items.length || flushing) { showQueue(); return Promise.resolve(); }
    flushing = true;
    return api("POST", EVENT_API + "/checkins/batch", { scans: items }, 0).then(function (r) {
      if (!r.ok) return;
      var sent = {};
      items.forEach(function (item) { sent[item.nonce] = true; });
      saveQueue(queued().filter(function (item) { return !sent[item.nonce]; }));
      var conflicts = r.data.results.filter(function (v) { return v.colour !== "green"; });
      reportConflicts(conflicts, items.length);
      refreshStats();
    }, function () {}).then(function () { flushing = false; showQueue(); });
  }

  function reportConflicts(conflicts, total) {
    var list = $("conflicts");
    conflicts.forEach(function (v) {
      var li = document.createElement("li");
      li.textContent = (v.guest ? v.guest.name + ": " : "") + (v.colour === "amber" ? "already checked in" + (v.previous_door ? " at " + v.previous_door : "") : v.title);
      list.appendChild(li);
    });
    $("conflicts-box").hidden = !list.children.length;
    $("uploaded").textContent = total + (total === 1 ? " offline scan" : " offline scans") + " uploaded.";
  }

  function enqueue(payload) {
    var items = queued();
    items.push(payload);
    saveQueue(items);
    setVerdict("amber", "Saved offline", "", "No connection. Check the name on the badge before letting the guest in; this scan is sent when the signal is back.");
    feedback("amber");
  }

  window.addEventListener("online", function () { showQueue(); flushQueue(); });
  window.addEventListener("offline", showQueue);

  function submitCode(code) {
    code = (code || "").trim();
    if (!code || busy) return;
    busy = true;
    var payload = { code: code, nonce: nonce(), scanned_at: new Date().toISOString() };
    var send = navigator.onLine === false ? Promise.reject(new Error("offline")) : api("POST", EVENT_API + "/checkins", payload, 1);
    send
      .then(function (r) {
        if (r.ok) showVerdict(r.data);
        else if (r.data.reason !== "pin_required" && r.data.reason !== "bad_pin") setVerdict("red", "Not sent", "", r.data.message || "Please try again.");
      }, function () { enqueue(payload); })
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
    $("pin-form").hidden = false;
    $("pin-error").textContent = reason === "bad_pin" ? "That PIN is not right." : "";
    $("pin").focus();
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
      $("count-walkins").textContent = d.walk_ins ? " · " + d.walk_ins + " walk-ins" : "";
      if (window.arrivalsChart) window.arrivalsChart.render($("arrivals"), d.per_quarter);
      var list = $("last-scans");
      list.textContent = "";
      d.last_scans.forEach(function (s) {
        var li = document.createElement("li");
        li.className = (s.result === "admitted" ? "scan-green" : s.reason === "already_checked_in" ? "scan-amber" : "scan-red") + (s.undone ? " undone" : "");
        li.textContent = [s.at_local, s.door, s.name || "\u2014", s.result === "admitted" ? "in" : s.reason.replace(/_/g, " ")].join(" \u00b7 ") + (s.undone ? " (undone)" : "");
        list.appendChild(li);
      });
    }, function () {});
  }

  function pollStats() {
    refreshStats().then(flushQueue).then(function () { setTimeout(pollStats, STATS_MS); });
  }

  // --- Camera --------------------------------------------------------------------------------

  var video = $("camera");
  var canvas = $("camera-canvas");
  var stream = null;
  var detector = null;
  var pausedUntil = 0;

  function onDecoded(text) {
    var now = Date.now();
    if (!text || busy || now < pausedUntil) return;
    if (text === lastSeen.code && now - lastSeen.at < SAME_BADGE_MS) {
      lastSeen.at = now; // still in view: keep ignoring it
      return;
    }
    lastSeen = { code: text, at: now };
    pausedUntil = now + COOLDOWN_MS;
    submitCode(text);
  }

  function decodeWithJsQR() {
    if (typeof window.jsQR !== "function" || !video.videoWidth) return null;
    var scale = Math.min(1, 640 / video.videoWidth);
    var w = Math.round(video.videoWidth * scale);
    var h = Math.round(video.videoHeight * scale);
    canvas.width = w;
    canvas.height = h;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, w, h);
    var found = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" });
    return found ? found.data : null;
  }

  function scanLoop() {
    if (!stream) return;
    var next = function () { setTimeout(scanLoop, 80); };
    if (video.readyState < 2 || busy || Date.now() < pausedUntil) { next(); return; }
    if (detector) {
      detector.detect(video).then(function (codes) {
        if (codes.length) onDecoded(codes[0].rawValue);
      }, function () {
        detector = null; // fall back to jsQR from now on
      }).then(next);
    } else {
      onDecoded(decodeWithJsQR());
      next();
    }
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setVerdict("red", "No camera", "", "This browser cannot use the camera here. Type or scan codes below.");
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      $("camera-box").hidden = false;
      $("camera-toggle").textContent = "Stop camera";
      var track = s.getVideoTracks()[0];
      var caps = track && track.getCapabilities ? track.getCapabilities() : {};
      $("torch-toggle").hidden = !caps.torch;
      return video.play();
    }).then(function () {
      if ("BarcodeDetector" in window && window.BarcodeDetector.getSupportedFormats) {
        return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
          if (formats.indexOf("qr_code") >= 0) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        }, function () {});
      }
    }).then(scanLoop, function () {
      setVerdict("red", "Camera not available", "", "Allow the camera in the browser, or type or scan codes below.");
    });
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    detector = null;
    $("camera-box").hidden = true;
    $("torch-toggle").hidden = true;
    $("camera-toggle").textContent = "Start camera";
  }

  $("camera-toggle").addEventListener("click", function () {
    var want = !stream;
    if (want) startCamera(); else stopCamera();
    try { localStorage.setItem("door-camera", want ? "on" : "off"); } catch (e) { /* private mode */ }
  });

  var torchOn = false;
  $("torch-toggle").addEventListener("click", function () {
    var track = stream && stream.getVideoTracks()[0];
    if (!track) return;
    torchOn = !torchOn;
    track.applyConstraints({ advanced: [{ torch: torchOn }] }).catch(function () { torchOn = false; });
  });

  // --- Start -----------------------------------------------------------------------------------

  if (TOKEN) {
    api("GET", API + "/door").then(function () {}, function () {});
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.getAttribute("data-sw"), { scope: "/door/" }).catch(function () { /* works online anyway */ });
  }
  showQueue();
  pollStats();
  ready();
  try {
    if (localStorage.getItem("door-camera") === "on") startCamera();
  } catch (e) { /* private mode */ }
  window.doorPage = { submitCode: submitCode, startCamera: startCamera, stopCamera: stopCamera };
})();
