// Small behaviours of Simpul's pages; everything works without them, they only save clicks.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle-all]");
  if (toggle) {
    const table = toggle.closest("table");
    table.querySelectorAll('tbody input[name="pk"]').forEach((box) => { box.checked = toggle.checked; });
  }
  const move = event.target.closest("[data-move]");
  if (move) {
    const item = move.closest("li");
    if (move.dataset.move === "up" && item.previousElementSibling) item.parentNode.insertBefore(item, item.previousElementSibling);
    if (move.dataset.move === "down" && item.nextElementSibling) item.parentNode.insertBefore(item.nextElementSibling, item);
  }
  const confirmLink = event.target.closest("[data-confirm]");
  if (confirmLink && !window.confirm(confirmLink.dataset.confirm)) event.preventDefault();
});
