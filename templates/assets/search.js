// Site search with Pagefind. The box appears only when scripts run; the index loads on the first query.
// The index comes in shards, one per language and quarter (pagefind/shards.json lists them, newest first):
// the page searches every shard of its own <html lang>, merged, so French pages search French articles.
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

  async function load() {
    const response = await fetch(`${base}pagefind/shards.json`);
    const shards = (await response.json()).languages[document.documentElement.lang] || [];
    if (!shards.length) return null;
    const bundle = (shard) => `${base}pagefind/${shard.bundle}/`;
    const index = await import(`${bundle(shards[0])}pagefind.js`);
    await index.options({ baseUrl: base, bundlePath: bundle(shards[0]) });
    for (const shard of shards.slice(1)) await index.mergeIndex(bundle(shard));
    return index;
  }

  async function search() {
    const query = input.value.trim();
    if (!query) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    if (!pagefind) pagefind = load();
    const index = await pagefind;
    if (!index) {
      status.textContent = box.dataset.none;
      return;
    }
    const found = await index.search(query);
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
