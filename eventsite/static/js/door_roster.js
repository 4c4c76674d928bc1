// The offline roster on the door phone: verdicts without a network, one badge at a time.
//
// The roster (GET /api/events/<id>/roster, see eventsite/services/roster.py) holds no e-mails and
// no readable names: each guest's details are AES-256-GCM encrypted under a key derived with HKDF
// from that guest's own ticket code, and indexed by a second HKDF output. So this file can only
// ever open the entry of a badge that is being scanned. WebCrypto (crypto.subtle) does the work;
// it exists on https and on localhost, and without it the page falls back to "Saved offline".
//
// Storage is localStorage, keyed per door link: the roster, and the guests this phone admitted
// while offline (so a second scan of the same badge is amber even before the upload).
(function () {
  "use strict";

  var LOOKUP_INFO = "eventsite roster v1 lookup";
  var KEY_INFO = "eventsite roster v1 key";
  var enc = new TextEncoder();

  function b64decode(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function b64encode(buffer) {
    var bytes = new Uint8Array(buffer);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function read(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function write(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }

  function create(options) {
    var ROSTER_KEY = "door-roster:" + options.key;
    var HERE_KEY = "door-admitted-here:" + options.key;
    var roster = read(ROSTER_KEY);
    var index = null;

    function entries() {
      if (!index && roster) {
        index = {};
        roster.entries.forEach(function (e) { index[e.lookup] = e; });
      }
      return index || {};
    }

    // The ticket code in what was scanned, as the server's tickets.parse_code reads it.
    function parseCode(scanned) {
      var value = (scanned || "").trim();
      if (!value || value.length > 300) return null;
      if (value.indexOf("/") !== -1) {
        var prefix = roster.badge_prefix;
        if (value.toLowerCase().indexOf(prefix.toLowerCase()) !== 0) return null;
        value = value.slice(prefix.length).replace(/\/+$/, "");
        if (value.indexOf("/") !== -1 || value.indexOf("?") !== -1 || value.indexOf("#") !== -1) return null;
      }
      value = value.replace(/[ -]/g, "").toLowerCase();
      return value || null;
    }

    function hkdfBase(code) {
      return crypto.subtle.importKey("raw", enc.encode(code), "HKDF", false, ["deriveBits", "deriveKey"]);
    }

    function params(info) {
      return { name: "HKDF", hash: "SHA-256", salt: b64decode(roster.salt), info: enc.encode(info) };
    }

    // { lookup, guest } for a scanned code; guest null when the roster has no such badge.
    function open(scanned) {
      var code = parseCode(scanned);
      if (!code) return Promise.resolve({ lookup: null, guest: null });
      return hkdfBase(code).then(function (base) {
        return crypto.subtle.deriveBits(params(LOOKUP_INFO), base, 256).then(function (bits) {
          var lookup = b64encode(bits);
          var entry = entries()[lookup];
          if (!entry) return { lookup: lookup, guest: null };
          return crypto.subtle
            .deriveKey(params(KEY_INFO), base, { name: "AES-GCM", length: 256 }, false, ["decrypt"])
            .then(function (key) {
              return crypto.subtle.decrypt(
                { name: "AES-GCM", iv: b64decode(entry.iv), additionalData: enc.encode(roster.event.id + ":" + lookup) },
                key,
                b64decode(entry.data)
              );
            })
            .then(function (plain) { return { lookup: lookup, guest: JSON.parse(new TextDecoder().decode(plain)) }; });
        });
      });
    }

    function words(reason) {
      return (roster.words && roster.words[reason]) || ["Not admitted", "Send the guest to the organizer."];
    }

    // The verdict the server would give, from the roster alone (colour, title, name, detail, notes).
    function verdict(scanned) {
      if (!roster || !window.crypto || !crypto.subtle) return Promise.resolve(null);
      return open(scanned).then(function (found) {
        var g = found.guest;
        if (!g) {
          var w = words("unknown_code");
          return { colour: "red", title: w[0], name: "", detail: w[1], lookup: null };
        }
        if (g.status !== "confirmed") {
          var r = words((roster.status_reasons || {})[g.status] || "pending");
          return { colour: "red", title: r[0], name: g.name, detail: r[1], lookup: found.lookup };
        }
        var here = (read(HERE_KEY) || {})[found.lookup];
        if (g.checked_in_at || here) {
          var at = here ? here.at_local + " · this phone" : g.checked_in_at_local + (g.checked_in_door ? " · " + g.checked_in_door : "");
          return {
            colour: "amber", title: "Already checked in at " + at, name: g.name, lookup: found.lookup,
            detail: "This badge was already scanned. Check the guest's face against the name before letting them in.",
          };
        }
        var notes = [];
        if (g.dietary_notes) notes.push("Dietary: " + g.dietary_notes);
        if (g.accessibility_notes) notes.push("Access: " + g.accessibility_notes);
        return {
          colour: "green", title: "Welcome", name: g.name, lookup: found.lookup,
          detail: [g.program, g.level].filter(Boolean).join(" · "), notes: notes.join("  ·  "),
        };
      }, function () { return null; });
    }

    function markAdmitted(lookup, atLocal) {
      var here = read(HERE_KEY) || {};
      here[lookup] = { at_local: atLocal };
      write(HERE_KEY, here);
    }

    function save(payload) {
      roster = payload;
      index = null;
      if (!write(ROSTER_KEY, payload)) { /* storage full: it still works until the page closes */ }
      // Admissions this phone made offline are in the new roster once uploaded.
      if (!options.queueHasScans()) localStorage.removeItem(HERE_KEY);
    }

    function wipe() {
      roster = null;
      index = null;
      localStorage.removeItem(ROSTER_KEY);
      localStorage.removeItem(HERE_KEY);
    }

    function expired(now) {
      return !!(roster && roster.valid_until && Date.parse(roster.valid_until) <= now);
    }

    return {
      version: function () { return roster ? roster.version : null; },
      count: function () { return roster ? roster.count : 0; },
      verdict: verdict,
      markAdmitted: markAdmitted,
      save: save,
      wipe: wipe,
      expired: expired,
    };
  }

  window.DoorRoster = { create: create };
})();
