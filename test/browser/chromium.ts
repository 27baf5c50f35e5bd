// Shared by the Chromium tests: where the browser is, why a test must skip, and how a page's
// report is read (the pages store it in `window.__report` once they are done).
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env['CURVAX_CHROMIUM'] ?? '/usr/bin/chromium';
export const FLAGS = ['--headless=new', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

/**
 * Why the browser tests cannot run here, or undefined when they can.
 * @param packages - packages the test imports besides playwright-core and esbuild
 */
export async function missing(packages: readonly string[] = []): Promise<string | undefined> {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (run scripts/ci-browser.sh --install-only, or set CURVAX_CHROMIUM)`;
  for (const m of ['playwright-core', 'esbuild', ...packages]) {
    try {
      await import(/* @vite-ignore */ m);
    } catch {
      return `the package '${m}' is not installed`;
    }
  }
  return undefined;
}

/** Launches Chromium headless with the flags that work on this machine. */
export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/**
 * Opens `url`, waits for `window.__report` and returns it with the page's uncaught errors and
 * console errors appended to its `error` field. Waits for the first response only (`commit`): the
 * pages compute synchronously, which delays the `load` event.
 */
export async function loadReport<R extends { error?: string }>(browser: Browser, url: string, timeoutMs = 120_000): Promise<R> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  try {
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => (window as unknown as { __report?: unknown }).__report !== undefined, null, { timeout: timeoutMs });
    const r = await page.evaluate(() => (window as unknown as { __report: R }).__report);
    if (errors.length > 0) r.error = `${r.error ?? ''}\n${errors.join('\n')}`;
    return r;
  } finally {
    await page.close();
  }
}
