// kata's Mermaid parser service (kata/mermaid:11): mermaid's own parse(), the grammar check
// every Mermaid renderer runs before it draws, behind one HTTP endpoint. Graders of design
// documents POST each diagram's text to /parse and read {"ok", "diagramType", "error"}.
// mermaid needs a DOM only for its sanitiser, so jsdom stands in for the browser; nothing is
// rendered (no layout, no SVG): what only the renderer checks is not checked here.
import http from 'node:http';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const mermaid = (await import('mermaid')).default;
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

const PORT = Number(process.env.PORT || 8080);
const MAX_BYTES = 64 * 1024; // one diagram; the grader caps what it sends the same way
const VERSION = JSON.parse(
  await (await import('node:fs/promises')).readFile(
    new URL('./node_modules/mermaid/package.json', import.meta.url), 'utf8')).version;

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

async function parse(text) {
  try {
    const result = await mermaid.parse(text);
    return { ok: true, diagramType: result.diagramType };
  } catch (err) {
    return { ok: false, error: String(err && err.message ? err.message : err).slice(0, 2000) };
  }
}

// One parse at a time: mermaid keeps per-diagram state between parse calls.
let queue = Promise.resolve();

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    return answer(res, 200, { ok: true, mermaid: VERSION });
  }
  if (req.method !== 'POST' || req.url !== '/parse') {
    return answer(res, 404, { error: 'POST /parse with the diagram as the body' });
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BYTES) return answer(res, 413, { error: `over ${MAX_BYTES} bytes` });
    const text = Buffer.concat(chunks).toString('utf8');
    queue = queue.then(() => parse(text)).then((out) => answer(res, 200, { ...out, mermaid: VERSION }));
  });
});
server.listen(PORT, '0.0.0.0', () => console.log(`mermaid ${VERSION} parser on :${PORT}`));
// Stop at once when asked (docker stop), also as PID 1 without an init.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
