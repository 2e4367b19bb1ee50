const runs: { cron: string; scheduledTime: number; type: string }[] = [];
let cleanedUp = 0;

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/runs") return Response.json({ runs, cleanedUp });
    return new Response("cron worker");
  },

  async scheduled(controller: ScheduledController, env: unknown, ctx: ExecutionContext): Promise<void> {
    if (controller.cron === "0 0 1 1 *") {
      throw new Error("the yearly job failed");
    }
    runs.push({ cron: controller.cron, scheduledTime: controller.scheduledTime, type: controller.type });
    console.log(`scheduled run for ${controller.cron}`);
    // Work that outlives the handler itself.
    ctx.waitUntil(new Promise<void>((resolve) => setTimeout(() => { cleanedUp++; resolve(); }, 50)));
  },
};
