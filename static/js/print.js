// « Imprimer cette notice » (templates/privacy/notice.html): a button, shown only when this script runs.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
