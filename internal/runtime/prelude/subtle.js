// crypto.subtle's key operations (Web Crypto, as Workers has it): the
// algorithm normalization, usage checks and CryptoKey live here; the key
// material and the cryptography live in Go behind a handle.
import ops from "./ops.js";
import { DOMException } from "./domexception.js";
import { isBufferSource, copyBytes } from "./util.js";
import { registerUncloneable } from "./structuredclone.js";

const AES = ["AES-CTR", "AES-CBC", "AES-GCM", "AES-KW"];
const RSA = ["RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP"];
const CIPHERS = ["AES-CTR", "AES-CBC", "AES-GCM", "RSA-OAEP"];
const SIGNERS = ["HMAC", "RSASSA-PKCS1-v1_5", "RSA-PSS", "ECDSA", "Ed25519", "NODE-ED25519"];
const KEYGEN = [...AES, "HMAC", ...RSA, "ECDSA", "ECDH", "Ed25519", "NODE-ED25519", "X25519"];

// Which algorithms each operation accepts ("getKeyLength" is deriveKey's
// question about the derived key's algorithm).
const supported = {
  encrypt: CIPHERS, decrypt: CIPHERS,
  sign: SIGNERS, verify: SIGNERS,
  generateKey: KEYGEN,
  importKey: [...KEYGEN, "HKDF", "PBKDF2"],
  deriveBits: ["ECDH", "X25519", "HKDF", "PBKDF2"],
  wrapKey: ["AES-KW"], unwrapKey: ["AES-KW"],
  getKeyLength: [...AES, "HMAC", "HKDF", "PBKDF2"],
};
const canonicalNames = new Map([...supported.importKey].map((n) => [n.toLowerCase(), n]));
const hashNames = new Map([["sha-1", "SHA-1"], ["sha-256", "SHA-256"], ["sha-384", "SHA-384"], ["sha-512", "SHA-512"]]);

export const USAGES = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];

// The usages a key of each type may have, per algorithm.
function usageMask(name) {
  if (name === "AES-KW") return { secret: ["wrapKey", "unwrapKey"] };
  if (AES.includes(name)) return { secret: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] };
  if (name === "HMAC") return { secret: ["sign", "verify"] };
  if (name === "HKDF" || name === "PBKDF2") return { secret: ["deriveKey", "deriveBits"] };
  if (name === "RSA-OAEP") return { private: ["decrypt", "unwrapKey"], public: ["encrypt", "wrapKey"] };
  if (name === "ECDH" || name === "X25519") return { private: ["deriveKey", "deriveBits"], public: [] };
  return { private: ["sign"], public: ["verify"] };
}

const err = (name, message) => new DOMException(message, name);
const missing = (field, dict = "algorithm") => new TypeError(`Missing field "${field}" in "${dict}".`);

function normalizeHash(hash, field = "hash") {
  const name = typeof hash === "string" ? hash : hash?.name;
  if (name === undefined) throw new TypeError(`Missing field "name" in "${field}".`);
  const norm = hashNames.get(String(name).toLowerCase());
  if (!norm) throw err("NotSupportedError", `Unrecognized hash algorithm name: "${name}".`);
  return norm;
}

function bufferMember(dict, field) {
  const v = dict[field];
  if (!isBufferSource(v)) throw new TypeError(`Field "${field}" in "algorithm" must be an ArrayBuffer or ArrayBufferView.`);
  return copyBytes(v);
}

function intMember(dict, field, max) {
  const n = Number(dict[field]);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new TypeError(`Field "${field}" in "algorithm" must be an integer between 0 and ${max}.`);
  return Math.trunc(n);
}

// normalize implements Web Crypto's "normalize an algorithm": the name is
// matched case-insensitively and the op's dictionary members are read once,
// checked and copied into a plain object.
export function normalize(algorithm, op) {
  if (typeof algorithm === "string") algorithm = { name: algorithm };
  if (algorithm === null || typeof algorithm !== "object") throw new TypeError("Algorithm must be a string or an object with a \"name\".");
  if (algorithm.name === undefined) throw missing("name");
  const name = canonicalNames.get(String(algorithm.name).toLowerCase());
  if (!name || !supported[op].includes(name)) throw err("NotSupportedError", `Unrecognized or unimplemented algorithm "${algorithm.name}" for ${op}.`);
  const out = { name };
  const req = (field) => {
    if (algorithm[field] === undefined) throw missing(field);
    return true;
  };
  const opt = (field) => algorithm[field] !== undefined;
  const hash = () => req("hash") && (out.hash = normalizeHash(algorithm.hash));
  switch (op) {
    case "encrypt": case "decrypt": case "wrapKey": case "unwrapKey":
      if (name === "AES-GCM") {
        req("iv") && (out.iv = bufferMember(algorithm, "iv"));
        if (opt("additionalData")) out.additionalData = bufferMember(algorithm, "additionalData");
        if (opt("tagLength")) out.tagLength = intMember(algorithm, "tagLength", 255);
      } else if (name === "AES-CBC") {
        req("iv") && (out.iv = bufferMember(algorithm, "iv"));
      } else if (name === "AES-CTR") {
        req("counter") && (out.counter = bufferMember(algorithm, "counter"));
        req("length") && (out.length = intMember(algorithm, "length", 255));
      } else if (name === "RSA-OAEP" && opt("label")) {
        out.label = bufferMember(algorithm, "label");
      }
      break;
    case "sign": case "verify":
      if (name === "ECDSA") hash();
      if (name === "RSA-PSS") req("saltLength") && (out.saltLength = intMember(algorithm, "saltLength", 2 ** 32 - 1));
      break;
    case "generateKey": case "importKey": case "getKeyLength":
      if (AES.includes(name) && op !== "importKey") req("length") && (out.length = intMember(algorithm, "length", 65535));
      if (name === "HMAC") {
        hash();
        if (opt("length")) out.length = intMember(algorithm, "length", 2 ** 32 - 1);
      }
      if (RSA.includes(name)) {
        hash();
        if (op === "generateKey") {
          req("modulusLength") && (out.modulusLength = intMember(algorithm, "modulusLength", 2 ** 32 - 1));
          req("publicExponent");
          if (!(algorithm.publicExponent instanceof Uint8Array)) throw new TypeError("Field \"publicExponent\" in \"algorithm\" must be a Uint8Array.");
          out.publicExponent = algorithm.publicExponent.slice();
        }
      }
      if (name === "ECDSA" || name === "ECDH" || name === "NODE-ED25519") {
        req("namedCurve") && (out.namedCurve = String(algorithm.namedCurve));
        if (name === "NODE-ED25519" && out.namedCurve !== "NODE-ED25519") throw err("NotSupportedError", `Unrecognized namedCurve "${out.namedCurve}" for NODE-ED25519.`);
        if (name !== "NODE-ED25519" && !["P-256", "P-384", "P-521"].includes(out.namedCurve)) throw err("NotSupportedError", `Unsupported namedCurve "${out.namedCurve}".`);
      }
      break;
    case "deriveBits":
      if (name === "ECDH" || name === "X25519") {
        req("public");
        if (!(algorithm.public instanceof CryptoKey)) throw new TypeError("Field \"public\" in \"algorithm\" must be a CryptoKey.");
        out.public = algorithm.public;
      } else {
        hash();
        req("salt") && (out.salt = bufferMember(algorithm, "salt"));
        if (name === "HKDF") req("info") && (out.info = bufferMember(algorithm, "info"));
        else req("iterations") && (out.iterations = intMember(algorithm, "iterations", 2 ** 32 - 1));
      }
      break;
  }
  return out;
}

// ---- CryptoKey ----

const kToken = Symbol("CryptoKey");
const registry = new FinalizationRegistry((handle) => ops.subtleRelease(handle));
let slotsOf;

export class CryptoKey {
  #handle;
  #type;
  #extractable;
  #algorithm; // ours, for checks
  #publicAlgorithm; // what the `algorithm` getter returns
  #usages;
  #publicUsages;
  constructor(token, handle, type, extractable, algorithm, usages) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#handle = handle;
    this.#type = type;
    this.#extractable = extractable;
    this.#algorithm = algorithm;
    this.#usages = USAGES.filter((u) => usages.includes(u));
    registry.register(this, handle);
  }
  get type() { return this.#type; }
  get extractable() { return this.#extractable; }
  get algorithm() {
    this.#publicAlgorithm ??= cloneAlgorithm(this.#algorithm);
    return this.#publicAlgorithm;
  }
  get usages() {
    this.#publicUsages ??= [...this.#usages];
    return this.#publicUsages;
  }
  static {
    slotsOf = (key) => ({ handle: key.#handle, type: key.#type, extractable: key.#extractable, algorithm: key.#algorithm, usages: key.#usages });
  }
}
Object.defineProperty(CryptoKey.prototype, Symbol.toStringTag, { value: "CryptoKey", configurable: true });
for (const k of ["type", "extractable", "algorithm", "usages"]) {
  Object.defineProperty(CryptoKey.prototype, k, { ...Object.getOwnPropertyDescriptor(CryptoKey.prototype, k), enumerable: true });
}

// Keys cannot be cloned here: their material is per instance.
registerUncloneable(CryptoKey);

function cloneAlgorithm(a) {
  const out = { ...a };
  if (a.hash) out.hash = { name: a.hash.name };
  if (a.publicExponent) out.publicExponent = a.publicExponent.slice();
  return out;
}

function slots(key, what = "key") {
  if (!(key instanceof CryptoKey)) throw new TypeError(`Parameter "${what}" must be a CryptoKey.`);
  return slotsOf(key);
}

// The KeyAlgorithm dictionary a new key reports.
function keyAlgorithm(alg, info) {
  const name = alg.name;
  if (AES.includes(name)) return { name, length: info.length };
  if (name === "HMAC") return { name, length: alg.length ?? info.length, hash: { name: alg.hash } };
  if (RSA.includes(name)) return { name, modulusLength: info.modulusLength, publicExponent: info.publicExponent, hash: { name: alg.hash } };
  if (name === "ECDSA" || name === "ECDH") return { name, namedCurve: info.namedCurve ?? alg.namedCurve };
  if (name === "NODE-ED25519") return { name, namedCurve: "NODE-ED25519" };
  return { name };
}

function makeKey(info, alg, extractable, usages) {
  return new CryptoKey(kToken, info.handle, info.type, info.type === "public" ? true : extractable, keyAlgorithm(alg, info), usages);
}

// checkUsages validates requested usages against what a key of `type`
// may do (SyntaxError, as the spec says).
function checkUsages(name, type, usages, what) {
  const allowed = usageMask(name)[type] ?? [];
  for (const u of usages) {
    if (!allowed.includes(u)) throw err("SyntaxError", `Attempt to ${what} ${name} key with invalid usage "${u}".`);
  }
  if ((type === "secret" || type === "private") && usages.length === 0) {
    throw err("SyntaxError", "Usages cannot be empty when creating a key.");
  }
}

function usageList(usages) {
  if (usages === null || typeof usages !== "object" || typeof usages[Symbol.iterator] !== "function") {
    throw new TypeError("Key usages must be an array of strings.");
  }
  const list = [...usages].map(String);
  for (const u of list) {
    if (!USAGES.includes(u)) throw new TypeError(`"${u}" is not a valid key usage.`);
  }
  return [...new Set(list)];
}

// checkKey is the spec's "the key's algorithm must be the operation's and
// the key must allow the usage" (InvalidAccessError).
function checkKey(key, name, usage, what = "key") {
  const s = slots(key, what);
  if (s.algorithm.name !== name) {
    throw err("InvalidAccessError", `Requested algorithm "${name}" does not match this CryptoKey's algorithm "${s.algorithm.name}".`);
  }
  if (!s.usages.includes(usage)) {
    throw err("InvalidAccessError", `Requested key usage "${usage}" does not match any usage listed in this CryptoKey.`);
  }
  return s;
}

function dataArg(data, what = "data") {
  if (!isBufferSource(data)) throw new TypeError(`Parameter "${what}" must be an ArrayBuffer or ArrayBufferView.`);
  return copyBytes(data);
}

// The parameters the Go op gets: the operation's dictionary plus the key's hash.
function opParams(alg, s) {
  const p = { ...alg };
  if (!p.hash && s.algorithm.hash) p.hash = s.algorithm.hash.name;
  delete p.public;
  return p;
}

function checkArgs(method, args, n) {
  if (args.length < n) {
    throw new TypeError(`Failed to execute '${method}' on 'SubtleCrypto': ${n} arguments required, but only ${args.length} present.`);
  }
}

// ---- the operations ----

function cipher(op, args) {
  checkArgs(op, args, 3);
  const [algorithm, key, data] = args;
  const alg = normalize(algorithm, op);
  const bytes = dataArg(data);
  const s = checkKey(key, alg.name, op);
  return ops.subtleRun(op, alg.name, s.handle, opParams(alg, s), bytes);
}

function sign(args) {
  checkArgs("sign", args, 3);
  const [algorithm, key, data] = args;
  const alg = normalize(algorithm, "sign");
  const bytes = dataArg(data);
  const s = checkKey(key, alg.name, "sign");
  return ops.subtleRun("sign", alg.name, s.handle, opParams(alg, s), bytes);
}

function verify(args) {
  checkArgs("verify", args, 4);
  const [algorithm, key, signature, data] = args;
  const alg = normalize(algorithm, "verify");
  const p = { signature: dataArg(signature, "signature") };
  const bytes = dataArg(data);
  const s = checkKey(key, alg.name, "verify");
  return ops.subtleRun("verify", alg.name, s.handle, { ...opParams(alg, s), ...p }, bytes);
}

function deriveBitsWith(alg, s, length) {
  const p = opParams(alg, s);
  if (length !== null && length !== undefined) p.length = Math.trunc(Number(length));
  if (alg.public) {
    const pub = slotsOf(alg.public);
    if (pub.type !== "public") throw err("InvalidAccessError", "The \"public\" key of ECDH must be a public key.");
    if (pub.algorithm.name !== s.algorithm.name) {
      throw err("InvalidAccessError", `The public key's algorithm "${pub.algorithm.name}" does not match the base key's "${s.algorithm.name}".`);
    }
    if (pub.algorithm.namedCurve !== s.algorithm.namedCurve) {
      throw err("InvalidAccessError", `The public key's curve "${pub.algorithm.namedCurve}" does not match the base key's "${s.algorithm.namedCurve}".`);
    }
    p.publicHandle = pub.handle;
  }
  return ops.subtleRun("deriveBits", alg.name, s.handle, p, undefined);
}

function deriveBits(args) {
  checkArgs("deriveBits", args, 2);
  const [algorithm, baseKey, length = null] = args;
  const alg = normalize(algorithm, "deriveBits");
  const s = checkKey(baseKey, alg.name, "deriveBits", "baseKey");
  return deriveBitsWith(alg, s, length);
}

// getKeyLength is the spec's step of deriveKey: how many bits to derive.
function getKeyLength(alg) {
  if (AES.includes(alg.name)) {
    if (![128, 192, 256].includes(alg.length)) throw err("OperationError", `Derived AES key must be 128, 192, or 256 bits in length but provided ${alg.length}.`);
    return alg.length;
  }
  if (alg.name === "HMAC") {
    if (alg.length !== undefined) {
      if (alg.length === 0) throw new TypeError("HMAC key length must be a non-zero unsigned long integer.");
      return alg.length;
    }
    return alg.hash === "SHA-384" || alg.hash === "SHA-512" ? 1024 : 512;
  }
  return null;
}

function deriveKey(args) {
  checkArgs("deriveKey", args, 5);
  const [algorithm, baseKey, derivedKeyType, extractable, usages] = args;
  const alg = normalize(algorithm, "deriveBits");
  const lengthAlg = normalize(derivedKeyType, "getKeyLength");
  normalize(derivedKeyType, "importKey");
  const s = checkKey(baseKey, alg.name, "deriveKey", "baseKey");
  const bits = deriveBitsWith(alg, s, getKeyLength(lengthAlg));
  return importKey(["raw", bits, derivedKeyType, extractable, usages]);
}

const FORMATS = ["raw", "pkcs8", "spki", "jwk"];

// workerd takes the format as a plain string, so an unknown one is
// NotSupportedError rather than WebIDL's TypeError.
function formatArg(format, what = "import") {
  const f = String(format);
  if (!FORMATS.includes(f)) throw err("NotSupportedError", `Unrecognized key ${what} format "${f}".`);
  return f;
}

// The JWK "alg" each algorithm's keys carry (null: none is set).
function jwkAlg(a) {
  const bits = (h) => h.slice(4);
  switch (a.name) {
    case "AES-GCM": return `A${a.length}GCM`;
    case "AES-CBC": return `A${a.length}CBC`;
    case "AES-CTR": return `A${a.length}CTR`;
    case "AES-KW": return `A${a.length}KW`;
    case "HMAC": return a.hash.name === "SHA-1" ? "HS1" : `HS${bits(a.hash.name)}`;
    case "RSASSA-PKCS1-v1_5": return a.hash.name === "SHA-1" ? "RS1" : `RS${bits(a.hash.name)}`;
    case "RSA-PSS": return a.hash.name === "SHA-1" ? "PS1" : `PS${bits(a.hash.name)}`;
    case "RSA-OAEP": return a.hash.name === "SHA-1" ? "RSA-OAEP" : `RSA-OAEP-${bits(a.hash.name)}`;
    case "ECDSA": return { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" }[a.namedCurve];
    case "Ed25519": case "NODE-ED25519": return "EdDSA";
  }
  return null;
}

const SIG_ALGS = ["HMAC", "RSASSA-PKCS1-v1_5", "RSA-PSS", "ECDSA", "Ed25519", "NODE-ED25519"];

function checkJWK(jwk, name, extractable, usages) {
  if (typeof jwk.kty !== "string") throw err("DataError", "Invalid JWK: missing field \"kty\".");
  if (jwk.use !== undefined) {
    const want = SIG_ALGS.includes(name) ? "sig" : "enc";
    if (jwk.use !== want) throw err("DataError", `JWK "use" must be "${want}" for ${name} but is "${jwk.use}".`);
  }
  if (jwk.key_ops !== undefined) {
    if (!Array.isArray(jwk.key_ops)) throw err("DataError", "JWK \"key_ops\" must be an array.");
    for (const u of usages) {
      if (!jwk.key_ops.includes(u)) throw err("DataError", `JWK "key_ops" does not allow the requested usage "${u}".`);
    }
  }
  if (jwk.ext === false && extractable) throw err("DataError", "JWK \"ext\" is false but an extractable key was requested.");
}

function importKey(args) {
  checkArgs("importKey", args, 5);
  const [formatIn, keyData, algorithm, extractableIn, usagesIn] = args;
  const format = formatArg(formatIn);
  const alg = normalize(algorithm, "importKey");
  const extractable = Boolean(extractableIn);
  const usages = usageList(usagesIn);
  const name = alg.name;
  const family = AES.includes(name) || name === "HMAC" || name === "HKDF" || name === "PBKDF2" ? "secret" : RSA.includes(name) ? "RSA" : "asym";
  let data;
  if (format === "jwk") {
    if (keyData === null || typeof keyData !== "object" || isBufferSource(keyData)) throw new TypeError("JWK key data must be an object.");
    data = keyData;
  } else {
    if (!isBufferSource(keyData)) throw new TypeError("Key data must be an ArrayBuffer or ArrayBufferView.");
    data = copyBytes(keyData);
  }
  const allowed = family === "secret" ? (name === "HKDF" || name === "PBKDF2" ? ["raw"] : ["raw", "jwk"]) : family === "RSA" ? ["spki", "pkcs8", "jwk"] : FORMATS;
  if (!allowed.includes(format)) throw err("NotSupportedError", `Unsupported key import format "${format}" for ${name}.`);
  if ((name === "HKDF" || name === "PBKDF2") && extractable) throw err("SyntaxError", `${name} keys cannot be extractable.`);
  const type = family === "secret" ? "secret" : format === "pkcs8" || (format === "jwk" && data.d !== undefined) ? "private" : "public";
  checkUsages(name, type, usages, `import ${type}`);
  if (format === "jwk") checkJWK(data, name, extractable, usages);
  const curve = name === "NODE-ED25519" ? "" : alg.namedCurve ?? "";
  const info = ops.subtleImport(format, name, curve, format === "jwk" ? JSON.stringify(data) : data);
  try {
    if (name === "HMAC" && alg.length !== undefined && (alg.length > info.length || alg.length <= info.length - 8)) {
      throw err("DataError", `HMAC "length" ${alg.length} does not match the key's ${info.length} bits.`);
    }
    if (format === "jwk" && data.alg !== undefined) {
      const want = jwkAlg(keyAlgorithm(alg, info));
      const ok = want === null || data.alg === want || (want === "EdDSA" && data.alg === "Ed25519");
      if (!ok) throw err("DataError", `JWK "alg" "${data.alg}" does not match the algorithm (expected "${want}").`);
    }
    return makeKey(info, alg, extractable, usages);
  } catch (e) {
    ops.subtleRelease(info.handle);
    throw e;
  }
}

function exportKey(args) {
  checkArgs("exportKey", args, 2);
  const format = formatArg(args[0], "export");
  const s = slots(args[1]);
  if (!s.extractable) throw err("InvalidAccessError", "Key is not extractable.");
  const name = s.algorithm.name;
  if (s.type === "secret" && format !== "raw" && format !== "jwk") throw err("NotSupportedError", `Unsupported key export format "${format}" for ${name}.`);
  if (s.type === "public" && (format === "pkcs8" || (format === "raw" && RSA.includes(name)))) {
    throw err(format === "raw" ? "NotSupportedError" : "InvalidAccessError", `A public ${name} key cannot be exported as ${format}.`);
  }
  if (s.type === "private" && (format === "raw" || format === "spki")) throw err("InvalidAccessError", `A private ${name} key cannot be exported as ${format}.`);
  const out = ops.subtleExport(format, s.handle);
  if (format !== "jwk") return out;
  const jwk = JSON.parse(out);
  const alg = jwkAlg(s.algorithm);
  // workerd sets no "alg" on exported EC and NODE-ED25519 keys.
  if (alg && name !== "ECDSA" && name !== "NODE-ED25519") jwk.alg = alg;
  jwk.key_ops = [...s.usages];
  jwk.ext = s.extractable;
  return jwk;
}

async function generateKey(args) {
  checkArgs("generateKey", args, 3);
  const [algorithm, extractableIn, usagesIn] = args;
  const alg = normalize(algorithm, "generateKey");
  const extractable = Boolean(extractableIn);
  const usages = usageList(usagesIn);
  const name = alg.name;
  const mask = usageMask(name);
  const all = [...(mask.secret ?? []), ...(mask.private ?? []), ...(mask.public ?? [])];
  for (const u of usages) {
    if (!all.includes(u)) throw err("SyntaxError", `Attempt to generate ${name} key with invalid usage "${u}".`);
  }
  if (AES.includes(name) && ![128, 192, 256].includes(alg.length)) throw err("OperationError", "AES key length must be 128, 192, or 256 bits.");
  if (name === "HMAC" && alg.length === 0) throw err("OperationError", "HMAC key length must be a non-zero unsigned long integer.");
  const priv = mask.secret ? usages : usages.filter((u) => mask.private.includes(u));
  if (priv.length === 0) throw err("SyntaxError", "Usages cannot be empty when creating a key.");
  const keys = await ops.subtleGenerate(name, alg);
  if (mask.secret) return makeKey(keys.private, alg, extractable, usages);
  return {
    publicKey: makeKey(keys.public, alg, true, usages.filter((u) => mask.public.includes(u))),
    privateKey: makeKey(keys.private, alg, extractable, priv),
  };
}

// wrapAlgorithm normalizes for wrapKey/unwrapKey, falling back to the
// cipher the spec allows (encrypt/decrypt) when the name has no wrap step.
function wrapAlgorithm(algorithm, op, fallback) {
  try {
    return normalize(algorithm, op);
  } catch (e) {
    if (e?.name !== "NotSupportedError") throw e;
    return normalize(algorithm, fallback);
  }
}

function wrapKey(args) {
  checkArgs("wrapKey", args, 4);
  const [format, key, wrappingKey, algorithm] = args;
  const alg = wrapAlgorithm(algorithm, "wrapKey", "encrypt");
  const s = checkKey(wrappingKey, alg.name, "wrapKey", "wrappingKey");
  const exported = exportKey([format, key]);
  const bytes = formatArg(format, "export") === "jwk" ? ops.utf8Encode(JSON.stringify(exported)) : new Uint8Array(exported);
  return ops.subtleRun("encrypt", alg.name, s.handle, opParams(alg, s), bytes);
}

function unwrapKey(args) {
  checkArgs("unwrapKey", args, 7);
  const [format, wrappedKey, unwrappingKey, algorithm, unwrappedKeyAlgorithm, extractable, usages] = args;
  const fmt = formatArg(format);
  const alg = wrapAlgorithm(algorithm, "unwrapKey", "decrypt");
  normalize(unwrappedKeyAlgorithm, "importKey");
  const bytes = dataArg(wrappedKey, "wrappedKey");
  const s = checkKey(unwrappingKey, alg.name, "unwrapKey", "unwrappingKey");
  const clear = ops.subtleRun("decrypt", alg.name, s.handle, opParams(alg, s), bytes);
  let keyData = clear;
  if (fmt === "jwk") {
    try {
      keyData = JSON.parse(ops.utf8Decode(new Uint8Array(clear), true, false));
    } catch {
      throw err("DataError", "The unwrapped key is not a valid JWK.");
    }
  }
  return importKey([fmt, keyData, unwrappedKeyAlgorithm, extractable, usages]);
}

function timingSafeEqual(a, b) {
  if (!isBufferSource(a) || !isBufferSource(b)) throw new TypeError("timingSafeEqual takes two ArrayBuffers or ArrayBufferViews.");
  const x = copyBytes(a);
  const y = copyBytes(b);
  if (x.byteLength !== y.byteLength) throw new TypeError("Input buffers must have the same byte length.");
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

// Every method settles a promise, even for errors thrown while checking
// arguments, as the spec requires, and settles it no earlier than the next
// microtask: the spec does the work "in parallel", so callbacks the caller
// queues right after the call run first.
// length is the method's declared argument count, as in the IDL.
const promised = (fn, length) => {
  const method = function (...args) {
    let result;
    try {
      result = fn(args);
    } catch (e) {
      return Promise.resolve().then(() => { throw e; });
    }
    return Promise.resolve().then(() => result);
  };
  Object.defineProperty(method, "length", { value: length });
  return method;
};

// The SubtleCrypto methods beyond digest; crypto.js puts them on its class.
export const subtleMethods = {
  encrypt: promised((args) => cipher("encrypt", args), 3),
  decrypt: promised((args) => cipher("decrypt", args), 3),
  sign: promised(sign, 3),
  verify: promised(verify, 4),
  generateKey: promised(generateKey, 3),
  deriveKey: promised(deriveKey, 5),
  deriveBits: promised(deriveBits, 2),
  importKey: promised(importKey, 5),
  exportKey: promised(exportKey, 2),
  wrapKey: promised(wrapKey, 4),
  unwrapKey: promised(unwrapKey, 7),
};

// timingSafeEqual is a Workers extension and, unlike the rest, synchronous.
export { timingSafeEqual };
