/** Raw HTTPS calls to a Flotilla apiserver, trusting its CA (for what kubectl cannot send). */
import { request } from "node:https";
import { readFileSync } from "node:fs";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

export interface ApiTarget {
  port: number;
  ca: string;
  token?: string;
}

/** CA and token from a kubeconfig written by `flotilla server`. */
export function targetFromKubeconfig(kubeconfig: string, port: number): ApiTarget {
  const text = readFileSync(kubeconfig, "utf8");
  const ca = Buffer.from(/certificate-authority-data:\s*(\S+)/.exec(text)![1]!, "base64").toString("utf8");
  const token = /token:\s*(\S+)/.exec(text)![1]!;
  return { port, ca, token };
}

export function api(t: ApiTarget, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: t.port,
        method,
        path,
        ca: t.ca,
        agent: false,
        headers: { ...(t.token ? { authorization: `Bearer ${t.token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: <T,>() => JSON.parse(text) as T }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
