// Resonanz composer: a new post's time zone select starts at the browser's zone.
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
})();
