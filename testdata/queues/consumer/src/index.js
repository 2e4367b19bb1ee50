// Consumes every queue of ../producer and records each delivery in KV
// (queue:id:attempts), then acts as the message asks.
function describe(body) {
  if (body instanceof Uint8Array) return `Uint8Array [${[...body]}]`;
  if (typeof body === "string") return `string ${body}`;
  if (body && body.when instanceof Date) return `v8 ${body.when.toISOString()} Set ${[...body.set]}`;
  return `json ${JSON.stringify(body)}`;
}

export default {
  async queue(batch, env, ctx) {
    const { backlogCount, oldestMessageTimestamp } = batch.metadata.metrics;
    for (const m of batch.messages) {
      const rec = { queue: batch.queue, id: m.id, attempts: m.attempts, batch: batch.messages.length, body: describe(m.body), date: m.timestamp instanceof Date, backlog: backlogCount, oldest: oldestMessageTimestamp instanceof Date };
      await env.LOG.put(`${batch.queue}:${m.id}:${m.attempts}`, JSON.stringify(rec));
    }
    const first = batch.messages[0];
    switch (batch.queue) {
      case "flaky":
        if (first.body.kind === "throw-once" && first.attempts === 1) throw new Error("flaky failure");
        if (first.body.kind === "always-retry") first.retry();
        if (first.body.kind === "delay-retry" && first.attempts === 1) first.retry({ delaySeconds: 120 });
        break;
      case "partial":
        if (first.attempts === 1) {
          first.ack();
          throw new Error("failed after acking one message");
        }
        break;
      case "batchops":
        if (first.attempts === 1) batch.retryAll();
        else batch.ackAll();
        break;
    }
  },
};
