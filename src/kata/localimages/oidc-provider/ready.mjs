// The service's readiness check (exercise.toml `ready`): a real query, the discovery
// document, which must name the configured issuer. Exit 0 = ready.
const port = process.env.PORT || '8080';
const issuer = process.env.ISSUER || 'http://idp:8080';
try {
  const r = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`,
    { signal: AbortSignal.timeout(3000) });
  const doc = await r.json();
  if (r.status !== 200 || doc.issuer !== issuer) {
    console.error(`discovery answered ${r.status} with issuer ${doc.issuer}, not ${issuer}`);
    process.exit(1);
  }
  console.log(`ready: ${doc.issuer}`);
} catch (err) {
  console.error(`not ready: ${err.message}`);
  process.exit(1);
}
