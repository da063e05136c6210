// Gatehouse console: copy buttons. Served from /assets under a CSP without 'unsafe-inline'; every
// page works without it (the buttons then stay hidden and the text can be selected by hand).
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.setAttribute("aria-label", "Copy " + source.id.replace(/-/g, " "));
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    });
  });
});
