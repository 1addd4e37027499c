// kata's mock OpenID provider: panva's oidc-provider (the certified OpenID Connect
// provider library) with one registered confidential client, a login form that stands in
// for the user, and a test-only control endpoint the graders use to make the next token
// response carry a defective id_token. Configured by environment only:
//   ISSUER          the issuer URL, as the app reaches it (http://idp:8080)
//   PORT            where to listen (8080)
//   CLIENT_ID, CLIENT_SECRET   the one client (token endpoint auth: client_secret_basic)
//   REDIRECT_URIS   the client's registered redirect URIs, space-separated
//   CODE_TTL_S      how long an authorization code lives (60)
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const env = (name, fallback) => process.env[name] || fallback;
const ISSUER = env('ISSUER', 'http://idp:8080');
const PORT = Number(env('PORT', '8080'));
const CLIENT_ID = env('CLIENT_ID', 'kata-app');
const CLIENT_SECRET = env('CLIENT_SECRET', 'kata-secret');
const REDIRECT_URIS = env('REDIRECT_URIS', 'http://localhost:8000/callback').split(/\s+/).filter(Boolean);
const CODE_TTL_S = Number(env('CODE_TTL_S', '60'));
const DEFECTS = ['signature', 'audience', 'issuer', 'expired'];
const MAX_FORM_BYTES = 8192;

// The signing key is made at start (a fresh provider has fresh keys, as a real one rotates
// them); a second key with the same kid signs the "signature" defect.
const KID = crypto.randomBytes(8).toString('hex');
const keyPair = () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const signing = { ...keyPair().export({ format: 'jwk' }), kid: KID, use: 'sig', alg: 'RS256' };
const stranger = keyPair();

const accounts = new Map(); // sub -> email, as the login form gave them
const armed = []; // defects for the next token responses, in order

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: REDIRECT_URIS,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  clientAuthMethods: ['client_secret_basic'],
  jwks: { keys: [signing] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  conformIdTokenClaims: false, // the email scope's claims go into the id_token too
  pkce: { methods: ['S256'], required: () => false }, // verified whenever a challenge was sent
  ttl: { AuthorizationCode: CODE_TTL_S, AccessToken: 600, IdToken: 600, Interaction: 600,
         Session: 600, Grant: 600 },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: false } },
  routes: { authorization: '/authorize', token: '/token', userinfo: '/userinfo', jwks: '/jwks' },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: (ctx, sub) => accounts.has(sub) && {
    accountId: sub,
    claims: () => ({ sub, email: accounts.get(sub), email_verified: true }),
  },
  renderError: (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});
provider.proxy = false;

// The token endpoint's answer, with the id_token replaced when a defect is armed.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !ctx.body?.id_token || !armed.length) return;
  const defect = armed.shift();
  const claims = jose.decodeJwt(ctx.body.id_token);
  const now = Math.floor(Date.now() / 1000);
  let key = crypto.createPrivateKey({ key: signing, format: 'jwk' });
  if (defect === 'signature') key = stranger;
  if (defect === 'audience') claims.aud = 'another-client';
  if (defect === 'issuer') claims.iss = 'http://another-idp:8080';
  if (defect === 'expired') Object.assign(claims, { iat: now - 900, exp: now - 300 });
  ctx.body = { ...ctx.body, id_token: await new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' }).sign(key) };
});

function page(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) { reject(new Error('form too large')); req.destroy(); }
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The login page: who the user is. It stands for the provider's login and consent
// screens; submitting it grants every scope the client asked for.
async function interaction(req, res, uid, submitted) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    return page(res, 400, `<p>no such login in progress: ${escape(err.message)}</p>`);
  }
  if (details.uid !== uid) return page(res, 400, '<p>no such login in progress</p>');
  if (!submitted) {
    return page(res, 200, `<!doctype html><title>Sign in</title>
<form method="post" action="/interaction/${escape(uid)}">
<label>Subject <input name="sub" required></label>
<label>Email <input name="email" type="email" required></label>
<button>Sign in to ${escape(details.params.client_id)}</button></form>`);
  }
  const form = new URLSearchParams(await readForm(req));
  const sub = (form.get('sub') || '').trim();
  const email = (form.get('email') || '').trim();
  if (!sub || !email) return page(res, 400, '<p>sub and email are required</p>');
  accounts.set(sub, email);
  const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope || 'openid'));
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { login: { accountId: sub }, consent: { grantId } },
    { mergeWithLastSubmission: false });
}

// Test setup, never part of a real provider: POST {"defect": …} arms one defective id_token.
async function control(req, res) {
  let body;
  try {
    body = JSON.parse(await readForm(req));
  } catch {
    return json(res, 400, { error: 'expected a JSON body' });
  }
  if (!DEFECTS.includes(body?.defect)) return json(res, 400, { error: `defect: one of ${DEFECTS}` });
  armed.push(body.defect);
  return json(res, 200, { armed });
}

const callback = provider.callback();
http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, 'http://x').pathname;
    const m = path.match(/^\/interaction\/([\w-]+)$/);
    if (m) return await interaction(req, res, m[1], req.method === 'POST');
    if (path === '/_kata/next-id-token' && req.method === 'POST') return await control(req, res);
    if (path === '/_kata/next-id-token' && req.method === 'DELETE') {
      armed.length = 0;
      return json(res, 200, { armed });
    }
    return callback(req, res);
  } catch (err) {
    if (!res.headersSent) json(res, 500, { error: String(err?.message || err) });
    else res.destroy();
  }
}).listen(PORT, '0.0.0.0', () => console.log(`oidc provider ${ISSUER} on :${PORT}`));
