import { Buffer } from "node:buffer";

export default {
  async fetch(): Promise<Response> {
    await Promise.resolve();
    return new Response(Buffer.from("aGk=", "base64").toString());
  },
};
