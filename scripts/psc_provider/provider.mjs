// A local OpenID Connect provider standing in for Pro Santé Connect (tests and demo only, never production).
//
// The certified npm package oidc-provider (pinned with its dependencies by package-lock.json, installed by
// accounts/psc_provider.py) issues RS256-signed ID tokens and a signed-JWT userinfo carrying the PSC claims
// (SubjectNameID, given_name, family_name, SubjectRefPro) for the accounts of the JSON configuration given as
// the first argument. Its login page takes an account's login (no password: a test identity, as on the PSC
// sandbox); the consent page grants `openid scope_all`. An account may carry `acr` (the eIDAS level the login
// gives, none when absent) and `tamper` ("audience", "expired" or "signature"): the token endpoint then
// answers an ID token re-signed with that defect, so the relying party's checks face a misbehaving provider.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { generateKeyPair, exportJWK, SignJWT, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts;
const issuer = `http://127.0.0.1:${config.port}`;

async function signingKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: 'psc-test-1', alg: 'RS256', use: 'sig' };
}

const key = await signingKey();
const strangerKey = { ...(await signingKey()), kid: 'psc-test-1' }; // same kid, other key: bad signature

function claimsOf(id) {
  const a = accounts[id];
  return {
    sub: id,
    SubjectNameID: a.SubjectNameID,
    preferred_username: a.SubjectNameID,
    given_name: a.given_name,
    family_name: a.family_name,
    SubjectRefPro: a.SubjectRefPro ?? { exercices: [] },
  };
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: config.redirect_uris,
    post_logout_redirect_uris: config.post_logout_redirect_uris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
    userinfo_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [key] },
  scopes: ['openid', 'scope_all'],
  claims: {
    openid: ['sub'],
    scope_all: ['SubjectNameID', 'preferred_username', 'given_name', 'family_name', 'SubjectRefPro'],
  },
  acrValues: ['eidas0', 'eidas1', 'eidas2', 'eidas3'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: { AccessToken: 120, IdToken: 120, AuthorizationCode: 60, Interaction: 600, Session: 4 * 3600, Grant: 4 * 3600 },
  findAccount: async (ctx, id) => (accounts[id] ? { accountId: id, claims: async () => claimsOf(id) } : undefined),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

// Re-sign the ID token of a `tamper` account with the defect it names.
async function tampered(idToken) {
  const claims = decodeJwt(idToken);
  const defect = accounts[claims.sub]?.tamper;
  if (!defect) return idToken;
  const now = Math.floor(Date.now() / 1000);
  if (defect === 'audience') claims.aud = 'un-autre-service';
  if (defect === 'expired') Object.assign(claims, { iat: now - 1200, exp: now - 600 });
  const signer = await importJWK(defect === 'signature' ? strangerKey : key, 'RS256');
  return new SignJWT(claims).setProtectedHeader(decodeProtectedHeader(idToken)).sign(signer);
}

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: await tampered(ctx.body.id_token) };
  }
});

const page = (title, body) => `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

function readForm(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(new URLSearchParams(data)));
  });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (!action) {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (details.prompt.name === 'login') {
      const options = Object.keys(accounts).map((id) => `<option value="${id}">${id}</option>`).join('');
      res.end(page('Pro Santé Connect (fournisseur local de test)', `<form method="post" action="/interaction/${uid}/login"><label>Identité de test <select name="login">${options}</select></label> <button type="submit">Se connecter</button></form>`));
    } else {
      res.end(page('Autoriser OpenCPTS', `<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Autoriser</button></form>`));
    }
    return;
  }
  const form = await readForm(req);
  if (action === 'login') {
    const id = form.get('login');
    if (!accounts[id]) { res.statusCode = 400; res.end('compte inconnu'); return; }
    const login = { accountId: id, amr: ['mfa'] };
    if (accounts[id].acr) login.acr = accounts[id].acr;
    await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

const handler = provider.callback();
const server = http.createServer(async (req, res) => {
  const match = req.url.match(/^\/interaction\/([\w-]+)(?:\/(login|confirm))?$/);
  if (!match) { handler(req, res); return; }
  try {
    await interaction(req, res, match[1], req.method === 'POST' ? match[2] : undefined);
  } catch (err) {
    res.statusCode = 400;
    res.end(String(err));
  }
});
server.listen(config.port, '127.0.0.1', () => { console.log(`ready ${issuer}`); });
process.on('SIGTERM', () => { server.close(); process.exit(0); });
