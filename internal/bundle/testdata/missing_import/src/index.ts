import { nothing } from "./nowhere";

export default { fetch: () => new Response(nothing) };
