// A note box keeps what is typed while its panel refreshes (hx-preserve); once the note is added,
// the server says so (HX-Trigger "note-added", naming the box) and the box is emptied here.
(function () {
  "use strict";
  document.body.addEventListener("note-added", function (e) {
    var box = document.getElementById(e.detail.field);
    if (box) { box.value = ""; }
  });
}());
