// Resonanz calendar: drag a post onto another day or hour to reschedule it.
// Plain HTML5 drag and drop; the move goes to the REST schedule endpoint
// (api/posts.py) with the session's CSRF token. Each post's "move" form does the
// same without a mouse.
(function () {
  "use strict";
  var root = document.getElementById("calendar");
  if (!root || root.getAttribute("data-can-move") !== "1") { return; }
  var dragged = null;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function dropTarget(node) {
    return node && node.closest ? node.closest("[data-drop]") : null;
  }

  function show(post, message) {
    var box = document.getElementById("post-" + post.getAttribute("data-post") + "-error");
    if (box) { box.textContent = root.getAttribute("data-not-moved") + " " + message; }
  }

  function move(post, at) {
    var url = root.getAttribute("data-api") + "/posts/" + post.getAttribute("data-post") + "/schedule";
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify({ at: at, timezone: root.getAttribute("data-tz") })
    }).then(function (response) {
      if (response.ok) { window.location.reload(); return null; }
      return response.json().then(function (body) {
        show(post, body && body.error ? body.error.message : String(response.status));
      });
    }).catch(function () { show(post, root.getAttribute("data-failed")); });
  }

  root.addEventListener("dragstart", function (event) {
    var post = event.target.closest ? event.target.closest("[data-post]") : null;
    if (!post || post.getAttribute("draggable") !== "true") { return; }
    dragged = post;
    post.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", post.getAttribute("data-post"));
  });
  root.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    root.querySelectorAll(".drop-over").forEach(function (n) { n.classList.remove("drop-over"); });
  });
  root.addEventListener("dragover", function (event) {
    var cell = dropTarget(event.target);
    if (!cell || !dragged) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    cell.classList.add("drop-over");
  });
  root.addEventListener("dragleave", function (event) {
    var cell = dropTarget(event.target);
    if (cell) { cell.classList.remove("drop-over"); }
  });
  root.addEventListener("drop", function (event) {
    var cell = dropTarget(event.target);
    if (!cell || !dragged) { return; }
    event.preventDefault();
    cell.classList.remove("drop-over");
    var kept = dragged.getAttribute("data-time");  // the post's HH:MM in this zone
    var hour = cell.getAttribute("data-time");     // an hour slot: its HH, the post's MM
    var time = hour ? hour.slice(0, 3) + kept.slice(3) : kept;
    move(dragged, cell.getAttribute("data-date") + " " + time);
  });
})();
