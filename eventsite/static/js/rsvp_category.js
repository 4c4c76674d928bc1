// The RSVP form's "I'm coming as": follows the training level the guest picks, until the guest
// picks a category themselves, and says by the button what an RSVP in that category gets now
// (the places list above the form says the same without JavaScript).
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
  function say() {
    if (!outcome) return;
    var id = category.value || levels[level.value] || "";
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
