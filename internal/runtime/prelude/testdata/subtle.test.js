// Made with Node's crypto when these tests were written (node gen): keys,
// and signatures/ciphertexts of them that Outpost must verify or decrypt.
const V = {
 "rsaPkcs8": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC2VbRtnkWBBnJLsklxYBs3EZ+hzj7uuhh7zJQi+FkXg6UkxEQHnQQ60Db2txEszwa0B0vnl0qIXhh2w+F9JEiGOUWVKBJq+OzuExt4l6KEJR24IoRyzg+AilO5xJEOAksup5f4MTTzvCcLySMsIB7FipmqUpO2sgpihVchpckb3qf/5oak4UVrl2mf4myhYQHRI9kBOrcPAN9Va7vLovc9ZanJTe5KUK/XRbymM4iGz8OfCq4pLBlkjOvAs+GVVNT59tABfiwBxwrMbTKUkp/b3CCsCKzsF8X9TrEktkalSp/gdy0Ta+cJtJHRNr07IO6kzKS/Y0U9ROdmntRs5xrVAgMBAAECggEAB28KFg7hf9VhF7Fle9t7ubWu38n/oUVNMYZaouxathaj/e2tru81GJUJmcYiOTKGuTj87r7gYomgs5CXUKvjYevTaKNMrFw/33+JNvil9e0fdmvAIVuK6dPnovVVuOtHKdgjgqS2Xiyw1EUb+VmAd6ssSjzC7D6Nk2hHlMX2o43RXqmXKmoYBRTzSen4hZedNUYTaGcpSJwE+zenMd3EUX3NQWODDuRV4NOFclEOINsBSzW/G1CsKeak8GxNOzZh6XD4UquiF3GWUG/X8uGshlCzHsnwErAeeObOST6TtA3TZxySJJ8vLay+vr9hPpRx2eYML6XoALO7wuws5R5+1wKBgQDhDFg1ypbggynsYPl0r9CyKKO/l47NAA3lg0/Y7/U6uRB6LHkBm6HK6T2LSzNRQkBd3q+Bw263/sVbu8VNulDmbcwKfzWhg2ntHBwG3J2FKVm5GHyi6z3Io4bRaR9/nBfVxuSn7kHsdmEhry+zb5nU/SJKqCaRKz19V9EmC4IyMwKBgQDPaXnCpDN0KMSBPCJPiUDuLmq5Dm6v2QwFj/BHsoEQX+nAXV2XGuJr57RVAz6kWax2N5UIjuemGAUdq1bd3j3S7gdblVOaQsXRyJxN6ktZl2TYpCambhXA5Fu7uvx1W7WYl5f4eesgHNetsTD4Ufry+BvBr0l+T2MN2isRANdG1wKBgC+cdfkDYEIlXbQ1m/D01Tkr4eDBxqNWNJpu2nCx63a9+l9ukzck3ujXyX5zrWqukoGJgCX626yviL9sjURxe3YUmotJ+GWwMLPKM5+8AtNOOT4wkQXCsPKGrhoVnGVZ96zxhCSHAoltTgVbU8MphCkMWLnksywZMswWzRe4bZYDAoGAAOBsQFNbWFFXy0gKyRVGbftKPi/+bcXYFCnwlQz/GKefIE4EuD/H1zbqfzV9TUqHvRQtEBUyi3QsiVyRCG0JC9wvscZmzQ8dMO7NIlMsMFvAdF31P9zVQLR2Ysu+h2x0zwlM/iLdyIv2qWhHUbVe/ynnTCFGiT8ipwtWBUNgpY8CgYEAsgP5TJst6ooeysCvqkitS7vHPejlcx2d/+N2v1xgQI3/xgrDm0aXgdppZP3SkJdZKmsKW/uyb/RT1xCQX/MhZMTwe+8H47wY6Avh8kLi/Ng8yPIhX2EcpS5EtbzkbdJSRSpmqPRva/zHWSU2+sb65peSKxfFRyufNX/OaQpsCm4=",
 "rsaSpki": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtlW0bZ5FgQZyS7JJcWAbNxGfoc4+7roYe8yUIvhZF4OlJMREB50EOtA29rcRLM8GtAdL55dKiF4YdsPhfSRIhjlFlSgSavjs7hMbeJeihCUduCKEcs4PgIpTucSRDgJLLqeX+DE087wnC8kjLCAexYqZqlKTtrIKYoVXIaXJG96n/+aGpOFFa5dpn+JsoWEB0SPZATq3DwDfVWu7y6L3PWWpyU3uSlCv10W8pjOIhs/DnwquKSwZZIzrwLPhlVTU+fbQAX4sAccKzG0ylJKf29wgrAis7BfF/U6xJLZGpUqf4HctE2vnCbSR0Ta9OyDupMykv2NFPUTnZp7UbOca1QIDAQAB",
 "rsaJwk": {
  "kty": "RSA",
  "n": "tlW0bZ5FgQZyS7JJcWAbNxGfoc4-7roYe8yUIvhZF4OlJMREB50EOtA29rcRLM8GtAdL55dKiF4YdsPhfSRIhjlFlSgSavjs7hMbeJeihCUduCKEcs4PgIpTucSRDgJLLqeX-DE087wnC8kjLCAexYqZqlKTtrIKYoVXIaXJG96n_-aGpOFFa5dpn-JsoWEB0SPZATq3DwDfVWu7y6L3PWWpyU3uSlCv10W8pjOIhs_DnwquKSwZZIzrwLPhlVTU-fbQAX4sAccKzG0ylJKf29wgrAis7BfF_U6xJLZGpUqf4HctE2vnCbSR0Ta9OyDupMykv2NFPUTnZp7UbOca1Q",
  "e": "AQAB",
  "d": "B28KFg7hf9VhF7Fle9t7ubWu38n_oUVNMYZaouxathaj_e2tru81GJUJmcYiOTKGuTj87r7gYomgs5CXUKvjYevTaKNMrFw_33-JNvil9e0fdmvAIVuK6dPnovVVuOtHKdgjgqS2Xiyw1EUb-VmAd6ssSjzC7D6Nk2hHlMX2o43RXqmXKmoYBRTzSen4hZedNUYTaGcpSJwE-zenMd3EUX3NQWODDuRV4NOFclEOINsBSzW_G1CsKeak8GxNOzZh6XD4UquiF3GWUG_X8uGshlCzHsnwErAeeObOST6TtA3TZxySJJ8vLay-vr9hPpRx2eYML6XoALO7wuws5R5-1w",
  "p": "4QxYNcqW4IMp7GD5dK_Qsiijv5eOzQAN5YNP2O_1OrkQeix5AZuhyuk9i0szUUJAXd6vgcNut_7FW7vFTbpQ5m3MCn81oYNp7RwcBtydhSlZuRh8ous9yKOG0Wkff5wX1cbkp-5B7HZhIa8vs2-Z1P0iSqgmkSs9fVfRJguCMjM",
  "q": "z2l5wqQzdCjEgTwiT4lA7i5quQ5ur9kMBY_wR7KBEF_pwF1dlxria-e0VQM-pFmsdjeVCI7nphgFHatW3d490u4HW5VTmkLF0cicTepLWZdk2KQmpm4VwORbu7r8dVu1mJeX-HnrIBzXrbEw-FH68vgbwa9Jfk9jDdorEQDXRtc",
  "dp": "L5x1-QNgQiVdtDWb8PTVOSvh4MHGo1Y0mm7acLHrdr36X26TNyTe6NfJfnOtaq6SgYmAJfrbrK-Iv2yNRHF7dhSai0n4ZbAws8ozn7wC0045PjCRBcKw8oauGhWcZVn3rPGEJIcCiW1OBVtTwymEKQxYueSzLBkyzBbNF7htlgM",
  "dq": "4GxAU1tYUVfLSArJFUZt-0o-L_5txdgUKfCVDP8Yp58gTgS4P8fXNup_NX1NSoe9FC0QFTKLdCyJXJEIbQkL3C-xxmbNDx0w7s0iUywwW8B0XfU_3NVAtHZiy76HbHTPCUz-It3Ii_apaEdRtV7_KedMIUaJPyKnC1YFQ2Cljw",
  "qi": "sgP5TJst6ooeysCvqkitS7vHPejlcx2d_-N2v1xgQI3_xgrDm0aXgdppZP3SkJdZKmsKW_uyb_RT1xCQX_MhZMTwe-8H47wY6Avh8kLi_Ng8yPIhX2EcpS5EtbzkbdJSRSpmqPRva_zHWSU2-sb65peSKxfFRyufNX_OaQpsCm4"
 },
 "rs256": "TNX6EV9NQNYUQ64FejxdQkNFLjWPBhINxP1ouCo2axbt/O3gKtKABUHoERINjTq0+VqKNl/WITx87DHWf0u/8Rkz6Ot9assXdqLjFvzIvm6Mzi3sghArvW76yY1R7k+FZnwHmnRscFlxIAbLKFzDOc506ycehCd8m0QdsMzq70ecpq6jROuayVcCjHD4LLoaO1xzJ2Hy42933QonxZKW5QxvdHJ8eg+wl9w5IIcXR0g23dSN3UlURMwUFJWmUQnQT6IiHEmbqQZhqlHCmD8OKbi1k+gkyI4xqZChz+mfWvUANPLMjZe/ty/93u1Wxjqs2DT3CDl04Ytp6enPyh5aYQ==",
 "ps256": "iJuxr6aLMfuSHaY9PA38VzVqZ7j0vOLJIbEDKGSml4KU1xgvXTaxgBGsOG2mmlQw6VgpNh2pG4PXulijmvWQitgMG12zqcVMEfML8uABjptUhC5j1hkfEHqKf8TlSA/WnyBicRw8TWp6/flg4UiNlGGDGqPRVpP0qLXDE8vqRWUjaIkMuy7V8NYk9YkFeNGCc3t1PRJdboApSdyWkDKcFmmXLSrol/0CXU+3tEDnZs/o1I/Vk1WqsNoC9IgFcrqDnnWTDTosWZJns67yLo1OepNP/x2W91gyR3VCvwYnREX7f3HvH+hG5hfiPF8J7R7Vo5bA6PrLSkEnodgIYX77sw==",
 "oaep": "U5LR7rcs2zuNZ5bsCx9NV1ADcr0KGGssniRID9WBEQhbuWBNhoUM5Z1wIaxqPazFIuNowX26TAP63RFYsS8+B3+Ya7PzyS23yk7wCRPD7l8psoNa9YgYqaKQM6ahu8eIK+CxA27M4BW7IvGVcU/B4lyPeaxzQtkJ9yInZXOrDEA7aWzMgeYQjFE9+VSGc3XMDPgysfkefSeklvzxvJfMxKYZ20agW3NfvR/MGMfA12TeHZpX6JciYApyrHF66gdZNl/rtWuC/LZQ4KsZMMDPUT/tLBs2KtCMlZ52YCh/NWw7V5kG3Uw/KirPgZGhaEn+9iuLwuCoMq429L1PyVCb/w==",
 "ecdh": {
  "aPkcs8": "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSOKnOSWTiSjd2fV0c0VhJc0Hm5jaFTUpKsUr1jwNZMWhRANCAASLeBl8Cv/AJjJvk434VnvunSs1gifqgDFQrIj7KSCHaXfwdYDwbafpkDBh0zRCSfhkDSRvFK4ZTzshjau4c9vz",
  "bSpki": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAES5UMBSOYmGBWBdBG3/Z4vt3PgDYtRdwthmkxpepH8uZGhCaq7saqswBa3wM0JS1Hq9hnfW4Bm/7K9JuyuRbUxg==",
  "shared": "1da57bdbe189a72244bca1afce7834c632a69a4572c4daedad69d9b51f8e3ad4"
 },
 "cbc": "3f619c6faefed52c801aa3d5ffd7997860d9b12a37c6847cd0c17b79579ad0b22f09b772b4c6573c46d349c9d82d30b6",
 "ctrFull": "682c7a12bf72eb400ff7c0eb6127d533a0ce4317edfa36f21c6fee14c4baf80d1b2333f9f4bacd3e2d14da",
 "ctr64": "31fe1310df8a826439f234d6fd846eb9079490de3444eea649d3649cc35d96a783403ae47d528d280660e0",
 "P-256": {
  "pkcs8": "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgL0bG0bKEkFtduQA78WxcFqgHE/uGPRQRofkSpYSDemuhRANCAATP3GFXMoAyyFTFeds9kJKJbegWd4fuuNVWIIg0Jp5QPrnvtLKpdLNhu4okx1SQRfsJcHpuxzlGf5lClY1Nwidl",
  "spki": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEz9xhVzKAMshUxXnbPZCSiW3oFneH7rjVViCINCaeUD6577SyqXSzYbuKJMdUkEX7CXB6bsc5Rn+ZQpWNTcInZQ==",
  "jwk": {
   "kty": "EC",
   "x": "z9xhVzKAMshUxXnbPZCSiW3oFneH7rjVViCINCaeUD4",
   "y": "ue-0sql0s2G7iiTHVJBF-wlwem7HOUZ_mUKVjU3CJ2U",
   "crv": "P-256",
   "d": "L0bG0bKEkFtduQA78WxcFqgHE_uGPRQRofkSpYSDems"
  },
  "sig": "KZzchE5Nnq6+4nMi7zhuFGSYl01r0OGsjyskvi0jtfDY1I6WwOvGxZxnncvbALHCNU3YvAaxRhihJnOagl+EsA=="
 },
 "P-384": {
  "pkcs8": "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDBxNz7xbMs7WDF/xWoRsV0TTBq/24Pr0TFMiMPXITWmcD0spDXHwmrdp/v35+pSTsyhZANiAARMgNeaCHkUJSbgDtvXQVyKtWK7xxipKlxFBXXNVoput4sEetn+J47ZKDe9GGYP1y3BWZnBByjVITKus/wgRjrntXhMvLTZqsSIw5Fz3IAcEGAAVw/4xvzXO+r0miNkF7I=",
  "spki": "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAETIDXmgh5FCUm4A7b10FcirViu8cYqSpcRQV1zVaKbreLBHrZ/ieO2Sg3vRhmD9ctwVmZwQco1SEyrrP8IEY657V4TLy02arEiMORc9yAHBBgAFcP+Mb81zvq9JojZBey",
  "jwk": {
   "kty": "EC",
   "x": "TIDXmgh5FCUm4A7b10FcirViu8cYqSpcRQV1zVaKbreLBHrZ_ieO2Sg3vRhmD9ct",
   "y": "wVmZwQco1SEyrrP8IEY657V4TLy02arEiMORc9yAHBBgAFcP-Mb81zvq9JojZBey",
   "crv": "P-384",
   "d": "cTc-8WzLO1gxf8VqEbFdE0wav9uD69ExTIjD1yE1pnA9LKQ1x8Jq3af79-fqUk7M"
  },
  "sig": "BQnqwUvl5gH0I+LWWaY/KmW8s6JEcg4Nw/kp+yAMpUu7Cq2wGVaU1Kh3PNMYzn5xjovw0cjourDDwcuOHHHu/aswp01AVuE1ZrjbY+4ovk+p+wOQdzGfCJAg+aBjGo0D"
 },
 "P-521": {
  "pkcs8": "MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIBI6razLnW7/dvp1oN/XuCNatYmi20TFKUynMWttJyaG521HAV5QjIA4vOaL6Y3DzEFu6QlhKvuo3bGLMU503iVZyhgYkDgYYABAH5eJHhVFRZ3V+2hwjAeyhKVCPdFXgPMx08NFpNLjA6nDqKa4G39gwDyVKeElFLUtbMj6N/LxcAva4Rp/IseS0ObgFObhuaXwm9YiLM/zieRxwpMSpLoBRjNUyhpWJvlUp5BJ0h0/YE1lxN0R+CBrZc5d4i/r4Xhbpd0TZbqTRy3hMJ+g==",
  "spki": "MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQB+XiR4VRUWd1ftocIwHsoSlQj3RV4DzMdPDRaTS4wOpw6imuBt/YMA8lSnhJRS1LWzI+jfy8XAL2uEafyLHktDm4BTm4bml8JvWIizP84nkccKTEqS6AUYzVMoaVib5VKeQSdIdP2BNZcTdEfgga2XOXeIv6+F4W6XdE2W6k0ct4TCfo=",
  "jwk": {
   "kty": "EC",
   "x": "Afl4keFUVFndX7aHCMB7KEpUI90VeA8zHTw0Wk0uMDqcOoprgbf2DAPJUp4SUUtS1syPo38vFwC9rhGn8ix5LQ5u",
   "y": "AU5uG5pfCb1iIsz_OJ5HHCkxKkugFGM1TKGlYm-VSnkEnSHT9gTWXE3RH4IGtlzl3iL-vheFul3RNlupNHLeEwn6",
   "crv": "P-521",
   "d": "ASOq2sy51u_3b6daDf17gjWrWJottExSlMpzFrbScmhudtRwFeUIyAOLzmi-mNw8xBbukJYSr7qN2xizFOdN4lWc"
  },
  "sig": "AXvsOuS9DS0shA8h8ULc5ln2Bztw1y5CzRk80Rm6vhcgMlkKqYNutkKmvxWQwI0XDmO39H9exDw9hsb2qJeYV/26AMjZU9kd/xL0rNiMHEmSvzEf+WM9Fi/LKIk8jCiTYJ4fxrVM66JAp+fqWzljuuq3viJU7vALs1jgoB9R4VaZ5aMj"
 }
};

const subtle = crypto.subtle;
const te = new TextEncoder();
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const rep = (byte, n) => new Uint8Array(n).fill(byte);

// ---- HMAC (RFC 4231) ----

test("HMAC RFC 4231 test cases 1 and 2", async () => {
  const k1 = await subtle.importKey("raw", rep(0x0b, 20), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  assert.equal(hex(await subtle.sign("HMAC", k1, te.encode("Hi There"))), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  const k512 = await subtle.importKey("raw", rep(0x0b, 20), { name: "hmac", hash: { name: "sha-512" } }, false, ["sign"]);
  assert.equal(hex(await subtle.sign({ name: "HMAC" }, k512, te.encode("Hi There"))), "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
  const k2 = await subtle.importKey("raw", te.encode("Jefe"), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  assert.equal(await subtle.verify("HMAC", k2, unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"), te.encode("what do ya want for nothing?")), true);
  assert.equal(await subtle.verify("HMAC", k2, unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3844"), te.encode("what do ya want for nothing?")), false);
});

test("HMAC key algorithm, default length and JWK round trip", async () => {
  const k = await subtle.generateKey({ name: "HMAC", hash: "SHA-384" }, true, ["verify", "sign", "sign"]);
  assert.equal(k.type, "secret");
  assert.deepEqual(k.algorithm, { name: "HMAC", length: 1024, hash: { name: "SHA-384" } });
  assert.deepEqual(k.usages, ["sign", "verify"]);
  assert.equal(k.algorithm, k.algorithm, "algorithm is the same object each time");
  const jwk = await subtle.exportKey("jwk", k);
  assert.equal(jwk.kty, "oct");
  assert.equal(jwk.alg, "HS384");
  assert.deepEqual(jwk.key_ops, ["sign", "verify"]);
  assert.equal(jwk.ext, true);
  const k2 = await subtle.importKey("jwk", jwk, { name: "HMAC", hash: "SHA-384" }, false, ["sign"]);
  const msg = te.encode("m");
  assert.equal(hex(await subtle.sign("HMAC", k, msg)), hex(await subtle.sign("HMAC", k2, msg)));
  assert.equal((await subtle.exportKey("raw", k)).byteLength, 128);
  await assert.rejects(subtle.importKey("jwk", { ...jwk, alg: "HS256" }, { name: "HMAC", hash: "SHA-384" }, false, ["sign"]), { name: "DataError" });
  await assert.rejects(subtle.importKey("jwk", { ...jwk, key_ops: ["verify"] }, { name: "HMAC", hash: "SHA-384" }, false, ["sign"]), { name: "DataError" });
  await assert.rejects(subtle.importKey("jwk", { ...jwk, ext: false }, { name: "HMAC", hash: "SHA-384" }, true, ["sign"]), { name: "DataError" });
  await assert.rejects(subtle.importKey("jwk", { ...jwk, use: "enc" }, { name: "HMAC", hash: "SHA-384" }, false, ["sign"]), { name: "DataError" });
  await assert.rejects(subtle.importKey("jwk", { ...jwk, kty: "RSA" }, { name: "HMAC", hash: "SHA-384" }, false, ["sign"]), { name: "DataError" });
});

// ---- HKDF (RFC 5869) and PBKDF2 (RFC 6070) ----

test("HKDF RFC 5869 test case 1, deriveBits and deriveKey", async () => {
  const ikm = await subtle.importKey("raw", rep(0x0b, 22), "HKDF", false, ["deriveBits", "deriveKey"]);
  const params = { name: "HKDF", hash: "SHA-256", salt: unhex("000102030405060708090a0b0c"), info: unhex("f0f1f2f3f4f5f6f7f8f9") };
  const okm = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865";
  assert.equal(hex(await subtle.deriveBits(params, ikm, 42 * 8)), okm);
  const aes = await subtle.deriveKey(params, ikm, { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
  assert.equal(hex(await subtle.exportKey("raw", aes)), okm.slice(0, 32));
  assert.deepEqual(aes.algorithm, { name: "AES-GCM", length: 128 });
  await assert.rejects(subtle.deriveBits(params, ikm, null), { name: "OperationError" });
  await assert.rejects(subtle.deriveBits(params, ikm, 7), { name: "OperationError" });
  await assert.rejects(subtle.deriveBits({ ...params, info: undefined }, ikm, 128), { name: "TypeError", message: 'Missing field "info" in "algorithm".' });
  await assert.rejects(subtle.deriveKey(params, ikm, { name: "AES-GCM", length: 100 }, true, ["encrypt"]), { name: "OperationError" });
  await assert.rejects(subtle.importKey("raw", rep(1, 4), "HKDF", true, ["deriveBits"]), { name: "SyntaxError" });
  await assert.rejects(subtle.exportKey("raw", ikm), { name: "InvalidAccessError", message: "Key is not extractable." });
});

test("PBKDF2 RFC 6070 vectors and the Workers iteration limit", async () => {
  const pw = await subtle.importKey("raw", te.encode("password"), { name: "PBKDF2" }, false, ["deriveBits"]);
  const run = (iterations) => subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: te.encode("salt"), iterations }, pw, 160).then(hex);
  assert.equal(await run(1), "0c60c80f961f0e71f3a9b524af6012062fe037a6");
  assert.equal(await run(2), "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
  assert.equal(await run(4096), "4b007901b765489abead49d926f721d065a429c1");
  await assert.rejects(run(0), { name: "OperationError" });
  await assert.rejects(run(100001), { name: "NotSupportedError" });
  await assert.rejects(subtle.importKey("jwk", { kty: "oct", k: "AA" }, "PBKDF2", false, ["deriveBits"]), { name: "NotSupportedError" });
});

// ---- AES ----

test("AES-GCM NIST test cases 3 and 4", async () => {
  const key = await subtle.importKey("raw", unhex("feffe9928665731c6d6a8f9467308308"), "AES-GCM", true, ["encrypt", "decrypt"]);
  const iv = unhex("cafebabefacedbaddecaf888");
  const p = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
  const c = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985";
  assert.equal(hex(await subtle.encrypt({ name: "AES-GCM", iv }, key, unhex(p))), c + "4d5c2af327cd64a62cf35abd2ba6fab4");
  const aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const c4 = c.slice(0, 120) + "5bc94fbc3221a5db94fae95ae7121a47";
  assert.equal(hex(await subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad }, key, unhex(p.slice(0, 120)))), c4);
  assert.equal(hex(await subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad }, key, unhex(c4))), p.slice(0, 120));
  const bad = unhex(c4);
  bad[0] ^= 1;
  await assert.rejects(subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad }, key, bad), { name: "OperationError" });
  const short = await subtle.encrypt({ name: "AES-GCM", iv, tagLength: 96 }, key, unhex(p));
  assert.equal(short.byteLength, 64 + 12);
  await assert.rejects(subtle.encrypt({ name: "AES-GCM", iv, tagLength: 33 }, key, unhex(p)), { name: "OperationError" });
  await assert.rejects(subtle.encrypt({ name: "AES-GCM" }, key, unhex(p)), { name: "TypeError", message: 'Missing field "iv" in "algorithm".' });
  assert.deepEqual(await subtle.exportKey("jwk", key), { kty: "oct", k: "_v_pkoZlcxxtao-UZzCDCA", alg: "A128GCM", key_ops: ["encrypt", "decrypt"], ext: true });
});

test("AES-CBC and AES-CTR against Node's output", async () => {
  const raw = unhex("000102030405060708090a0b0c0d0e0f");
  const msg = te.encode("The quick brown fox jumps over the lazy dog");
  const cbc = await subtle.importKey("raw", raw, "AES-CBC", false, ["encrypt", "decrypt"]);
  const iv = unhex("101112131415161718191a1b1c1d1e1f");
  assert.equal(hex(await subtle.encrypt({ name: "AES-CBC", iv }, cbc, msg)), V.cbc);
  assert.deepEqual(new Uint8Array(await subtle.decrypt({ name: "AES-CBC", iv }, cbc, unhex(V.cbc))), msg);
  await assert.rejects(subtle.decrypt({ name: "AES-CBC", iv }, cbc, unhex(V.cbc).slice(0, 20)), { name: "OperationError" });
  await assert.rejects(subtle.encrypt({ name: "AES-CBC", iv: iv.slice(1) }, cbc, msg), { name: "OperationError" });
  const ctr = await subtle.importKey("raw", raw, "AES-CTR", false, ["encrypt", "decrypt"]);
  // A 128-bit counter carries over the whole block, like OpenSSL's CTR.
  assert.equal(hex(await subtle.encrypt({ name: "AES-CTR", counter: rep(0xff, 16), length: 128 }, ctr, msg)), V.ctrFull);
  // A 64-bit counter wraps within its low 64 bits.
  const counter = unhex("00000000000000ffffffffffffffffff");
  assert.equal(hex(await subtle.encrypt({ name: "AES-CTR", counter, length: 64 }, ctr, msg)), V.ctr64);
  assert.deepEqual(new Uint8Array(await subtle.decrypt({ name: "AES-CTR", counter, length: 64 }, ctr, unhex(V.ctr64))), msg);
  await assert.rejects(subtle.encrypt({ name: "AES-CTR", counter, length: 0 }, ctr, msg), { name: "OperationError" });
  await assert.rejects(subtle.encrypt({ name: "AES-CTR", counter, length: 1 }, ctr, msg), { name: "OperationError" });
  await assert.rejects(subtle.importKey("raw", raw.slice(1), "AES-CBC", false, ["encrypt"]), { name: "DataError" });
});

test("AES-KW RFC 3394 4.1 through wrapKey/unwrapKey", async () => {
  const kek = await subtle.importKey("raw", unhex("000102030405060708090a0b0c0d0e0f"), "AES-KW", false, ["wrapKey", "unwrapKey"]);
  const inner = await subtle.importKey("raw", unhex("00112233445566778899aabbccddeeff"), "AES-GCM", true, ["encrypt"]);
  const wrapped = await subtle.wrapKey("raw", inner, kek, "AES-KW");
  assert.equal(hex(wrapped), "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
  const back = await subtle.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-GCM", true, ["decrypt"]);
  assert.equal(hex(await subtle.exportKey("raw", back)), "00112233445566778899aabbccddeeff");
  assert.deepEqual(back.usages, ["decrypt"]);
  const broken = new Uint8Array(wrapped);
  broken[3] ^= 1;
  await assert.rejects(subtle.unwrapKey("raw", broken, kek, "AES-KW", "AES-GCM", true, ["decrypt"]), { name: "OperationError" });
  await assert.rejects(subtle.encrypt("AES-KW", kek, rep(0, 16)), { name: "NotSupportedError" });
});

test("wrapKey/unwrapKey a JWK with AES-GCM", async () => {
  const wk = await subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["wrapKey", "unwrapKey"]);
  const hmac = await subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
  const iv = rep(7, 12);
  const wrapped = await subtle.wrapKey("jwk", hmac, wk, { name: "AES-GCM", iv });
  const back = await subtle.unwrapKey("jwk", wrapped, wk, { name: "AES-GCM", iv }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  assert.equal(back.extractable, false);
  assert.equal(hex(await subtle.sign("HMAC", back, te.encode("x"))), hex(await subtle.sign("HMAC", hmac, te.encode("x"))));
  const locked = await subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  await assert.rejects(subtle.wrapKey("jwk", locked, wk, { name: "AES-GCM", iv }), { name: "InvalidAccessError" });
});

// ---- RSA ----

const rsaImport = (name, fmt, usages, hash = "SHA-256") =>
  subtle.importKey(fmt, unb64(fmt === "pkcs8" ? V.rsaPkcs8 : V.rsaSpki), { name, hash }, true, usages);

test("RSASSA-PKCS1-v1_5 verifies Node's signature and round-trips", async () => {
  const pub = await rsaImport("RSASSA-PKCS1-v1_5", "spki", ["verify"]);
  assert.equal(pub.type, "public");
  assert.equal(pub.algorithm.modulusLength, 2048);
  assert.deepEqual(pub.algorithm.publicExponent, new Uint8Array([1, 0, 1]));
  assert.equal(await subtle.verify("RSASSA-PKCS1-v1_5", pub, unb64(V.rs256), te.encode("hello")), true);
  assert.equal(await subtle.verify("RSASSA-PKCS1-v1_5", pub, unb64(V.rs256), te.encode("hellO")), false);
  const priv = await rsaImport("RSASSA-PKCS1-v1_5", "pkcs8", ["sign"]);
  // PKCS#1 v1.5 is deterministic: the same signature as Node's.
  assert.equal(hex(await subtle.sign("RSASSA-PKCS1-v1_5", priv, te.encode("hello"))), hex(unb64(V.rs256)));
  const jwk = await subtle.exportKey("jwk", priv);
  assert.equal(jwk.alg, "RS256");
  for (const f of ["n", "e", "d", "p", "q", "dp", "dq", "qi"]) assert.equal(jwk[f], V.rsaJwk[f], f);
  assert.equal(hex(await subtle.exportKey("pkcs8", priv)), hex(unb64(V.rsaPkcs8)));
  assert.equal(hex(await subtle.exportKey("spki", pub)), hex(unb64(V.rsaSpki)));
  const fromJwk = await subtle.importKey("jwk", V.rsaJwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
  assert.equal(hex(await subtle.sign("RSASSA-PKCS1-v1_5", fromJwk, te.encode("hello"))), hex(unb64(V.rs256)));
  await assert.rejects(subtle.importKey("jwk", { ...V.rsaJwk, dq: V.rsaJwk.dp }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]), { name: "DataError" });
  await assert.rejects(subtle.exportKey("raw", pub), { name: "NotSupportedError" });
  await assert.rejects(subtle.exportKey("spki", priv), { name: "InvalidAccessError" });
  await assert.rejects(rsaImport("RSASSA-PKCS1-v1_5", "spki", ["sign"]), { name: "SyntaxError", message: 'Attempt to import public RSASSA-PKCS1-v1_5 key with invalid usage "sign".' });
});

test("RSA-PSS verifies Node's signature and round-trips", async () => {
  const pub = await rsaImport("RSA-PSS", "spki", ["verify"]);
  assert.equal(await subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pub, unb64(V.ps256), te.encode("hello")), true);
  const priv = await rsaImport("RSA-PSS", "pkcs8", ["sign"]);
  const sig = await subtle.sign({ name: "RSA-PSS", saltLength: 32 }, priv, te.encode("data"));
  assert.equal(await subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pub, sig, te.encode("data")), true);
  assert.equal(await subtle.verify({ name: "RSA-PSS", saltLength: 20 }, pub, sig, te.encode("data")), false);
  await assert.rejects(subtle.sign("RSA-PSS", priv, te.encode("data")), { name: "TypeError", message: 'Missing field "saltLength" in "algorithm".' });
});

test("RSA-OAEP decrypts Node's ciphertext and round-trips", async () => {
  const priv = await rsaImport("RSA-OAEP", "pkcs8", ["decrypt"]);
  const label = te.encode("L");
  assert.equal(new TextDecoder().decode(await subtle.decrypt({ name: "RSA-OAEP", label }, priv, unb64(V.oaep))), "secret");
  await assert.rejects(subtle.decrypt({ name: "RSA-OAEP" }, priv, unb64(V.oaep)), { name: "OperationError" });
  const pub = await rsaImport("RSA-OAEP", "spki", ["encrypt"]);
  const c = await subtle.encrypt("RSA-OAEP", pub, te.encode("again"));
  assert.equal(new TextDecoder().decode(await subtle.decrypt("RSA-OAEP", priv, c)), "again");
  assert.equal((await subtle.exportKey("jwk", pub)).alg, "RSA-OAEP-256");
});

test("generateKey RSA gives a working pair", async () => {
  const { publicKey, privateKey } = await subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, false, ["sign", "verify"]);
  assert.deepEqual(publicKey.usages, ["verify"]);
  assert.deepEqual(privateKey.usages, ["sign"]);
  assert.equal(publicKey.extractable, true);
  assert.equal(privateKey.extractable, false);
  assert.equal(privateKey.algorithm.modulusLength, 1024);
  const sig = await subtle.sign("RSASSA-PKCS1-v1_5", privateKey, te.encode("x"));
  assert.equal(await subtle.verify("RSASSA-PKCS1-v1_5", publicKey, sig, te.encode("x")), true);
  await assert.rejects(subtle.generateKey({ name: "RSA-PSS", modulusLength: 1024, publicExponent: new Uint8Array([3]), hash: "SHA-256" }, false, ["sign"]), { name: "OperationError" });
  await assert.rejects(subtle.generateKey({ name: "RSA-PSS", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, false, ["verify"]), { name: "SyntaxError" });
});

// ---- ECDSA / ECDH ----

for (const [crv, hash, size] of [["P-256", "SHA-256", 64], ["P-384", "SHA-384", 96], ["P-521", "SHA-512", 132]]) {
  test(`ECDSA ${crv} verifies Node's signature and round-trips`, async () => {
    const v = V[crv];
    const pub = await subtle.importKey("spki", unb64(v.spki), { name: "ECDSA", namedCurve: crv }, true, ["verify"]);
    assert.deepEqual(pub.algorithm, { name: "ECDSA", namedCurve: crv });
    assert.equal(await subtle.verify({ name: "ECDSA", hash }, pub, unb64(v.sig), te.encode("hello")), true);
    assert.equal(await subtle.verify({ name: "ECDSA", hash }, pub, unb64(v.sig).slice(1), te.encode("hello")), false);
    const priv = await subtle.importKey("jwk", v.jwk, { name: "ECDSA", namedCurve: crv }, true, ["sign"]);
    const sig = await subtle.sign({ name: "ECDSA", hash }, priv, te.encode("data"));
    assert.equal(sig.byteLength, size);
    const raw = await subtle.exportKey("raw", pub);
    const pub2 = await subtle.importKey("raw", raw, { name: "ECDSA", namedCurve: crv }, true, ["verify"]);
    assert.equal(await subtle.verify({ name: "ECDSA", hash }, pub2, sig, te.encode("data")), true);
    const jwk = await subtle.exportKey("jwk", priv);
    for (const f of ["crv", "x", "y", "d"]) assert.equal(jwk[f], v.jwk[f], f);
    assert.equal(hex(await subtle.exportKey("spki", pub)), hex(unb64(v.spki)));
    const pk8 = await subtle.exportKey("pkcs8", await subtle.importKey("pkcs8", unb64(v.pkcs8), { name: "ECDSA", namedCurve: crv }, true, ["sign"]));
    assert.ok(pk8.byteLength > 0);
  });
}

test("ECDSA errors: curve mismatch, bad point, missing hash", async () => {
  await assert.rejects(subtle.importKey("spki", unb64(V["P-256"].spki), { name: "ECDSA", namedCurve: "P-384" }, true, ["verify"]), { name: "DataError" });
  await assert.rejects(subtle.importKey("raw", rep(4, 65), { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]), { name: "DataError" });
  await assert.rejects(subtle.importKey("raw", rep(4, 65), { name: "ECDSA", namedCurve: "P-999" }, true, ["verify"]), { name: "NotSupportedError" });
  await assert.rejects(subtle.importKey("spki", unb64(V.rsaSpki), { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]), { name: "DataError" });
  const { privateKey } = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  await assert.rejects(subtle.sign("ECDSA", privateKey, te.encode("x")), { name: "TypeError", message: 'Missing field "hash" in "algorithm".' });
  await assert.rejects(subtle.sign({ name: "ECDSA", hash: "MD5" }, privateKey, te.encode("x")), { name: "NotSupportedError" });
});

test("ECDH P-256 derives Node's shared secret", async () => {
  const a = await subtle.importKey("pkcs8", unb64(V.ecdh.aPkcs8), { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits", "deriveKey"]);
  const b = await subtle.importKey("spki", unb64(V.ecdh.bSpki), { name: "ECDH", namedCurve: "P-256" }, true, []);
  assert.equal(hex(await subtle.deriveBits({ name: "ECDH", public: b }, a, 256)), V.ecdh.shared);
  assert.equal(hex(await subtle.deriveBits({ name: "ECDH", public: b }, a, null)), V.ecdh.shared);
  assert.equal(hex(await subtle.deriveBits({ name: "ECDH", public: b }, a, 128)), V.ecdh.shared.slice(0, 32));
  await assert.rejects(subtle.deriveBits({ name: "ECDH", public: b }, a, 264), { name: "OperationError" });
  await assert.rejects(subtle.deriveBits({ name: "ECDH", public: a }, a, 256), { name: "InvalidAccessError" });
  await assert.rejects(subtle.deriveBits({ name: "ECDH" }, a, 256), { name: "TypeError" });
  const other = await subtle.generateKey({ name: "ECDH", namedCurve: "P-384" }, true, ["deriveBits"]);
  await assert.rejects(subtle.deriveBits({ name: "ECDH", public: other.publicKey }, a, 256), { name: "InvalidAccessError" });
  const hmac = await subtle.deriveKey({ name: "ECDH", public: b }, a, { name: "HMAC", hash: "SHA-256", length: 256 }, true, ["sign"]);
  assert.equal(hex(await subtle.exportKey("raw", hmac)), V.ecdh.shared);
});

// ---- Ed25519 / X25519 ----

const edSeed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const edPub = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const edSig = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

test("Ed25519 RFC 8032 test 1 (pkcs8, raw, jwk)", async () => {
  const priv = await subtle.importKey("pkcs8", unhex("302e020100300506032b657004220420" + edSeed), "Ed25519", true, ["sign"]);
  assert.equal(hex(await subtle.sign("Ed25519", priv, new Uint8Array(0))), edSig);
  const pub = await subtle.importKey("raw", unhex(edPub), { name: "Ed25519" }, true, ["verify"]);
  assert.equal(await subtle.verify("Ed25519", pub, unhex(edSig), new Uint8Array(0)), true);
  assert.equal(await subtle.verify("Ed25519", pub, unhex(edSig), new Uint8Array(1)), false);
  const jwk = await subtle.exportKey("jwk", priv);
  assert.equal(jwk.kty, "OKP");
  assert.equal(jwk.crv, "Ed25519");
  assert.equal(jwk.alg, "EdDSA");
  assert.equal(hex(unb64(jwk.x.replace(/-/g, "+").replace(/_/g, "/") + "=")), edPub);
  const again = await subtle.importKey("jwk", jwk, "Ed25519", false, ["sign"]);
  assert.equal(hex(await subtle.sign("Ed25519", again, new Uint8Array(0))), edSig);
  await assert.rejects(subtle.importKey("jwk", { ...jwk, x: jwk.x.replace(/^./, jwk.x[0] === "A" ? "B" : "A") }, "Ed25519", false, ["sign"]), { name: "DataError" });
  await assert.rejects(subtle.importKey("raw", unhex(edPub).slice(1), "Ed25519", true, ["verify"]), { name: "DataError" });
  await assert.rejects(subtle.exportKey("raw", priv), { name: "InvalidAccessError" });
});

test("NODE-ED25519 (workerd's name) signs like Ed25519", async () => {
  const priv = await subtle.importKey("pkcs8", unhex("302e020100300506032b657004220420" + edSeed), { name: "NODE-ED25519", namedCurve: "NODE-ED25519" }, false, ["sign"]);
  assert.deepEqual(priv.algorithm, { name: "NODE-ED25519", namedCurve: "NODE-ED25519" });
  assert.equal(hex(await subtle.sign({ name: "NODE-ED25519" }, priv, new Uint8Array(0))), edSig);
  await assert.rejects(subtle.importKey("raw", unhex(edPub), { name: "NODE-ED25519", namedCurve: "P-256" }, true, ["verify"]), { name: "NotSupportedError" });
  const { publicKey, privateKey } = await subtle.generateKey({ name: "NODE-ED25519", namedCurve: "NODE-ED25519" }, true, ["sign", "verify"]);
  const sig = await subtle.sign("NODE-ED25519", privateKey, te.encode("m"));
  assert.equal(await subtle.verify("NODE-ED25519", publicKey, sig, te.encode("m")), true);
});

test("X25519 RFC 7748 6.1", async () => {
  const alice = await subtle.importKey("pkcs8", unhex("302e020100300506032b656e04220420" + "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"), "X25519", true, ["deriveBits"]);
  const bob = await subtle.importKey("raw", unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"), "X25519", true, []);
  assert.equal(hex(await subtle.deriveBits({ name: "X25519", public: bob }, alice, 256)), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  const jwk = await subtle.exportKey("jwk", alice);
  assert.equal(jwk.crv, "X25519");
  await assert.rejects(subtle.deriveBits({ name: "X25519", public: bob }, alice, 512), { name: "OperationError" });
  await assert.rejects(subtle.deriveBits({ name: "X25519", public: bob }, alice, 512), { name: "OperationError" });
  const low = await subtle.importKey("raw", new Uint8Array(32), "X25519", true, []);
  await assert.rejects(subtle.deriveBits({ name: "X25519", public: low }, alice, 256), { name: "OperationError" });
});

// ---- CryptoKey and the generic checks ----

test("CryptoKey cannot be constructed and hides its material", async () => {
  assert.throws(() => new CryptoKey(), TypeError);
  const k = await subtle.generateKey({ name: "AES-CBC", length: 192 }, true, ["encrypt"]);
  assert.ok(k instanceof CryptoKey);
  assert.equal(Object.prototype.toString.call(k), "[object CryptoKey]");
  assert.deepEqual(Object.getOwnPropertyNames(k), []);
  assert.deepEqual(Object.getOwnPropertySymbols(k), []);
  assert.deepEqual(k.algorithm, { name: "AES-CBC", length: 192 });
  k.algorithm.name = "HMAC";
  const c = await subtle.encrypt({ name: "AES-CBC", iv: rep(0, 16) }, k, rep(1, 3));
  assert.equal(c.byteLength, 16);
});

test("usage and algorithm checks reject with InvalidAccessError", async () => {
  const k = await subtle.importKey("raw", rep(1, 16), "AES-GCM", false, ["encrypt"]);
  await assert.rejects(subtle.decrypt({ name: "AES-GCM", iv: rep(0, 12) }, k, rep(0, 32)), { name: "InvalidAccessError", message: 'Requested key usage "decrypt" does not match any usage listed in this CryptoKey.' });
  await assert.rejects(subtle.encrypt({ name: "AES-CBC", iv: rep(0, 16) }, k, rep(0, 32)), { name: "InvalidAccessError", message: 'Requested algorithm "AES-CBC" does not match this CryptoKey\'s algorithm "AES-GCM".' });
  await assert.rejects(subtle.encrypt({ name: "AES-GCM", iv: rep(0, 12) }, {}, rep(0, 1)), TypeError);
});

test("normalization: unknown names, bad usages, bad formats", async () => {
  await assert.rejects(subtle.generateKey({ name: "AES-XTS", length: 128 }, true, ["encrypt"]), { name: "NotSupportedError" });
  await assert.rejects(subtle.sign("AES-GCM", null, rep(0, 1)), { name: "NotSupportedError" });
  await assert.rejects(subtle.generateKey({ length: 128 }, true, ["encrypt"]), { name: "TypeError", message: 'Missing field "name" in "algorithm".' });
  await assert.rejects(subtle.generateKey({ name: "AES-GCM" }, true, ["encrypt"]), { name: "TypeError", message: 'Missing field "length" in "algorithm".' });
  await assert.rejects(subtle.generateKey({ name: "AES-GCM", length: 64 }, true, ["encrypt"]), { name: "OperationError" });
  await assert.rejects(subtle.generateKey({ name: "AES-GCM", length: 128 }, true, ["sign"]), { name: "SyntaxError" });
  await assert.rejects(subtle.generateKey({ name: "AES-GCM", length: 128 }, true, []), { name: "SyntaxError", message: "Usages cannot be empty when creating a key." });
  await assert.rejects(subtle.generateKey({ name: "AES-GCM", length: 128 }, true, ["bogus"]), TypeError);
  await assert.rejects(subtle.importKey("pem", rep(0, 16), "AES-GCM", true, ["encrypt"]), { name: "NotSupportedError", message: 'Unrecognized key import format "pem".' });
  await assert.rejects(subtle.importKey("spki", rep(0, 16), "AES-GCM", true, ["encrypt"]), { name: "NotSupportedError" });
  await assert.rejects(subtle.importKey("pkcs8", rep(0, 16), { name: "RSA-OAEP", hash: "SHA-256" }, true, ["decrypt"]), { name: "DataError" });
  await assert.rejects(subtle.importKey("raw", rep(0, 16), { name: "HMAC", hash: "SHA-256", length: 64 }, true, ["sign"]), { name: "DataError" });
  await assert.rejects(subtle.encrypt({ name: "AES-GCM", iv: rep(0, 12) }), { name: "TypeError", message: /3 arguments required/ });
  const p = subtle.importKey("raw", "not bytes", "AES-GCM", true, ["encrypt"]);
  assert.ok(p instanceof Promise, "argument errors become rejections");
  await assert.rejects(p, TypeError);
});

test("timingSafeEqual compares equal-length buffers", () => {
  assert.equal(subtle.timingSafeEqual(te.encode("abc"), te.encode("abc")), true);
  assert.equal(subtle.timingSafeEqual(te.encode("abc").buffer, te.encode("abd")), false);
  assert.throws(() => subtle.timingSafeEqual(te.encode("ab"), te.encode("abc")), TypeError);
});

test("DigestStream hashes chunk by chunk", async () => {
  const ds = new crypto.DigestStream("SHA-256");
  const w = ds.getWriter();
  await w.write("hello ");
  await w.write(te.encode("world"));
  await w.write(new DataView(te.encode("!").buffer));
  await w.close();
  assert.equal(hex(await ds.digest), hex(await subtle.digest("SHA-256", te.encode("hello world!"))));
  const empty = new crypto.DigestStream({ name: "SHA-1" });
  await empty.getWriter().close();
  assert.equal(hex(await empty.digest), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  const aborted = new crypto.DigestStream("MD5");
  await aborted.getWriter().abort(new Error("stop"));
  await assert.rejects(aborted.digest, /stop/);
  assert.throws(() => new crypto.DigestStream("SHA-3"), { name: "NotSupportedError" });
});

test("CryptoKey is not cloneable and the methods declare their arity", async () => {
  const k = await subtle.generateKey({ name: "AES-GCM", length: 128 }, true, ["encrypt"]);
  assert.throws(() => structuredClone(k), { name: "DataCloneError" });
  assert.equal(subtle.verify.length, 4);
  assert.equal(subtle.unwrapKey.length, 7);
  assert.equal(subtle.importKey.name, "importKey");
});

test("ECDH P-521 derives up to 521 bits", async () => {
  const a = await subtle.generateKey({ name: "ECDH", namedCurve: "P-521" }, true, ["deriveBits"]);
  const b = await subtle.generateKey({ name: "ECDH", namedCurve: "P-521" }, true, ["deriveBits"]);
  const ab = await subtle.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 521);
  const ba = await subtle.deriveBits({ name: "ECDH", public: a.publicKey }, b.privateKey, 521);
  assert.equal(ab.byteLength, 66);
  assert.equal(hex(ab), hex(ba));
  await assert.rejects(subtle.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 528), { name: "OperationError" });
});

test("more error paths: argument types, usages, unwrap of bad data", async () => {
  await assert.rejects(subtle.exportKey("raw", {}), TypeError);
  await assert.rejects(subtle.importKey("jwk", "{}", "AES-GCM", true, ["encrypt"]), TypeError);
  await assert.rejects(subtle.importKey("jwk", { k: "AAAAAAAAAAAAAAAAAAAAAA" }, "AES-GCM", true, ["encrypt"]), { name: "DataError" });
  await assert.rejects(subtle.importKey("jwk", { kty: "oct", k: "AAAAAAAAAAAAAAAAAAAAAA", alg: "A256GCM" }, "AES-GCM", true, ["encrypt"]), { name: "DataError" });
  await assert.rejects(subtle.importKey("pkcs8", unhex("302e020100300506032b657004220420" + edSeed), "Ed25519", true, []), { name: "SyntaxError" });
  const pub = await subtle.importKey("raw", unhex(edPub), "Ed25519", true, []);
  assert.deepEqual(pub.usages, []);
  const ecdh = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  assert.deepEqual(ecdh.publicKey.usages, []);
  await assert.rejects(subtle.deriveKey({ name: "ECDH", public: ecdh.publicKey }, ecdh.privateKey, { name: "AES-GCM", length: 128 }, true, ["encrypt"]), { name: "InvalidAccessError" });
  await assert.rejects(subtle.deriveKey({ name: "ECDH", public: ecdh.publicKey }, ecdh.privateKey, { name: "RSA-OAEP" }, true, ["encrypt"]), { name: "NotSupportedError" });
  const gcm = await subtle.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt", "decrypt", "unwrapKey"]);
  const aes = await subtle.generateKey({ name: "AES-CBC", length: 128 }, true, ["encrypt"]);
  await assert.rejects(subtle.wrapKey("raw", aes, gcm, { name: "AES-GCM", iv: rep(0, 12) }), { name: "InvalidAccessError" });
  const garbage = await subtle.encrypt({ name: "AES-GCM", iv: rep(0, 12) }, gcm, te.encode("not json"));
  await assert.rejects(subtle.unwrapKey("jwk", garbage, gcm, { name: "AES-GCM", iv: rep(0, 12) }, "AES-CBC", true, ["encrypt"]), { name: "DataError" });
  await assert.rejects(subtle.exportKey("pkcs8", aes), { name: "NotSupportedError" });
  await assert.rejects(subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]), { name: "SyntaxError" });
  await assert.rejects(subtle.generateKey({ name: "ECDSA", namedCurve: "secp256k1" }, true, ["sign"]), { name: "NotSupportedError" });
  await assert.rejects(subtle.generateKey({ name: "HMAC" }, true, ["sign"]), { name: "TypeError", message: 'Missing field "hash" in "algorithm".' });
  await assert.rejects(subtle.importKey("raw", rep(1, 16), { name: "HMAC", hash: "SHA-3" }, true, ["sign"]), { name: "NotSupportedError" });
});
