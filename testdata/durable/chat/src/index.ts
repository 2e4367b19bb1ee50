// A chat room on Durable Objects with the WebSocket Hibernation API: every
// message is kept in the room's SQL history and sent to everyone in it.
import { DurableObject } from "cloudflare:workers";

type Env = { ROOMS: DurableObjectNamespace<ChatRoom> };

export class ChatRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT, text TEXT)");
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async fetch(request: Request) {
    const who = new URL(request.url).searchParams.get("name") ?? "anonymous";
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [who]);
    server.serializeAttachment({ who });
    const history = this.ctx.storage.sql.exec("SELECT who, text FROM messages ORDER BY id").toArray();
    server.send(JSON.stringify({ type: "history", history }));
    return new Response(null, { status: 101, webSocket: client });
  }

  release?: () => void;

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    const { who } = ws.deserializeAttachment() as { who: string };
    const text = typeof message === "string" ? message : new TextDecoder().decode(message);
    // /slow runs past the room's event timeout: the handler is cancelled
    // and the room reset, so a later /release reaches a new instance, and
    // the slow handler, when it wakes, can no longer use the storage.
    if (text === "/slow") {
      this.ctx.setHibernatableWebSocketEventTimeout(300);
      await new Promise<void>((resolve) => {
        this.release = resolve;
        setTimeout(resolve, 1000);
      });
      console.log("the slow handler woke up");
      this.ctx.storage.sql.exec("INSERT INTO messages (who, text) VALUES (?, ?)", who, "slow finished");
      ws.send(JSON.stringify({ type: "slow-finished" }));
      return;
    }
    if (text === "/release") {
      const released = this.release !== undefined;
      this.release?.();
      const timeout = this.ctx.getHibernatableWebSocketEventTimeout();
      this.ctx.setHibernatableWebSocketEventTimeout(0);
      ws.send(JSON.stringify({ type: "released", released, timeout, after: this.ctx.getHibernatableWebSocketEventTimeout() }));
      return;
    }
    this.ctx.storage.sql.exec("INSERT INTO messages (who, text) VALUES (?, ?)", who, text);
    const out = JSON.stringify({ type: "message", who, text, tags: this.ctx.getTags(ws), online: this.ctx.getWebSockets().length });
    for (const peer of this.ctx.getWebSockets()) peer.send(out);
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string) {
    const { who } = ws.deserializeAttachment() as { who: string };
    for (const peer of this.ctx.getWebSockets()) {
      if (peer !== ws) peer.send(JSON.stringify({ type: "left", who }));
    }
  }

  async count() {
    return this.ctx.storage.sql.exec("SELECT count(*) AS n FROM messages").one().n;
  }
}

export default {
  async fetch(request: Request, env: Env) {
    const url = new URL(request.url);
    const room = url.pathname.split("/")[2] ?? "lobby";
    if (url.pathname.startsWith("/room/")) {
      if (request.headers.get("upgrade") !== "websocket") return new Response("expected a WebSocket", { status: 426 });
      return env.ROOMS.getByName(room).fetch(request);
    }
    if (url.pathname.startsWith("/count/")) return Response.json(await env.ROOMS.getByName(room).count());
    return new Response("not found", { status: 404 });
  },
};
