// An Express 5 app, as written for Node, served through node:http's
// createServer and cloudflare:node's httpServerHandler.
import express from "express";
import { createServer } from "node:http";
import { httpServerHandler } from "cloudflare:node";

const app = express();
app.use(express.json());
app.use(express.urlencoded({ extended: false }));

app.get("/", (req, res) => {
  res.send("<h1>Hello from Express</h1>");
});

app.get("/users/:id", (req, res) => {
  res.json({ id: Number(req.params.id), q: req.query.q ?? null, ip: req.ip, protocol: req.protocol });
});

app.post("/echo", (req, res) => {
  res.status(201).set("X-Handled", "express").json({ received: req.body, type: req.get("content-type") });
});

app.get("/redirect", (req, res) => res.redirect(302, "/users/7"));

app.get("/cookie", (req, res) => {
  res.cookie("session", "abc", { httpOnly: true, path: "/" });
  res.cookie("theme", "dark");
  res.type("text").send("cookies set");
});

app.get("/error", () => {
  throw new Error("boom");
});

app.use((err, req, res, next) => {
  res.status(500).json({ error: err.message });
});

app.use((req, res) => {
  res.status(404).send("no route for " + req.path);
});

const server = createServer(app);
server.listen(3000);

export default httpServerHandler({ port: 3000 });
