// The RSVP form's "I'm coming as": follows the training level the guest picks, until the guest
// picks a category themselves, and says by the button what an RSVP in that category gets now
// (the places list above the form says the same without JavaScript). Questions asked only of
// some categories show (and are sent) only while one of them is chosen; without JavaScript they
// all show, each saying whom it is for, and the server reads only the chosen category's.
(function () {
  "use strict";
  var box = document.querySelector("[data-category-levels]");
  var outcome = document.getElementById("category-outcome");
  if (!box) return;
  var levels = JSON.parse(box.getAttribute("data-category-levels"));
  var category = box.querySelector("select");
  var level = document.getElementById("training_level");
  if (!category || !level) return;
  var chosenByGuest = category.value !== "";
  function ask(id) {
    var boxes = document.querySelectorAll("[data-for-categories]");
    for (var i = 0; i < boxes.length; i++) {
      var ids = boxes[i].getAttribute("data-for-categories");
      var on = !ids || !id || ids.split(" ").indexOf(id) >= 0;
      boxes[i].hidden = !on;
      var inputs = boxes[i].querySelectorAll("input, textarea, select");
      for (var j = 0; j < inputs.length; j++) inputs[j].disabled = !on;
    }
  }
  function say() {
    var id = category.value || levels[level.value] || "";
    ask(id);
    if (!outcome) return;
    var item = id && document.querySelector('.category-places [data-category="' + id + '"]');
    outcome.hidden = !item;
    outcome.textContent = item ? item.getAttribute("data-outcome") : "";
    outcome.className = "status-line " + (item ? item.getAttribute("data-tone") : "");
  }
  category.addEventListener("change", function () { chosenByGuest = category.value !== ""; say(); });
  level.addEventListener("change", function () {
    if (!chosenByGuest && levels[level.value]) category.value = levels[level.value];
    say();
  });
  if (!chosenByGuest && levels[level.value]) category.value = levels[level.value];
  say();
})();
