// The outbound-network policy of the kit (handlers/kit/net), shared by Node's guarded fetch, the edge fetch
// and the API's source check: which URLs and addresses are refused, and how one redirect hop is rewritten.
import { describe, expect, it } from "vitest";
import { blockedRange, isIpLiteral } from "../../handlers/kit/net/ip-policy.js";
import { MAX_REDIRECTS, redirectHop } from "../../handlers/kit/net/redirect.js";
import { assertUrlAllowed, urlBlockReason } from "../../handlers/kit/net/url-guard.js";

describe("ip policy", () => {
  it("names the range of every non-public address, in every spelling", () => {
    expect(blockedRange("127.0.0.1")).toBe("loopback");
    expect(blockedRange("::ffff:127.0.0.1")).toBe("loopback");
    expect(blockedRange("10.1.2.3")).toBe("private");
    expect(blockedRange("169.254.169.254")).toBe("linkLocal");
    expect(blockedRange("fe80::1%eth0")).toBe("linkLocal");
    expect(blockedRange("[::1]")).toBe("loopback");
    expect(blockedRange("93.184.216.34")).toBeNull();
    expect(isIpLiteral("[2001:db8::1]")).toBe(true);
    expect(isIpLiteral("example.com")).toBe(false);
  });
});

describe("url guard", () => {
  it("refuses private literals (decimal, octal, hex), local names, credentials and other schemes", () => {
    for (const url of [
      "http://2130706433/",
      "http://0177.0.0.1/",
      "http://0x7f.0.0.1/",
      "http://[::ffff:10.0.0.1]/",
      "http://printer.local/",
      "http://localhost./",
      "http://user:pw@example.com/",
      "file:///etc/passwd",
      "not a url",
    ]) {
      expect(urlBlockReason(url), url).not.toBeNull();
    }
    expect(urlBlockReason("https://example.com/feed")).toBeNull();
    expect(urlBlockReason("http://127.0.0.1:8080/", { allowPrivate: true })).toBeNull();
  });

  it("throws blocked_url with the reason", () => {
    expect(() => assertUrlAllowed("http://10.0.0.1/")).toThrow(/blocked URL .*private/);
    expect(assertUrlAllowed("https://example.com/").hostname).toBe("example.com");
  });
});

describe("redirect hop", () => {
  const from = new URL("https://a.example/form");

  it("turns a 303 into a GET without body, and drops credentials for another origin", () => {
    const headers = new Headers({ authorization: "Bearer x", "content-type": "text/plain", cookie: "c=1" });
    const hop = redirectHop({
      from,
      location: "https://b.example/next",
      status: 303,
      hop: 0,
      method: "POST",
      headers,
    });
    expect(hop).toMatchObject({ method: "GET", dropBody: true });
    expect(hop.url.href).toBe("https://b.example/next");
    expect([...headers.keys()]).toEqual([]);
  });

  it("keeps a 307 POST as is on the same origin, and stops past the hop limit or at another scheme", () => {
    const headers = new Headers({ authorization: "Bearer x" });
    const hop = redirectHop({ from, location: "/again", status: 307, hop: 0, method: "POST", headers });
    expect(hop).toMatchObject({ method: "POST", dropBody: false });
    expect(headers.get("authorization")).toBe("Bearer x");
    const args = { from, location: "/x", status: 302, method: "GET", headers };
    expect(() => redirectHop({ ...args, hop: MAX_REDIRECTS })).toThrow(/more than 5 redirects/);
    expect(() => redirectHop({ ...args, location: "ftp://a.example/", hop: 0 })).toThrow(/http\/https only/);
  });
});
