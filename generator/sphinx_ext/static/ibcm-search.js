/*
 * ibcm-runbook search results (generator/sphinx_ext/search.py), loaded on the
 * search page after searchtools.js and before the search runs:
 *
 * 1. all-digit query words (ports: 443, 8531) are searched, not dropped;
 * 2. a result for a page with sections names and links the section its hits
 *    are in: "CEN – Contoso Central › 6. Change the network infrastructure… ›
 *    Firewall rules › FW-EDGE", with the other steps that match listed below.
 *    A step is a section with the class "ibcm-step" (set by the generator);
 *    elsewhere every heading under the page title is named.  Whatever goes
 *    wrong, Sphinx's own result stays.
 */
"use strict";
(() => {
  if (typeof Search === "undefined") return;

  const SEPARATOR = " › ";
  const MORE_LOCATIONS = 8;
  const WORD = "[\\p{Letter}\\p{Number}_]";

  // 1. Keep all-digit query words; searchtools.js drops them before searching.
  const parseQuery = Search._parseQuery;
  Search._parseQuery = (query) => {
    const parsed = parseQuery(query);
    const [, searchTerms, , highlightTerms] = parsed;
    for (const term of splitQuery(query.trim())) {
      if (/^\d+$/.test(term) && !stopwords.has(term)) {
        searchTerms.add(term);
        highlightTerms.add(term);
      }
    }
    if (typeof SPHINX_HIGHLIGHT_ENABLED !== "undefined" && SPHINX_HIGHLIGHT_ENABLED)
      localStorage.setItem("sphinx_highlight_terms", [...highlightTerms].join(" "));
    return parsed;
  };

  // 2. Where the hits are.
  const escapeRegExp = (text) => text.replace(/[.*+\-?^${}()|[\]\\]/g, "\\$&");

  /** A matcher per term: numbers match whole, other terms (stemmed) at the start of a word. */
  const matchers = (terms) =>
    [...terms]
      .filter((term) => term)
      .map((term) => {
        const end = /^\d+$/.test(term) ? `(?!${WORD})` : "";
        return new RegExp(`(?<!${WORD})${escapeRegExp(term)}${end}`, "iu");
      });

  const queryTerms = () =>
    splitQuery(new URLSearchParams(window.location.search).get("q") || "").map((t) => t.toLowerCase());

  const heading = (section) => {
    const title = [...section.children].find((child) => /^H[1-6]$/.test(child.tagName));
    return title ? title.textContent.replace(/\s+/g, " ").trim() : "";
  };

  /** The sections around node, outermost first, inside main. */
  const sectionsAround = (node, main) => {
    const chain = [];
    for (let el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement; el && el !== main; el = el.parentElement)
      if (el.tagName === "SECTION" && el.id) chain.unshift(el);
    return chain;
  };

  /** Where a hit inside the innermost of chain is: its step (or top section) and the headings down to it. */
  const locate = (chain) => {
    if (chain.length < 2) return null; // in the page's introduction: the page itself
    let first = chain.findIndex((section) => section.classList.contains("ibcm-step"));
    if (first < 0) first = 1;
    return {
      key: chain[first].id,
      target: chain[chain.length - 1].id,
      headings: chain.slice(first).map(heading).filter((text) => text),
    };
  };

  /**
   * Every location of a hit, one per step (or top section), with its first hit's section and its number of
   * hits: in document order, except that the best one (a step before other sections, then the most hits)
   * comes first.
   */
  const locations = (doc, patterns, anchor) => {
    const main = doc.querySelector('[role="main"]');
    if (!main) return [];
    if (anchor) {
      const element = doc.getElementById(decodeURIComponent(anchor.slice(1)));
      const where = element && locate(sectionsAround(element, main));
      return where ? [{ ...where, hits: 1, step: false }] : [];
    }
    const found = new Map();
    const walker = doc.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (!patterns.some((pattern) => pattern.test(text.data))) continue;
      const chain = sectionsAround(text, main);
      const where = locate(chain);
      if (!where) continue;
      if (found.has(where.key)) found.get(where.key).hits += 1;
      else found.set(where.key, { ...where, hits: 1, step: chain.some((s) => s.classList.contains("ibcm-step")) });
    }
    const all = [...found.values()];
    const rank = (where) => (where.step ? 1e9 : 0) + where.hits;
    const best = all.reduce((a, b) => (rank(b) > rank(a) ? b : a), all[0]);
    return best ? [best, ...all.filter((where) => where !== best)] : [];
  };

  /** About 240 characters of the section's text around its first hit, whitespace collapsed. */
  const snippet = (section, patterns) => {
    const text = section.textContent.replace(/\s+/g, " ").trim();
    const at = Math.min(...patterns.map((pattern) => text.search(pattern)).filter((i) => i >= 0), text.length);
    let start = at >= text.length ? 0 : Math.max(at - 100, 0);
    const space = text.indexOf(" ", start);
    if (start > 0 && space >= 0 && space < at) start = space + 1; // start at a word
    const end = Math.min(start + 240, text.length);
    const summary = document.createElement("p");
    summary.classList.add("context");
    summary.textContent = `${start > 0 ? "…" : ""}${text.slice(start, end).trim()}${end < text.length ? "…" : ""}`;
    return summary;
  };

  const pageUrl = (link) => (link.getAttribute("href") || "").split("#")[0];

  const makeSearchSummary = Search.makeSearchSummary;
  Search.makeSearchSummary = (htmlText, keywords, anchor) => {
    let found = [];
    let pageTitle = "";
    let summary = null;
    try {
      const doc = new DOMParser().parseFromString(htmlText, "text/html");
      doc.querySelectorAll(".headerlink, script, style").forEach((el) => el.remove());
      const patterns = matchers(new Set([...keywords, ...queryTerms()]));
      found = locations(doc, patterns, anchor);
      const top = doc.querySelector('[role="main"] section[id]');
      pageTitle = top ? heading(top) : "";
      if (found.length) summary = snippet(doc.getElementById(found[0].target), patterns);
    } catch (error) {
      console.warn("ibcm-search: could not locate the hits", error);
      found = [];
    }
    if (!found.length) return makeSearchSummary(htmlText, keywords, anchor);

    const [best, ...others] = found;
    const box = document.createElement("div");
    box.classList.add("ibcm-search-hit");
    box.appendChild(summary);
    if (others.length) {
      const also = box.appendChild(document.createElement("p"));
      also.classList.add("ibcm-search-also-title");
      also.textContent = "Also in:";
      const list = box.appendChild(document.createElement("ul"));
      list.classList.add("ibcm-search-also");
      for (const where of others.slice(0, MORE_LOCATIONS)) {
        const item = list.appendChild(document.createElement("li"));
        const link = item.appendChild(document.createElement("a"));
        link.dataset.target = where.target;
        link.textContent = where.headings.join(SEPARATOR);
      }
      if (others.length > MORE_LOCATIONS) {
        const item = list.appendChild(document.createElement("li"));
        item.textContent = `and ${others.length - MORE_LOCATIONS} more`;
      }
    }
    // searchtools.js appends the box to the result's list item right after this returns.
    queueMicrotask(() => {
      const item = box.closest("li");
      const link = item && item.querySelector(":scope > a");
      if (!link) return;
      const page = pageUrl(link);
      const site = pageTitle || link.textContent.split(" > ")[0];
      link.href = `${page}#${best.target}`;
      link.textContent = [site, ...best.headings].join(SEPARATOR);
      link.classList.add("ibcm-search-located");
      box.querySelectorAll("a[data-target]").forEach((other) => {
        other.href = `${page}#${other.dataset.target}`;
      });
    });
    return box;
  };
})();
