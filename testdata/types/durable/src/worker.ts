import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";

export class Counter extends DurableObject {}
export class ChatRoom extends DurableObject {}
export class Admin extends WorkerEntrypoint {
  ping() {
    return "pong";
  }
}

export default {
  async fetch(): Promise<Response> {
    return new Response("ok");
  },
};
