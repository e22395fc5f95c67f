// Instant search: as the user types, ask /api/v1/assets and redraw the result list.
// Progressive enhancement only: without this script the form submits and the server renders results.
// Every value is inserted with textContent, never innerHTML, so names cannot inject markup.
(function () {
  "use strict";
  var input = document.querySelector("input[data-instant-search]");
  var list = document.getElementById("results");
  var count = document.getElementById("result-count");
  if (!input || !list || !count) return;
  var endpoint = input.getAttribute("data-instant-search");
  var timer = null;
  var latest = 0;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function draw(data, query) {
    list.replaceChildren();
    data.items.forEach(function (item) {
      var li = el("li", "result");
      var link = el("a", "result-name", item.name);
      link.href = item.url;
      li.append(link, " ", el("span", "badge", item.kind), " ", el("span", "muted", item.platform));
      if (item.owner) {
        var owner = el("span", "owner", "owner ");
        owner.append(el("strong", null, item.owner));
        li.append(" ", owner);
      }
      if (item.description) {
        var d = item.description.length > 180 ? item.description.slice(0, 177) + "..." : item.description;
        li.append(el("p", "desc", d));
      }
      list.append(li);
    });
    var n = data.total;
    count.textContent = query
      ? n.toLocaleString() + " result" + (n === 1 ? "" : "s") + " for \u201c" + query + "\u201d"
      : n.toLocaleString() + " asset" + (n === 1 ? "" : "s") + " in the catalog";
    var pager = document.querySelector(".pager");
    if (pager) pager.hidden = true;
  }

  function run() {
    var query = input.value.trim();
    var ticket = ++latest;
    fetch(endpoint + "?limit=25&q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        if (ticket !== latest) return; // a newer keystroke already answered
        draw(data, query);
        var url = query ? "/?q=" + encodeURIComponent(query) : "/";
        history.replaceState(null, "", url);
      })
      .catch(function () { /* keep the server-rendered results */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 120);
  });
})();
