import { renderToString } from "react-dom/server";
import { App } from "./App";
import { FOODS, type Food } from "./food";

export interface Env {
  FOOD: KVNamespace;
}

const BUNDLE_JS_FILE_URL = "/client.js"; // built by [build] into public/

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);

    if (url.pathname === "/") {
      // Read at request time: the page shows the latest survey result.
      const initialFood = await env.FOOD.get<Food>("potato", "json");
      const html = renderToString(
        <html lang="en">
          <head>
            <meta charSet="utf-8" />
            <title>Food survey</title>
            <link rel="stylesheet" href="/styles.css" />
          </head>
          <body>
            <div id="app">
              <App initialFood={initialFood} />
            </div>
            <script
              id="initial-food"
              type="application/json"
              dangerouslySetInnerHTML={{ __html: embedJSON(initialFood) }}
            />
            <script type="module" src={BUNDLE_JS_FILE_URL}></script>
          </body>
        </html>,
      );
      return new Response("<!DOCTYPE html>" + html, {
        headers: { "Content-Type": "text/html; charset=utf-8" },
      });
    }

    const api = url.pathname.match(/^\/api\/([^/]+)$/);
    if (api) {
      const name = decodeURIComponent(api[1]);
      const food = (FOODS as readonly string[]).includes(name) ? await env.FOOD.get<Food>(name, "json") : null;
      if (!food) {
        return Response.json({ error: `no survey data for ${name}` }, { status: 404 });
      }
      return Response.json(food);
    }

    return new Response("Not found\n", { status: 404 });
  },
};

// JSON inside <script> must not contain "</script>" or "<!--".
function embedJSON(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}
