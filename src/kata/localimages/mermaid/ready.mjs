// The service's readiness check (exercise.toml `ready`): a real parse of a known-good and a
// known-bad diagram, so "ready" means mermaid loaded and judges. Exit 0 = ready.
const port = process.env.PORT || '8080';
async function parse(text) {
  const r = await fetch(`http://127.0.0.1:${port}/parse`,
    { method: 'POST', body: text, signal: AbortSignal.timeout(5000) });
  return r.json();
}
try {
  const good = await parse('flowchart LR\n  a --> b');
  const bad = await parse('flowchart LR\n  a -->');
  if (!good.ok || bad.ok) {
    console.error(`parser misjudged: good=${JSON.stringify(good)} bad=${JSON.stringify(bad)}`);
    process.exit(1);
  }
  console.log(`ready: mermaid ${good.mermaid}`);
} catch (err) {
  console.error(`not ready: ${err.message}`);
  process.exit(1);
}
