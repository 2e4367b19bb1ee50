// Accepts WebSockets at /ws (echo, binary echo, close on request) and, at
// /relay?to=URL, sends one message to another WebSocket server with
// new WebSocket() and answers with its reply.
export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/relay") return relay(url.searchParams.get("to") ?? "", url.searchParams.get("msg") ?? "");
    if (url.pathname !== "/ws") return new Response("WebSocket echo: connect to /ws", { status: 200 });
    if (request.headers.get("Upgrade") !== "websocket") {
      return new Response("Expected Upgrade: websocket", { status: 426 });
    }
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (e: MessageEvent) => {
      if (typeof e.data !== "string") {
        // Binary frames come back reversed, to show the bytes were read.
        server.send(new Uint8Array(e.data as ArrayBuffer).reverse());
      } else if (e.data === "bye") {
        server.close(4000, "goodbye");
      } else {
        server.send(`echo: ${e.data}`);
      }
    });
    server.addEventListener("close", (e: CloseEvent) => {
      console.log(`client closed: ${e.code} ${e.reason}`);
    });
    return new Response(null, { status: 101, webSocket: client });
  },
};

async function relay(to: string, msg: string): Promise<Response> {
  const ws = new WebSocket(to);
  const reply = new Promise<string>((resolve, reject) => {
    ws.addEventListener("message", (e: MessageEvent) => resolve(String(e.data)));
    ws.addEventListener("close", (e: CloseEvent) => reject(new Error(`closed: ${e.code} ${e.reason}`)));
  });
  await new Promise((resolve) => ws.addEventListener("open", resolve));
  ws.send(msg);
  const text = await reply;
  ws.close(1000, "thanks");
  return new Response(text);
}
