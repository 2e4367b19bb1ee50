// hono/jsx server rendering: a streamed page whose Suspense boundary fills in later.
import { Suspense, renderToReadableStream } from "hono/jsx/streaming";
import type { FC } from "hono/jsx";

const Slow: FC<{ delay: number }> = async ({ delay }) => {
  await new Promise((r) => setTimeout(r, delay));
  return <p id="late">arrived after {delay}ms</p>;
};

export function streamPage(delay: number) {
  return renderToReadableStream(
    <html>
      <body>
        <h1>hono/jsx</h1>
        <Suspense fallback={<p id="wait">waiting…</p>}>
          <Slow delay={delay} />
        </Suspense>
      </body>
    </html>,
  );
}
