// The second worker of the debug test: paused at a breakpoint while the
// first one keeps answering.
export default {
  async fetch(request: Request): Promise<Response> {
    const from = new URL(request.url).pathname;
    const reply = `helper answered ${from}`; // line 6
    console.log("helper saw", from);
    return new Response(reply);
  },
};
