// A worker to debug: e2e/debug_test.go sets breakpoints by line in this
// file, so keep the lines marked below where they are.
interface Env {
  HELPER: { fetch(request: Request): Promise<Response> };
}

type Order = { item: string; quantity: number };

function total(orders: Order[]): number {
  let sum = 0;
  for (const order of orders) {
    sum += order.quantity; // line 12: inside total()
  }
  return sum;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/helper") {
      return env.HELPER.fetch(request);
    }
    if (url.pathname === "/debugger") {
      const marker = "stopped by a debugger statement";
      debugger; // line 25
      return new Response(marker);
    }
    if (url.pathname === "/throw") {
      throw new TypeError("thrown on purpose");
    }
    const name = url.searchParams.get("name") ?? "world";
    const orders: Order[] = [{ item: "tea", quantity: 2 }, { item: "cake", quantity: 3 }];
    const count = total(orders); // line 33: the breakpoint in fetch()
    return new Response(`hello ${name}: ${count} items`);
  },
};
