// Plain-text hello world: the cost of a request with no work in it.
export default {
  fetch() {
    return new Response("Hello World!", { headers: { "content-type": "text/plain;charset=UTF-8" } });
  },
};
