// Site search with Pagefind. The box appears only when scripts run; the index loads on the first query,
// and Pagefind picks the index of the page's <html lang>, so French pages search French articles.
(() => {
  const box = document.querySelector("[data-search-base]");
  if (!box || !("noModule" in HTMLScriptElement.prototype)) return;
  const input = box.querySelector("input[type=search]");
  const status = box.querySelector("[role=status]");
  const list = box.querySelector("ol");
  const base = box.dataset.searchBase;
  let pagefind;
  let timer;
  box.hidden = false;
  box.addEventListener("submit", (event) => event.preventDefault());
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });

  async function search() {
    const query = input.value.trim();
    if (!query) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    if (!pagefind) {
      pagefind = await import(`${base}pagefind/pagefind.js`);
      await pagefind.options({ baseUrl: base });
    }
    const found = await pagefind.search(query);
    const pages = await Promise.all(found.results.slice(0, 10).map((result) => result.data()));
    if (input.value.trim() !== query) return; // a newer query is on its way
    status.textContent = pages.length ? "" : box.dataset.none;
    list.replaceChildren(...pages.map((page) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = page.url;
      link.textContent = page.meta.title || page.url;
      const excerpt = document.createElement("p");
      excerpt.innerHTML = page.excerpt; // Pagefind escapes the text and adds only <mark>
      item.append(link, excerpt);
      return item;
    }));
  }
})();
