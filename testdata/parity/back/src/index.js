// The worker the parity project reaches through its BACK service binding.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    return new Response(`back got ${request.method} ${url.pathname}?${url.searchParams} ${await request.text()}`, { status: 202 });
  },
};
