// node:url — the WHATWG URL classes plus the path/URL conversions.
import { URL, URLSearchParams } from "../url.js";

export function fileURLToPath(url) {
  const u = typeof url === "string" ? new URL(url) : url;
  if (u.protocol !== "file:") {
    throw Object.assign(new TypeError("The URL must be of scheme file"), { code: "ERR_INVALID_URL_SCHEME" });
  }
  if (u.hostname !== "") {
    throw Object.assign(new TypeError('File URL host must be "localhost" or empty on linux'), { code: "ERR_INVALID_FILE_URL_HOST" });
  }
  if (/%2f/i.test(u.pathname)) {
    throw Object.assign(new TypeError("File URL path must not include encoded / characters"), { code: "ERR_INVALID_FILE_URL_PATH" });
  }
  return decodeURIComponent(u.pathname);
}

export function pathToFileURL(path) {
  const abs = path.startsWith("/") ? path : "/" + path;
  const u = new URL("file://");
  u.pathname = abs.replace(/%/g, "%25").replace(/\?/g, "%3F").replace(/#/g, "%23");
  return u;
}

// The legacy url.parse/format are not provided: Workers' node:url offers
// them, but new code uses URL.
export default {
  URL, URLSearchParams, fileURLToPath, pathToFileURL,
  domainToASCII: (d) => {
    try {
      return new URL("http://" + d).hostname;
    } catch {
      return "";
    }
  },
};
