// Arrivals per 15 minutes: a small SVG bar chart on the door page and the organizer's overview.
//
// window.arrivalsChart.render(box, quarters) draws the stats API's `per_quarter`
// ([{start, start_local, admitted}], labels already in the event's time zone) into `box`.
// The chart is drawn at the box's own pixel width, so its 12 px labels stay 12 px on a phone and
// on a laptop; it is redrawn when the window is resized. Styling is by CSS classes and SVG
// attributes only (no style attributes: the Content-Security-Policy forbids them). Screen readers
// get a visually hidden table with the same figures; the drawing itself is aria-hidden.
// A box with data-quarters (JSON, set by the server) is drawn as soon as the script loads.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var HEIGHT = 150;
  var PAD = { left: 30, right: 8, top: 18, bottom: 22 };
  var LABEL_PX = 66; // room one "10:45 PM" label needs at 12 px
  var boxes = [];

  function node(ns, name, attrs, text) {
    var el = ns ? document.createElementNS(ns, name) : document.createElement(name);
    Object.keys(attrs || {}).forEach(function (key) { el.setAttribute(key, attrs[key]); });
    if (text !== undefined) el.textContent = String(text);
    return el;
  }

  // The axis top: the peak rounded up to 4, 8, 12, 20, 40, ... so one arrival is not a full bar.
  function axisTop(peak) {
    var nice = [4, 8, 12, 20, 40, 60, 80, 100, 150, 200, 300, 500, 1000];
    for (var i = 0; i < nice.length; i++) if (peak <= nice[i]) return nice[i];
    return Math.ceil(peak / 500) * 500;
  }

  function table(quarters) {
    var t = node(null, "table", { "class": "visually-hidden" });
    t.appendChild(node(null, "caption", {}, "Arrivals per 15 minutes"));
    var head = node(null, "tr");
    head.appendChild(node(null, "th", { scope: "col" }, "From"));
    head.appendChild(node(null, "th", { scope: "col" }, "Checked in"));
    t.appendChild(head);
    quarters.forEach(function (q) {
      var row = node(null, "tr");
      row.appendChild(node(null, "td", {}, q.start_local));
      row.appendChild(node(null, "td", {}, q.admitted));
      t.appendChild(row);
    });
    return t;
  }

  function svg(quarters, width) {
    var plotW = width - PAD.left - PAD.right;
    var plotH = HEIGHT - PAD.top - PAD.bottom;
    var base = PAD.top + plotH;
    var top = axisTop(Math.max.apply(null, quarters.map(function (q) { return q.admitted; })));
    var step = plotW / Math.max(quarters.length, 4); // a few quarters stay slim bars at the left
    var barW = Math.max(2, Math.min(step * 0.78, 44));
    var every = Math.ceil(LABEL_PX / step);
    var s = node(SVG, "svg", {
      "class": "arrivals-svg", width: width, height: HEIGHT,
      viewBox: "0 0 " + width + " " + HEIGHT, "aria-hidden": "true", focusable: "false"
    });
    s.appendChild(node(SVG, "line", { "class": "arrivals-grid", x1: PAD.left, x2: width - PAD.right, y1: PAD.top, y2: PAD.top }));
    s.appendChild(node(SVG, "line", { "class": "arrivals-axis", x1: PAD.left, x2: width - PAD.right, y1: base, y2: base }));
    s.appendChild(node(SVG, "text", { "class": "arrivals-tick", x: PAD.left - 5, y: PAD.top + 4, "text-anchor": "end" }, top));
    s.appendChild(node(SVG, "text", { "class": "arrivals-tick", x: PAD.left - 5, y: base, "text-anchor": "end" }, 0));
    quarters.forEach(function (q, i) {
      var h = q.admitted ? Math.max(1, plotH * q.admitted / top) : 0;
      var x = PAD.left + i * step + (step - barW) / 2;
      var mid = x + barW / 2;
      var bar = node(SVG, "rect", {
        "class": "arrivals-bar" + (i === quarters.length - 1 ? " arrivals-latest" : ""),
        x: x.toFixed(1), y: (base - h).toFixed(1), width: barW.toFixed(1), height: h.toFixed(1),
        rx: Math.min(3, barW / 4).toFixed(1), "data-count": q.admitted, "data-start": q.start
      });
      bar.appendChild(node(SVG, "title", {}, q.start_local + ": " + q.admitted));
      s.appendChild(bar);
      if (q.admitted && barW >= 16) {
        s.appendChild(node(SVG, "text", { "class": "arrivals-value", x: mid.toFixed(1), y: (base - h - 4).toFixed(1), "text-anchor": "middle" }, q.admitted));
      }
      if (i % every === 0) {
        // Keep the first and last labels inside the drawing.
        var anchor = "middle";
        var lx = mid;
        if (mid - LABEL_PX / 2 < 0) { anchor = "start"; lx = Math.max(0, x); }
        if (mid + LABEL_PX / 2 > width) { anchor = "end"; lx = width; }
        s.appendChild(node(SVG, "text", { "class": "arrivals-label", x: lx.toFixed(1), y: HEIGHT - 6, "text-anchor": anchor }, q.start_local));
      }
    });
    return s;
  }

  function draw(box) {
    var quarters = box.arrivalsQuarters || [];
    box.textContent = "";
    if (!quarters.length) {
      box.appendChild(node(null, "p", { "class": "arrivals-empty muted" }, "No arrivals yet."));
      return;
    }
    var width = Math.round(Math.min(Math.max(box.clientWidth || 340, 260), 720));
    box.appendChild(svg(quarters, width));
    box.appendChild(table(quarters));
  }

  function render(box, quarters) {
    if (!box) return;
    box.arrivalsQuarters = quarters || [];
    if (boxes.indexOf(box) < 0) boxes.push(box);
    draw(box);
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { boxes.forEach(draw); }, 150);
  });

  window.arrivalsChart = { render: render };

  function drawServerData() {
    document.querySelectorAll("[data-arrivals][data-quarters]").forEach(function (box) {
      try { render(box, JSON.parse(box.getAttribute("data-quarters"))); } catch (e) { /* keep the server's drawing */ }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawServerData);
  else drawServerData();
})();
