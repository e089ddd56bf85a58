// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // After a failed submit, move focus to the list of errors so it is read out first.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  document.documentElement.classList.add("js");
  enableDragToReorder();
});

// Drag and drop for the ranked choice list. The "Move up"/"Move down" buttons do the
// same without a mouse; this only adds a second way for those who drag.
function enableDragToReorder() {
  var list = document.querySelector("[data-reorder-form]");
  if (!list) { return; }
  var form = document.getElementById(list.getAttribute("data-reorder-form"));
  var dragged = null;
  var before = "";
  function order() {
    return Array.prototype.map.call(list.children, function (item) {
      return item.getAttribute("data-offer-id");
    }).join(",");
  }
  Array.prototype.forEach.call(list.children, function (item) {
    item.setAttribute("draggable", "true");
    item.addEventListener("dragstart", function (event) {
      dragged = item;
      before = order();
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.getAttribute("data-offer-id"));
    });
    item.addEventListener("dragover", function (event) {
      if (!dragged || dragged === item) { return; }
      var box = item.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? item.nextSibling : item);
    });
  });
  // Anywhere on the list is a place to drop, the dragged choice itself included.
  list.addEventListener("dragover", function (event) {
    if (dragged) { event.preventDefault(); }
  });
  list.addEventListener("drop", function (event) { event.preventDefault(); });
  // Saved when the drag ends, wherever it was let go: what the list shows is what is kept.
  list.addEventListener("dragend", function () {
    if (!dragged) { return; }
    dragged.classList.remove("dragging");
    var moved = dragged;
    dragged = null;
    if (order() === before) { return; }
    form.querySelector("input[name=order]").value = order();
    // The page that follows says where the dragged choice is now (its status region).
    form.querySelector("input[name=moved]").value = moved.getAttribute("data-offer-id");
    form.submit();
  });
}

// The allocation run page: poll the run's progress and reload when it has finished.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector("progress");
  var message = box.querySelector("[role=status]");
  function poll() {
    fetch(box.getAttribute("data-progress-url"), {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (run) {
        bar.value = run.progress;
        message.textContent = run.message;
        if (run.status === "queued" || run.status === "running") {
          window.setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
});

// The decision forms' offer suggestions: the page holds the first few; as one types, the
// list is asked for the offers whose title holds the text (a few, however many offers).
document.addEventListener("DOMContentLoaded", function () {
  Array.prototype.forEach.call(document.querySelectorAll("datalist[data-suggest-url]"), function (list) {
    if (!window.fetch) { return; }
    var url = list.getAttribute("data-suggest-url");
    var timer = null;
    function suggest(text) {
      fetch(url + "?q=" + encodeURIComponent(text), {credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (found) {
          while (list.firstChild) { list.removeChild(list.firstChild); }
          found.offers.forEach(function (offer) {
            var option = document.createElement("option");
            option.value = offer.title;
            option.textContent = offer.organisation;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }
    Array.prototype.forEach.call(document.querySelectorAll("input[list='" + list.id + "']"), function (input) {
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { suggest(input.value); }, 250);
      });
    });
  });
});
