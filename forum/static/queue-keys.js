// Keyboard shortcuts for the review queue: j/k move, x selects, c claims,
// d dismisses, o opens.  The focused item is remembered across the page
// reload that follows an action, so a moderator keeps their place.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("#queue > li"));
  if (!items.length) { return; }
  var KEY = "forum-queue-position";
  var current = Math.min(Number(sessionStorage.getItem(KEY) || 0), items.length - 1);
  function focus(index) {
    current = Math.max(0, Math.min(index, items.length - 1));
    items.forEach(function (item, i) { item.classList.toggle("current", i === current); });
    items[current].focus();
    sessionStorage.setItem(KEY, String(current));
  }
  function press(action) {
    var button = items[current].querySelector("button[data-action=" + action + "]");
    if (button) { sessionStorage.setItem(KEY, String(current)); button.click(); }
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey ||
        /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) { return; }
    var handled = true;
    switch (event.key) {
      case "j": focus(current + 1); break;
      case "k": focus(current - 1); break;
      case "x":
        var box = items[current].querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; }
        break;
      case "c": press("claim"); break;
      case "d": press("dismiss"); break;
      case "o": window.location = items[current].dataset.open; break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });
  focus(current);
}());
