// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // After a failed submit, move focus to the list of errors so it is read out first.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
