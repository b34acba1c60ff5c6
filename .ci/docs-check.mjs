// Opens the running sandbox's Swagger UI (/docs/) in Debian's headless Chromium, driven by
// playwright-core (pinned in .ci/package.json; it never downloads a browser), and checks that:
// - the URL selector lists the five APIs, and selecting each renders every operationId of its
//   spec (EXPECTED: a JSON file {"<api name>": ["<operationId>", ...]} read from the specs the
//   sandbox serves);
// - "Try it out" works against the sandbox itself: authorize with the CSO API key, run
//   list_events, and see a 200 with an event list in the rendered response;
// - the page requested nothing outside the sandbox (every other request is refused and fails
//   the check; no host name resolves either).
//
// usage: node .ci/docs-check.mjs BASE_URL CSO_API_KEY EXPECTED_JSON
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, apiKey, expectedPath] = process.argv.slice(2);
if (!base || !apiKey || !expectedPath) {
  console.error('usage: node .ci/docs-check.mjs BASE_URL CSO_API_KEY EXPECTED_JSON');
  process.exit(2);
}
const origin = new URL(base).origin;
const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
const timeout = 30_000;

const failures = [];
const check = (ok, message) => {
  console.log(`${ok ? 'ok   ' : 'FAIL '} ${message}`);
  if (!ok) failures.push(message);
};

const profile = mkdtempSync(join(tmpdir(), 'docs-check-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // Nothing but the sandbox's own address (an IP literal) can be reached.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
});
const outside = [];
try {
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) {
      return route.continue();
    }
    outside.push(url);
    return route.abort('blockedbyclient');
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));

  await page.goto(`${base}/docs/`, { waitUntil: 'load' });
  await page.locator('.swagger-ui .information-container .title').first().waitFor();

  // The URL selector lists the five APIs, in the order the sandbox configures.
  const select = page.locator('.topbar select');
  const names = await select.locator('option').allTextContents();
  check(
    JSON.stringify([...names].sort()) === JSON.stringify(Object.keys(expected).sort()),
    `the URL selector lists the ${Object.keys(expected).length} APIs: ${names.join(', ')}`,
  );

  // Each API renders every operation of its spec.
  for (const [name, ids] of Object.entries(expected)) {
    const value = await select.locator('option', { hasText: new RegExp(`^${name}$`) }).getAttribute('value');
    await select.selectOption(value);
    // The spec's operations are rendered once the blocks of this API's first operation show.
    const ready = page.locator(`.opblock[id$="-${ids[0]}"]`);
    try {
      await ready.first().waitFor();
    } catch {
      // fall through: the check below reports what is missing
    }
    const rendered = await page.locator('.opblock').evaluateAll((blocks) =>
      blocks.map((b) => b.id),
    );
    const missing = ids.filter(
      (id) => !rendered.some((r) => r.startsWith('operations-') && r.endsWith(`-${id}`)),
    );
    check(
      missing.length === 0 && rendered.length === ids.length,
      `${name}: ${rendered.length} operation(s) rendered, ${ids.length} in the spec` +
        (missing.length ? `; missing: ${missing.join(', ')}` : ''),
    );
    const error = await page.locator('.swagger-ui .errors-wrapper').count();
    check(error === 0, `${name}: no Swagger UI error panel`);
  }

  // Try it out: CSO list_events with the API key, answered by the sandbox itself.
  const cso = await select.locator('option', { hasText: /^cso-events$/ }).getAttribute('value');
  await select.selectOption(cso);
  const block = page.locator('.opblock[id$="-list_events"]').first();
  await block.waitFor();
  await page.locator('.auth-wrapper .btn.authorize').click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  await dialog.locator('input[type="text"], input[type="password"]').first().fill(apiKey);
  await dialog.locator('button.authorize').first().click();
  await dialog.locator('button.btn-done, button.close-modal').first().click();
  await block.locator('.opblock-summary').first().click();
  // The sandbox enables "try it out" up front (tryItOutEnabled); otherwise switch it on.
  const execute = block.locator('button.execute');
  if (!(await execute.isVisible())) await block.locator('button.try-out__btn').click();
  await execute.click();
  const status = block.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor();
  const code = (await status.textContent()).trim();
  const body = (await block.locator('.live-responses-table .response-col_description pre').first().textContent()) ?? '';
  const curl = (await block.locator('.curl-command').first().textContent()) ?? '';
  check(code === '200', `try it out: list_events answered ${code} in the rendered response`);
  check(/"total"\s*:\s*\d+/.test(body) && body.includes('"events"'), 'try it out: the rendered body is an event list');
  check(curl.includes(`X-CSO-API-KEY: ${apiKey}`), 'try it out: the request carried the API key');
  check(curl.includes(`${origin}/api/events`), `try it out: the request went to the sandbox (${origin})`);

  check(pageErrors.length === 0, `no script error on the page${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
check(outside.length === 0, `nothing requested outside ${origin}${outside.length ? `: ${outside.join(', ')}` : ''}`);

if (failures.length) {
  console.error(`docs-check: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('docs-check: every API renders in Swagger UI and try it out reaches the sandbox');
