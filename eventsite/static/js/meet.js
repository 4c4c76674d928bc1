// The guest's Meet page: scan another guest's badge with the camera (static/js/scanner.js),
// show whose it is, and fill the code into the form; the guest adds a note and taps Save.
// Without JavaScript (or a camera) the same form takes a typed code.
// A vendor representative's lead scanner (data-submit-on-scan) sends the form at once instead:
// the server alone decides what a scan may say, and says nothing about a guest who didn't agree.
(function () {
  "use strict";

  var root = document.getElementById("meet");
  if (!root || !window.BadgeScanner) return;
  var $ = function (id) { return document.getElementById(id); };
  var LOOKUP = root.getAttribute("data-lookup");
  var SUBMIT = root.hasAttribute("data-submit-on-scan");
  var codeInput = $("code");
  var busy = false;

  function say(text) { $("scan-status").textContent = text; }

  function show(name, detail, shares) {
    $("found-name").textContent = name;
    $("found-detail").textContent = detail;
    $("found").className = "card found" + (shares ? "" : " muted-card");
    $("found").hidden = false;
    $("save-button").hidden = !shares;
  }

  function lookup(text) {
    busy = true;
    codeInput.value = text;
    say("Looking up the badge…");
    return fetch(LOOKUP + "?code=" + encodeURIComponent(text), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        var d = result.data;
        if (!result.ok) {
          $("found").hidden = true;
          $("save-button").hidden = false;
          say(d.message || "That badge could not be read.");
        } else if (!d.shares) {
          show(d.name, "This guest hasn't chosen to share their contact. Swap details in person!", false);
          say("");
        } else {
          show(d.name, d.program + (d.already_saved ? " · already in your contacts" : ""), true);
          say(d.already_saved ? "Already saved: add a note and save to update it." : "Add a note if you like, then save.");
          $("note").focus();
        }
      }, function () {
        say("No connection. Try again, or save later: the code is filled in.");
      })
      .then(function () { busy = false; });
  }

  var scanner = window.BadgeScanner.create({
    video: $("camera"),
    canvas: $("camera-canvas"),
    canHandle: function () { return !busy; },
    onCode: function (text) {
      scanner.pause(1500);
      if (SUBMIT) {
        // The page reloads after each scan with the camera back on: the badge still in front
        // of it is not sent again for a while.
        var last = null;
        try { last = JSON.parse(sessionStorage.getItem("lead-last") || "null"); } catch (e) { last = null; }
        if (last && last.code === text && Date.now() - last.at < 20000) {
          say("Done: point the camera at the next badge.");
          return;
        }
        try { sessionStorage.setItem("lead-last", JSON.stringify({ code: text, at: Date.now() })); } catch (e) { /* private mode */ }
        busy = true;
        codeInput.value = text;
        say("Saving the scan…");
        $("save-form").submit();
        return;
      }
      lookup(text);
    },
  });

  function start() {
    scanner.start().then(function () {
      remember(true);
      $("camera-box").hidden = false;
      $("camera-toggle").textContent = "Stop camera";
      say("Point the camera at a badge's QR code.");
    }, function () {
      scanner.stop();
      say("The camera isn't available. Allow it in the browser, or type the code below.");
    });
  }

  // The lead scanner reloads the page after each scan: a camera that was on comes back on.
  function remember(on) {
    if (!SUBMIT) return;
    try {
      if (on) sessionStorage.setItem("lead-camera", "1"); else sessionStorage.removeItem("lead-camera");
    } catch (e) { /* private mode: the camera just stays off after a scan */ }
  }

  function stop() {
    remember(false);
    scanner.stop();
    $("camera-box").hidden = true;
    $("camera-toggle").textContent = "Start camera";
  }

  var toggle = $("camera-toggle");
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      if (scanner.running()) stop(); else start();
    });
    var wasOn = false;
    try { wasOn = SUBMIT && sessionStorage.getItem("lead-camera") === "1"; } catch (e) { wasOn = false; }
    if (wasOn) start();
  }
  // A typed code is looked up when the field is left, so the guest sees whose badge it is.
  codeInput.addEventListener("change", function () {
    if (!SUBMIT && codeInput.value.trim()) lookup(codeInput.value.trim());
  });
})();
