import { Suspense, useId, useState } from "react";

// A resource that suspends until its data arrives, as data libraries do.
function createResource<T>(load: () => Promise<T>) {
  let state: { status: "pending"; promise: Promise<void> } | { status: "done"; value: T };
  const promise = load().then((value) => {
    state = { status: "done", value };
  });
  state = { status: "pending", promise };
  return {
    read(): T {
      if (state.status === "pending") throw state.promise;
      return state.value;
    },
  };
}

function Comments({ resource }: { resource: { read(): string[] } }) {
  const comments = resource.read();
  return (
    <ul id="comments">
      {comments.map((c, i) => (
        <li key={i}>{c}</li>
      ))}
    </ul>
  );
}

function Counter() {
  const [count] = useState(5);
  const id = useId();
  return (
    <label htmlFor={id}>
      count <output id={id}>{count}</output>
    </label>
  );
}

export function App({ delay }: { delay: number }) {
  const resource = createResource(
    () => new Promise<string[]>((resolve) => setTimeout(() => resolve(["first!", "streams & suspense"]), delay)),
  );
  return (
    <html lang="en">
      <head>
        <title>streaming</title>
      </head>
      <body>
        <h1>Shell</h1>
        <Counter />
        <Suspense fallback={<p id="loading">loading comments…</p>}>
          <Comments resource={resource} />
        </Suspense>
      </body>
    </html>
  );
}

export function Page({ rows }: { rows: number }) {
  return (
    <html lang="en">
      <body>
        <table>
          <tbody>
            {Array.from({ length: rows }, (_, i) => (
              <tr key={i} className={i % 2 ? "odd" : "even"}>
                <td>{i}</td>
                <td>{`<row ${i}>`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </body>
    </html>
  );
}
