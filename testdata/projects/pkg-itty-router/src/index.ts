// itty-router v5: AutoRouter with params, middleware, CORS and error handling.
import { AutoRouter, IttyRouter, cors, error, json, status, text, withContent, withParams, type IRequest } from "itty-router";

type Env = { REGION: string };
type CF = [env: Env, ctx: ExecutionContext];

const { preflight, corsify } = cors({ origin: "https://ui.example", allowMethods: ["GET", "PUT"], maxAge: 300 });

const todos = new Map<string, { id: string; title: string; done: boolean }>();

// A nested router mounted under /v2.
const v2 = IttyRouter({ base: "/v2" }).get("/ping", () => ({ pong: 2 }));

const withUser = (request: IRequest) => {
  const user = request.headers.get("X-User");
  if (!user) return error(401, "who are you?");
  request.user = user;
};

const router = AutoRouter<IRequest, CF>({
  before: [preflight],
  finally: [corsify, (response: Response, request: IRequest) => {
    response.headers.set("X-Route", request.route ?? "none");
    return response;
  }],
});

router
  .get("/", () => "itty on outpost")
  .get("/env", (_req, env) => ({ region: env.REGION }))
  .get("/todos/:id", withParams, ({ id }) => todos.get(id) ?? error(404, `no todo ${id}`))
  .put("/todos/:id", withUser, withContent, ({ params, content, user }) => {
    const todo = { id: params.id, title: String(content.title), done: Boolean(content.done) };
    todos.set(params.id, todo);
    return json({ ...todo, by: user }, { status: 201 });
  })
  .delete("/todos/:id", ({ params }) => (todos.delete(params.id) ? status(204) : error(404)))
  .get("/files/:path+", ({ params }) => text(`file ${params.path}`))
  .get("/search", ({ query }) => ({ q: query.q, tags: query.tag }))
  .get("/boom", () => {
    throw new Error("router exploded");
  })
  .all("/v2/*", v2.fetch);

export default router;
