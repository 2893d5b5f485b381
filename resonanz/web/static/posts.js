// Resonanz composer: a new post's time zone select starts at the browser's zone; a click on
// a suggested hashtag adds it to the text (and the live check runs again); thread parts
// are added and removed.
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
  // Files over the app's request limit would be answered 413 and the form lost: say so
  // next to the images instead of sending.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var most = Number(form.getAttribute("data-max-bytes") || 0);
    var note = document.getElementById("e-too-large");
    if (!most || !note) { return; }
    var total = 0;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) { total += file.size; });
    });
    note.hidden = total <= most;
    if (total > most) { event.preventDefault(); note.scrollIntoView({ block: "center" }); }
  });
  // Thread parts: "Add a part" copies the last part's field empty, "Remove part" drops one
  // (the last one left is emptied); the live check runs again.
  function renumber(list) {
    var parts = list.querySelectorAll(".thread-part");
    parts.forEach(function (part, index) {
      var label = part.querySelector("label");
      if (label && label.firstChild && label.firstChild.nodeType === 3) {
        label.firstChild.textContent = label.firstChild.textContent.replace(/\d+/, String(index + 2));
      }
    });
  }
  document.addEventListener("click", function (event) {
    var add = event.target.closest ? event.target.closest("[data-add-part]") : null;
    var remove = event.target.closest ? event.target.closest("[data-remove-part]") : null;
    var list = document.getElementById("thread-parts");
    if (!list || (!add && !remove)) { return; }
    var parts = list.querySelectorAll(".thread-part");
    if (add) {
      var copy = parts[parts.length - 1].cloneNode(true);
      copy.querySelector("textarea").value = "";
      list.appendChild(copy);
      copy.querySelector("textarea").focus();
    } else {
      var part = remove.closest(".thread-part");
      if (parts.length > 1) { part.remove(); } else { part.querySelector("textarea").value = ""; }
    }
    renumber(list);
    list.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
