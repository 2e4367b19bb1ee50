interface Env {
  MY_QUEUE: Queue;
}

export default {
  // Each request becomes a message describing it.
  async fetch(req, env, ctx): Promise<Response> {
    await env.MY_QUEUE.send({ url: req.url, method: req.method, headers: Object.fromEntries(req.headers) });
    return new Response("Sent message to the queue");
  },
  // Batches arrive here; this consumer only logs them.
  async queue(batch, env): Promise<void> {
    for (const message of batch.messages) {
      console.log(`message ${message.id} processed: ${JSON.stringify(message.body)}`);
    }
  },
} satisfies ExportedHandler<Env, Error>;
