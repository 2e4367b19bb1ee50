const runs = [];

addEventListener("scheduled", (event) => {
  event.waitUntil((async () => {
    await new Promise((r) => setTimeout(r, 10));
    runs.push({ cron: event.cron, scheduledTime: event.scheduledTime, type: event.type });
    console.log(`service worker cron ${event.cron}`);
  })());
});

addEventListener("fetch", (event) => {
  event.respondWith(Response.json({ runs }));
});
