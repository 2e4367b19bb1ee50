// React 18 server rendering in a worker: streaming with Suspense, and a string.
import { renderToReadableStream, renderToString } from "react-dom/server";
import { App, Page } from "./app";

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const delay = Number(url.searchParams.get("delay") ?? "300");
    switch (url.pathname) {
      case "/string":
        return new Response("<!DOCTYPE html>" + renderToString(<Page rows={Number(url.searchParams.get("rows") ?? "3")} />), {
          headers: { "Content-Type": "text/html; charset=utf-8" },
        });
      case "/stream":
      case "/all-ready": {
        const stream = await renderToReadableStream(<App delay={delay} />, {
          bootstrapScriptContent: "window.__booted = true",
          onError(err) {
            console.error("render error", err);
          },
        });
        // Crawlers get the whole page at once: wait for every boundary.
        if (url.pathname === "/all-ready") await stream.allReady;
        return new Response(stream, { headers: { "Content-Type": "text/html; charset=utf-8" } });
      }
      case "/big": {
        // A large page streams through in many chunks, at the reader's pace.
        const stream = await renderToReadableStream(<Page rows={Number(url.searchParams.get("rows") ?? "20000")} />);
        return new Response(stream, { headers: { "Content-Type": "text/html; charset=utf-8" } });
      }
      case "/error": {
        try {
          await renderToReadableStream(<Broken />);
          return new Response("rendered", { status: 200 });
        } catch (e) {
          return new Response("shell failed: " + (e as Error).message, { status: 500 });
        }
      }
    }
    return new Response("not found", { status: 404 });
  },
};

function Broken(): JSX.Element {
  throw new Error("the shell cannot render");
}
