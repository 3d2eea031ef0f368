// The board from the keyboard: j / k move between calls, a opens the assign drawer with the
// recommended unit's button in focus (Enter sends it), Esc closes the drawer, ? shows the keys.
// Keys are ignored while typing in a field. The call in hand is the focused row (rows keep their
// focus across refreshes: the panels are morphed in place).
(function () {
  "use strict";
  var help = document.getElementById("keys-help");
  var drawer = document.getElementById("drawer");
  var wantRecommended = false;
  var keysButton = document.getElementById("keys-button");
  if (keysButton && help) { keysButton.addEventListener("click", function () { help.hidden = !help.hidden; }); }

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#board-panels tr.call")); }
  function inHand() { return document.activeElement && document.activeElement.closest("#board-panels tr.call"); }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) { return; }
    var list = rows(), row = inHand(), at = list.indexOf(row);
    if (e.key === "j" || e.key === "k") {
      var next = e.key === "j" ? list[Math.min(at + 1, list.length - 1)] : list[Math.max(at - 1, 0)];
      if (next) { next.focus(); next.scrollIntoView({block: "nearest"}); }
      e.preventDefault();
    } else if (e.key === "a" && row) {
      var assign = row.querySelector("[data-assign]");
      if (assign) { wantRecommended = true; assign.click(); }
      e.preventDefault();
    } else if (e.key === "?") {
      if (help) { help.hidden = !help.hidden; }
      e.preventDefault();
    } else if (e.key === "Escape") {
      if (document.querySelector(".map.placing")) { return; }  // Esc ends placing a pin first (board.js)
      if (help && !help.hidden) { help.hidden = true; } else if (drawer) { drawer.innerHTML = ""; }
    }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!wantRecommended || !e.detail.target || e.detail.target.id !== "drawer") { return; }
    wantRecommended = false;
    // The recommended unit's button; if no unit is recommended, the reason box -- never a unit
    // the dispatcher did not choose.
    var target = e.detail.target.querySelector(".assign-form button[data-recommended]") ||
      e.detail.target.querySelector(".assign-form input[name=reason]");
    if (target) { target.focus(); }
  });
}());
