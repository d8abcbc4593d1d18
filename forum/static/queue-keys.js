// Keyboard shortcuts for the review queue: j/k move, x selects, c claims,
// d dismisses, y/n confirm/reject the first suggested citation, l opens the
// choice of claim to label (Enter goes to its label form), h the hide form,
// Esc closes it, o opens the post.  Every action is a plain form without
// this file: the keys only press its buttons and open its forms.
// After an action the server sends the moderator back to #item-N, the place
// the next item now has; without such an anchor the last place is kept.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("#queue > li"));
  if (!items.length) { return; }
  var KEY = "forum-queue-position";
  var FIELDS = /^(INPUT|TEXTAREA|SELECT)$/;
  var current = 0;
  // Items take the focus the keys move (the page sends them without tabindex).
  items.forEach(function (item) { item.tabIndex = -1; });

  function startAt() {
    var anchored = /^#item-(\d+)$/.exec(window.location.hash);
    if (anchored) { return Number(anchored[1]) - 1; }
    return Number(sessionStorage.getItem(KEY) || 0);
  }
  function focus(index) {
    current = Math.max(0, Math.min(index, items.length - 1));
    items.forEach(function (item, i) { item.classList.toggle("current", i === current); });
    items[current].focus();
    sessionStorage.setItem(KEY, String(current));
    // The address names the place too, so a reload lands here.
    history.replaceState(null, "", "#" + items[current].id);
  }
  function press(selector) {
    var button = items[current].querySelector(selector);
    if (button) { button.click(); }
  }
  function open(name, field) {
    var details = items[current].querySelector("details[data-form=" + name + "]");
    var link = items[current].querySelector("a[data-form=" + name + "]");
    if (!details && link) { window.location = link.href; }
    if (!details) { return; }
    details.open = true;
    details.querySelector(field).focus();
  }
  function close(target) {
    var details = target.closest ? target.closest("#queue details[open]") : null;
    if (!details) { return false; }
    details.open = false;
    focus(items.indexOf(details.closest("#queue > li")));
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key === "Escape" && close(target)) { event.preventDefault(); return; }
    // Enter on the claim to label goes to the label form (a select alone
    // does not send its form).
    if (event.key === "Enter" && target.matches("details[data-form=label] select")) {
      event.preventDefault();
      target.form.requestSubmit();
      return;
    }
    if (FIELDS.test(target.tagName) || target.isContentEditable) { return; }
    var handled = true;
    switch (event.key) {
      case "j": focus(current + 1); break;
      case "k": focus(current - 1); break;
      case "x":
        var box = items[current].querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; }
        break;
      case "c": press("button[formaction*='/queue/claim']"); break;
      case "d": press("button[formaction*='/queue/dismiss']"); break;
      case "y": press("button[data-action=confirm]"); break;
      case "n": press("button[data-action=reject]"); break;
      case "l": open("label", "select[name=span]"); break;
      case "h": open("hide", "select[name=reason]"); break;
      case "o": window.location = items[current].dataset.open; break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });
  // A click inside an item makes it the current one, so keys and mouse agree.
  items.forEach(function (item, i) {
    item.addEventListener("focusin", function () {
      if (i !== current) {
        current = i;
        items.forEach(function (other, j) { other.classList.toggle("current", j === i); });
        sessionStorage.setItem(KEY, String(i));
      }
    });
  });
  focus(startAt());
}());
