export function renderHtml(content: string) {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>D1</title>
  </head>
  <body>
    <h1>Comments from D1</h1>
    <pre><code>${content}</code></pre>
  </body>
</html>
`;
}
