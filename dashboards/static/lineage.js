// Interactive lineage graph on the asset page (cytoscape, vendored). Progressive enhancement: the
// page lists upstream and downstream assets without JavaScript; this draws them as a left-to-right
// graph (upstream on the left), lets the user expand any asset further and overlay column edges.
// Names reach the page only through textContent or canvas labels, never as HTML.
(function () {
  "use strict";
  var box = document.getElementById("lineage-graph");
  if (!box || typeof window.cytoscape !== "function") return;
  var api = box.getAttribute("data-lineage-api");
  var rootKey = box.getAttribute("data-root");
  var panel = document.getElementById("lineage-selection");
  var section = box.closest("section");
  var tools = section.querySelector(".graph-tools");
  var help = section.querySelector(".graph-help");
  var layers = {};
  var selected = null;
  var columnsShown = false;
  var columnsLoaded = false;

  box.classList.add("graph-live");
  tools.hidden = false;
  help.hidden = false;

  var cy = window.cytoscape({
    container: box,
    elements: [],
    layout: { name: "preset" },
    minZoom: 0.2,
    maxZoom: 2.5,
    style: [
      { selector: "node", style: {
          "shape": "round-rectangle", "width": 190, "height": 44, "background-color": "#ffffff",
          "border-width": 1, "border-color": "#8c959f", "label": "data(label)", "font-size": 12,
          "color": "#1b1f24", "text-valign": "center", "text-halign": "center", "text-wrap": "wrap",
          "text-max-width": 180 } },
      { selector: "node[?root]", style: { "border-width": 3, "border-color": "#0a58ca", "background-color": "#ddf4ff" } },
      { selector: "node[!known]", style: { "border-style": "dashed", "color": "#57606a" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#9a6700", "background-color": "#fff8c5" } },
      { selector: "edge", style: {
          "width": 1.5, "line-color": "#8c959f", "target-arrow-color": "#8c959f",
          "target-arrow-shape": "triangle", "curve-style": "bezier" } },
      { selector: "edge.column", style: {
          "line-color": "#0a58ca", "target-arrow-color": "#0a58ca", "line-style": "dashed", "width": 1,
          "label": "data(label)", "font-size": 9, "color": "#0a3069", "text-background-color": "#ffffff",
          "text-background-opacity": 1, "text-background-padding": 2, "text-rotation": "autorotate" } }
    ]
  });

  function label(node) {
    return node.short_name + (node.owner ? "\n" + node.owner : "");
  }

  function merge(data, base) {
    data.nodes.forEach(function (n) {
      if (cy.getElementById(n.key).length) return;
      layers[n.key] = base + n.layer;
      cy.add({ group: "nodes", data: {
        id: n.key, label: label(n), name: n.name, owner: n.owner || "", url: n.url,
        api: n.api_url + "/lineage", known: n.kind !== null, root: n.key === rootKey } });
    });
    data.edges.forEach(function (e) {
      var id = e.upstream + " -> " + e.downstream;
      if (cy.getElementById(id).length) return;
      cy.add({ group: "edges", data: { id: id, source: e.upstream, target: e.downstream, origin: e.origin } });
    });
    place();
  }

  function publish() {
    // Counts for tests and assistive summaries: how much of the graph is drawn right now.
    box.setAttribute("data-nodes", String(cy.nodes().length));
    box.setAttribute("data-edges", String(cy.edges(":visible").length));
  }

  function place() {
    var byLayer = {};
    cy.nodes().forEach(function (n) {
      var l = layers[n.id()];
      (byLayer[l] = byLayer[l] || []).push(n);
    });
    Object.keys(byLayer).forEach(function (l) {
      var col = byLayer[l].sort(function (a, b) { return a.data("name") < b.data("name") ? -1 : 1; });
      col.forEach(function (n, i) {
        n.position({ x: Number(l) * 240, y: (i - (col.length - 1) / 2) * 64 });
      });
    });
    cy.fit(undefined, 24);
    publish();
  }

  function load(url, base) {
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) { merge(data, base); });
  }

  function describe(node) {
    panel.replaceChildren();
    if (!node) return;
    var p = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = node.data("name");
    p.append("Selected: ", strong);
    if (node.data("owner")) p.append(" · owner " + node.data("owner"));
    if (!node.data("known")) p.append(" (not in the catalog)");
    var open = document.createElement("a");
    open.href = node.data("url");
    open.textContent = "Open";
    p.append(" · ", open);
    panel.append(p);
  }

  cy.on("tap", "node", function (evt) { selected = evt.target; describe(selected); });
  cy.on("tap", function (evt) { if (evt.target === cy) { selected = null; describe(null); } });
  cy.on("dbltap", "node", function (evt) { window.location.href = evt.target.data("url"); });

  function target() { return selected || cy.getElementById(rootKey); }

  function toggleColumns(button) {
    columnsShown = !columnsShown;
    button.setAttribute("aria-pressed", String(columnsShown));
    if (columnsLoaded) {
      cy.edges(".column").style("display", columnsShown ? "element" : "none");
      publish();
      return;
    }
    columnsLoaded = true;
    fetch(api + "/columns", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        data.edges.forEach(function (e, i) {
          if (!cy.getElementById(e.upstream).length || !cy.getElementById(e.downstream).length) return;
          cy.add({ group: "edges", classes: "column", data: {
            id: "col-" + i, source: e.upstream, target: e.downstream,
            label: e.upstream_column + " \u2192 " + e.downstream_column } });
        });
        publish();
      });
  }

  tools.addEventListener("click", function (evt) {
    var button = evt.target.closest("button[data-lineage-action]");
    if (!button) return;
    var action = button.getAttribute("data-lineage-action");
    var node = target();
    if (action === "expand-up") load(node.data("api") + "?upstream=1&downstream=0", layers[node.id()]);
    else if (action === "expand-down") load(node.data("api") + "?upstream=0&downstream=1", layers[node.id()]);
    else if (action === "columns") toggleColumns(button);
    else if (action === "fit") cy.fit(undefined, 24);
  });

  load(api + "?upstream=2&downstream=2", 0).catch(function () {
    box.hidden = true;
    tools.hidden = true;
    help.hidden = true;
  });
})();
