// A tiny static file server for the browser test pages, bound to 127.0.0.1 on a free port.
// By default it sends COOP/COEP, so that SharedArrayBuffer (wasm threads) is available to the page;
// `{ isolated: false }` serves without them (no cross-origin isolation, no SharedArrayBuffer).
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.map': 'application/json',
};

/** A running server: its base URL and a close function. */
export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Options of {@link serveStatic}. */
export interface ServeOptions {
  /** Send `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp` (default true). */
  readonly isolated?: boolean;
}

/**
 * Serves the files under `root` (no directory listings, no paths outside `root`).
 * @param root - directory to serve.
 * @param options - cross-origin isolation headers on or off.
 * @returns the base URL (`http://127.0.0.1:<port>/`) and `close`.
 */
export async function serveStatic(root: string, options: ServeOptions = {}): Promise<StaticServer> {
  const isolation: Record<string, string> = options.isolated === false ? {} : {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  };
  const base = normalize(root + sep);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const file = normalize(join(base, path === '/' ? 'index.html' : path));
    let ok = file.startsWith(base);
    try { ok = ok && statSync(file).isFile(); } catch { ok = false; }
    if (!ok) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      ...isolation,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
