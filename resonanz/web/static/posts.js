// Resonanz composer: a new post's time zone select starts at the browser's zone; a click on
// a suggested hashtag adds it to the text (and the live check runs again).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("select[data-browser-zone]");
    if (!select || typeof Intl === "undefined") { return; }
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) {
      select.value = zone;
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-add-tag]") : null;
    var text = document.getElementById("f-text");
    if (!button || !text) { return; }
    var tag = button.getAttribute("data-add-tag");
    text.value = text.value.replace(/\s*$/, "") + " " + tag;
    text.dispatchEvent(new Event("input", { bubbles: true }));
    button.disabled = true;
  });
})();
