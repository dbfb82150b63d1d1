// Site search with Pagefind. The box appears only when scripts run; the index loads on the first query.
// The index comes in shards, one per language and quarter (pagefind/shards.json lists them, newest first):
// the page searches every shard of its own <html lang>, merged, so French pages search French articles.
// After an edit, the edited articles' new records are in a recent shard, and shards.json lists, per older
// shard, the records it supersedes (Pagefind's fragment id -> URL): those results are dropped.
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
    const superseded = new Map();
    for (const shard of shards) {
      for (const [id, url] of Object.entries(shard.superseded || {})) superseded.set(id, url);
    }
    return { index, superseded };
  }

  // The results of a clean build's index: a superseded record is dropped (its id and its URL both match:
  // a record of another shard may share a fragment id by chance), before any is counted or shown.
  async function current(results, superseded) {
    const kept = await Promise.all(results.map(async (result) => {
      if (!superseded.has(result.id)) return result;
      const page = await result.data();
      return page.raw_url === superseded.get(result.id) ? null : result;
    }));
    return kept.filter((result) => result !== null);
  }

  async function search() {
    const query = input.value.trim();
    if (!query) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    if (!pagefind) pagefind = load();
    const loaded = await pagefind;
    if (!loaded) {
      status.textContent = box.dataset.none;
      return;
    }
    const found = await loaded.index.search(query);
    const results = await current(found.results, loaded.superseded);
    const pages = await Promise.all(results.slice(0, 10).map((result) => result.data()));
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
