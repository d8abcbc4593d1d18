// Fills the label form (and the redaction form) from the moderator's selection in
// the post text:
// the exact words plus up to 32 characters before and after (a W3C
// TextQuoteSelector), so the server can find the span again.
(function () {
  "use strict";
  var root = document.getElementById("selectable");
  var form = document.getElementById("label-form");
  if (!root || !form) { return; }
  var CONTEXT = 32;
  function squash(text) { return text.replace(/\s+/g, " "); }
  function capture() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    if (!root.contains(range.commonAncestorContainer)) { return; }
    var exact = squash(selection.toString()).trim();
    if (!exact) { return; }
    var before = document.createRange();
    before.setStart(root, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var after = document.createRange();
    after.setStart(range.endContainer, range.endOffset);
    after.setEnd(root, root.childNodes.length);
    form.elements.exact.value = exact;
    form.elements.prefix.value = squash(before.toString()).slice(-CONTEXT);
    form.elements.suffix.value = squash(after.toString()).slice(0, CONTEXT);
    form.querySelector("input[name=scope][value=span]").checked = true;
    var redact = document.getElementById("redact-form");
    if (redact) { redact.elements.removed.value = exact; }
  }
  root.addEventListener("mouseup", capture);
  root.addEventListener("keyup", capture);
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (selection && selection.rangeCount && !selection.isCollapsed &&
        root.contains(selection.getRangeAt(0).commonAncestorContainer)) {
      capture();
    }
  });
}());
