import type { Context } from "hono";
import type { Env } from "./index";

const TOKEN_KEY = "token"; // the KV key
const TOKEN_TTL = 60; // seconds until KV drops the token (default: never)

export class FakeApi {
  /**
   * Calls the API as the current user, with a cached or a new token.
   */
  public static async getCurrentUser(c: Context<Env>): Promise<unknown> {
    const token = await FakeApi.getToken(c);
    const user = await fetch(`${c.env.FAKEAPI_BASE_URL}/user/me`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!user.ok) {
      throw new Error(`GET /user/me failed: ${user.status} ${user.statusText}`);
    }
    return await user.json();
  }

  /**
   * The access token: from KV while it is cached, else a new one that is
   * cached for TOKEN_TTL seconds.
   */
  private static async getToken(c: Context<Env>): Promise<string> {
    const cachedToken = await c.env.KV.get(TOKEN_KEY);
    if (cachedToken) {
      console.debug("Cached token found");
      return cachedToken;
    }

    console.debug("Cached token not found, fetching new token");
    const newToken = await FakeApi.getNewToken(c);
    await c.env.KV.put(TOKEN_KEY, newToken, { expirationTtl: TOKEN_TTL });
    return newToken;
  }

  /**
   * Logs in with the credentials from the secrets.
   */
  private static async getNewToken(c: Context<Env>): Promise<string> {
    const username = c.env.FAKEAPI_USERNAME;
    const password = c.env.FAKEAPI_PASSWORD;
    if (!username || !password) {
      throw new Error("FAKEAPI_USERNAME and FAKEAPI_PASSWORD are not set: copy .dev.vars.example to .dev.vars");
    }
    const res = await fetch(`${c.env.FAKEAPI_BASE_URL}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
    });

    const data = (await res.json()) as { accessToken?: string };
    if (!data.accessToken) {
      // This leads to a 500 Internal Server Error
      throw new Error("Access token not found in response");
    }
    return data.accessToken;
  }
}
