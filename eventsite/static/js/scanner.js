// The camera QR scanner shared by the door page and the guest's Meet page.
//
//   var scanner = BadgeScanner.create({ video: el, canvas: el, onCode: fn(text), onError: fn(message),
//                                       canHandle: fn() -> bool });
//   scanner.start() -> Promise; scanner.stop(); scanner.pause(ms); scanner.torch(on) -> Promise;
//   scanner.running(); scanner.hasTorch()
//
// Rear camera, continuous: the browser's BarcodeDetector where it exists and knows QR codes,
// the vendored jsQR (static/vendor/jsqr) otherwise (iOS Safari, Firefox). The same code held in
// view is reported once, not again and again, until another code is seen or SAME_CODE_MS pass
// without it.
(function () {
  "use strict";

  var FRAME_MS = 80; // time between decode attempts
  var SAME_CODE_MS = 6000;

  function create(options) {
    var video = options.video;
    var canvas = options.canvas;
    var stream = null;
    var detector = null;
    var pausedUntil = 0;
    var last = { code: "", at: 0 };
    var torchSupported = false;

    function canHandle() {
      return !options.canHandle || options.canHandle();
    }

    function found(text) {
      var now = Date.now();
      if (!text) return;
      if (text === last.code && now - last.at < SAME_CODE_MS) {
        last.at = now; // still in view: keep ignoring it
        return;
      }
      last = { code: text, at: now };
      options.onCode(text);
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
      var result = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" });
      return result ? result.data : null;
    }

    function loop() {
      if (!stream) return;
      var next = function () { setTimeout(loop, FRAME_MS); };
      if (video.readyState < 2 || Date.now() < pausedUntil || !canHandle()) { next(); return; }
      if (detector) {
        detector.detect(video).then(function (codes) {
          if (codes.length && canHandle()) found(codes[0].rawValue);
        }, function () {
          detector = null; // fall back to jsQR from now on
        }).then(next);
      } else {
        found(decodeWithJsQR());
        next();
      }
    }

    function start() {
      if (stream) return Promise.resolve();
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        return Promise.reject(new Error("This browser cannot use the camera here."));
      }
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false }).then(function (s) {
        stream = s;
        video.srcObject = s;
        var track = s.getVideoTracks()[0];
        var caps = track && track.getCapabilities ? track.getCapabilities() : {};
        torchSupported = !!caps.torch;
        return video.play();
      }).then(function () {
        if ("BarcodeDetector" in window && window.BarcodeDetector.getSupportedFormats) {
          return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
            if (formats.indexOf("qr_code") >= 0) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          }, function () {});
        }
      }).then(loop);
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      detector = null;
      torchSupported = false;
    }

    function torch(on) {
      var track = stream && stream.getVideoTracks()[0];
      if (!track) return Promise.reject(new Error("The camera is off."));
      return track.applyConstraints({ advanced: [{ torch: !!on }] });
    }

    return {
      start: start,
      stop: stop,
      torch: torch,
      pause: function (ms) { pausedUntil = Date.now() + ms; },
      running: function () { return !!stream; },
      hasTorch: function () { return torchSupported; },
    };
  }

  window.BadgeScanner = { create: create };
})();
