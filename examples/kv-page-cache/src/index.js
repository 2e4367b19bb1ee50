// Workers KV as a cache in front of the origin (service-worker syntax:
// bindings are globals). /js/foo.js and /js/bar.js are answered from KV
// when stored there; otherwise the origin's answer is returned and a copy
// kept in KV for 60 seconds. Every other path goes straight to the origin.
const TARGET_PATHNAME_LIST = ["/js/foo.js", "/js/bar.js"];

const SUFFIX_OF_HEADER = "::HEADER";
const SUFFIX_OF_BODY = "::BODY";
const TTL_SECONDS = 60;

async function getHeaderAndBody(key) {
  const cachedHeader = await MY_KV.get(`${key}${SUFFIX_OF_HEADER}`, {
    type: "json",
  });
  const cachedBody = await MY_KV.get(`${key}${SUFFIX_OF_BODY}`);
  return { cachedHeader, cachedBody };
}

function putHeaderAndBody(key, header, body) {
  return Promise.all([
    MY_KV.put(`${key}${SUFFIX_OF_HEADER}`, JSON.stringify(header), { expirationTtl: TTL_SECONDS }),
    MY_KV.put(`${key}${SUFFIX_OF_BODY}`, body, { expirationTtl: TTL_SECONDS }),
  ]);
}

addEventListener("fetch", (event) => {
  event.respondWith(handleRequest(event));
});

async function handleRequest(event) {
  const url = new URL(event.request.url);

  if (TARGET_PATHNAME_LIST.includes(url.pathname)) {
    const { cachedHeader, cachedBody } = await getHeaderAndBody(url.href);

    if (cachedHeader && cachedBody) {
      return new Response(cachedBody, {
        headers: cachedHeader,
      });
    }

    // A request to the worker's own host goes to the origin, through the
    // zone cache: see the README for why the origin should answer these
    // with Cache-Control: private.
    const freshResponse = await fetch(url);

    let response = freshResponse.clone();
    response = new Response(response.body, response);
    response.headers.append("x-from-kv", "true");

    const headerObj = Array.from(response.headers.entries()).reduce(
      (acc, entry) => {
        return {
          ...acc,
          [entry[0]]: entry[1],
        };
      },
      {}
    );
    event.waitUntil(putHeaderAndBody(url.href, headerObj, response.body));

    return freshResponse;
  }

  return fetch(url);
}
