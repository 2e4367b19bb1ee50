// React server rendering: renderToString of a 200-row table per request.
// createElement rather than JSX so that no bundler's JSX settings matter;
// "react-dom/server" resolves through the "workerd" export condition.
import { createElement as h } from "react";
import { renderToString } from "react-dom/server";

const rows = Array.from({ length: 200 }, (_, i) => ({
  id: i + 1,
  name: `Item ${i + 1}`,
  price: ((i * 37) % 1000) / 10,
  stock: (i * 7) % 23,
}));

function Row({ row }) {
  return h(
    "tr",
    { className: row.stock === 0 ? "empty" : undefined },
    h("td", null, row.id),
    h("td", null, row.name),
    h("td", null, row.price.toFixed(2)),
    h("td", null, row.stock),
  );
}

function Table({ rows }) {
  return h(
    "table",
    null,
    h("thead", null, h("tr", null, h("th", null, "ID"), h("th", null, "Name"), h("th", null, "Price"), h("th", null, "Stock"))),
    h("tbody", null, rows.map((row) => h(Row, { key: row.id, row }))),
  );
}

const render = () => "<!doctype html>" + renderToString(h(Table, { rows }));

export default {
  fetch(req) {
    // ?renders=N renders N times in this one request and answers with the
    // last page's length: the engine's share alone (go run ./bench -engine).
    const i = req.url.indexOf("?renders=");
    if (i >= 0) {
      let html = "";
      for (let n = Number(req.url.slice(i + 9)); n > 0; n--) html = render();
      return new Response(String(html.length));
    }
    return new Response(render(), { headers: { "content-type": "text/html;charset=UTF-8" } });
  },
};
