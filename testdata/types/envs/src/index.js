export default { async fetch(req, env) { return new Response("ok"); } };
