export default {
  async fetch() {
    return new Response("rival");
  },
  async queue(batch) {
    batch.ackAll();
  },
};
