import * as jose from "jose";

const json = (v, status = 200) => new Response(JSON.stringify(v), { status, headers: { "Content-Type": "application/json" } });
const enc = new TextEncoder();

// Keys are made once per instance: RSA generation is not free.
const pairs = new Map();
async function keyPair(alg) {
  if (!pairs.has(alg)) pairs.set(alg, await jose.generateKeyPair(alg, { extractable: true }));
  return pairs.get(alg);
}

async function signKey(alg, env) {
  if (alg === "HS256") {
    const secret = enc.encode(env.HS256_SECRET);
    return { sign: secret, verify: secret, jwk: null };
  }
  const { privateKey, publicKey } = await keyPair(alg);
  return { sign: privateKey, verify: publicKey, jwk: await jose.exportJWK(publicKey) };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, route, alg] = url.pathname.split("/");
    try {
      if (route === "jwt" && request.method === "GET") {
        // Sign a token, verify it again with jose, and hand out the public
        // key so the caller can check the signature on its own.
        const keys = await signKey(alg, env);
        const token = await new jose.SignJWT({ sub: "user-1", role: "admin" })
          .setProtectedHeader({ alg, kid: "k1" })
          .setIssuedAt()
          .setIssuer("urn:outpost:test")
          .setExpirationTime("2h")
          .sign(keys.sign);
        const { payload, protectedHeader } = await jose.jwtVerify(token, keys.verify, { issuer: "urn:outpost:test", algorithms: [alg] });
        return json({ token, payload, header: protectedHeader, publicJwk: keys.jwk, spki: keys.jwk ? await jose.exportSPKI((await keyPair(alg)).publicKey) : null });
      }
      if (route === "verify" && request.method === "POST") {
        // Verify a token made elsewhere, with the JWK (or secret) sent along.
        const { token, jwk } = await request.json();
        const key = alg === "HS256" ? enc.encode(env.HS256_SECRET) : await jose.importJWK(jwk, alg);
        try {
          const { payload } = await jose.jwtVerify(token, key, { algorithms: [alg] });
          return json({ valid: true, payload });
        } catch (e) {
          return json({ valid: false, code: e.code, error: e.message });
        }
      }
      if (route === "jwe" && request.method === "POST") {
        // RSA-OAEP-256 + A256GCM: encrypt the body, decrypt it again, and
        // hand out the private JWK so the caller can decrypt on its own.
        const plaintext = await request.text();
        const { privateKey, publicKey } = await keyPair("RSA-OAEP-256");
        const jwe = await new jose.CompactEncrypt(enc.encode(plaintext))
          .setProtectedHeader({ alg: "RSA-OAEP-256", enc: "A256GCM" })
          .encrypt(publicKey);
        const { plaintext: back, protectedHeader } = await jose.compactDecrypt(jwe, privateKey);
        return json({ jwe, roundTrip: new TextDecoder().decode(back), header: protectedHeader, privateJwk: await jose.exportJWK(privateKey) });
      }
      if (route === "jwe-dir" && request.method === "POST") {
        // Decrypt a "dir" + A256GCM JWE made elsewhere with a shared key.
        const { jwe, key } = await request.json();
        const { plaintext, protectedHeader } = await jose.compactDecrypt(jwe, jose.base64url.decode(key));
        const reply = await new jose.CompactEncrypt(enc.encode("reply:" + new TextDecoder().decode(plaintext)))
          .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
          .encrypt(jose.base64url.decode(key));
        return json({ plaintext: new TextDecoder().decode(plaintext), header: protectedHeader, reply });
      }
      return json({ error: "not found" }, 404);
    } catch (e) {
      return json({ error: `${e.name}: ${e.message}`, code: e.code }, 500);
    }
  },
};
