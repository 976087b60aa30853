// Each figure of a page links to its full-resolution image (gallery thumbnails keep their card link).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("main figure img, main div.cell_output img").forEach((img) => {
    if (img.closest("a") || img.closest(".gallery-thumb")) return;
    const link = document.createElement("a");
    link.href = img.currentSrc || img.src;
    link.className = "figure-full-size";
    link.title = "Open the figure at full size";
    link.target = "_blank";
    link.rel = "noopener";
    img.parentNode.insertBefore(link, img);
    link.appendChild(img);
  });
});
