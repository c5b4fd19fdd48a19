import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeskReader, exportTrail, verifyStoredTrail } from '@cityops/alert-desk';
import { consoleDir } from './console-files.js';
import { startDeskGateway, type DeskGateway } from './test/desk-gateway.js';
import { TEST_PASSWORD, testIdentity } from './test/identity-fixture.js';

/**
 * The officer console in real Chromium against a gateway with an alert desk behind it (embedded
 * ports) and real logins: an officer acknowledges and dispatches at 应急 level, the department
 * checks in and resolves, the officer closes; the audit trail shows each step with who and when,
 * `audit:verify` passes on the export and fails once one entry is altered. Needs the console
 * built (`npm run build -w @cityops/console`) and the alert desk built (for its CLI).
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const identity = testIdentity();
let gw: DeskGateway;
let browser: Browser;
const errors: string[] = [];

async function loginAs(page: Page, username: string): Promise<void> {
  await page.goto(new URL('/console/', gw.url).href);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', TEST_PASSWORD);
  await page.click('[data-testid="login-submit"]');
  await page.waitForSelector('[data-testid="conn"][data-state="live"]', { timeout: 20_000 });
}

async function logout(page: Page): Promise<void> {
  await page.click('[data-testid="logout"]');
  await page.waitForSelector('[data-testid="login-form"]');
}

const caseState = (page: Page, state: string) =>
  page.waitForSelector(`[data-testid="case-page"][data-state="${state}"]`, { timeout: 20_000 });

/** presses an action's shortcut key, fills the form's fields, sends it with Enter */
async function act(page: Page, key: string, action: string, fill: Record<string, string> = {}): Promise<void> {
  await page.locator('[data-testid="case-page"]').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press(key);
  await page.waitForSelector(`[data-testid="form-${action}"]`);
  for (const [name, value] of Object.entries(fill)) {
    await page.fill(`[data-testid="form-${action}"] [name="${name}"]`, value);
  }
  await page.click('[data-testid="action-submit"]');
}

describe('the officer console, in Chromium', () => {
  beforeAll(async () => {
    if (!consoleDir()) throw new Error('the console is not built: run `npm run build -w @cityops/console` first');
    await identity.addUser({ username: 'zhang', roles: ['officer'], password: TEST_PASSWORD });
    await identity.addUser({ username: 'wang', roles: ['officer'], password: TEST_PASSWORD });
    await identity.addUser({
      username: 'traffic',
      roles: ['department'],
      departmentId: 'dept-traffic-police',
      password: TEST_PASSWORD,
    });
    gw = await startDeskGateway({ identity, identityOf: null });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await identity.close();
  });

  it('a wrong password is refused with a message; nothing else shows', async () => {
    const page = await browser.newPage();
    await page.goto(new URL('/console/', gw.url).href);
    await page.fill('input[name="username"]', 'zhang');
    await page.fill('input[name="password"]', 'wrong-password-000');
    await page.click('[data-testid="login-submit"]');
    await expect(page.locator('[data-testid="login-error"]').textContent({ timeout: 10_000 })).resolves.toContain(
      'Wrong user name or password',
    );
    expect(await page.locator('[data-widget="case-queue"]').count()).toBe(0);
    await page.close();
  });

  it('the closed loop: ack, dispatch 应急, check-in and resolve by the department, close; the trail verifies', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await gw.raise('bt-1');
    await loginAs(page, 'zhang');
    const row = page.locator('[data-widget="case-queue"] tr[data-case-id="bt-1"]');
    await row.waitFor({ timeout: 20_000 });
    expect(await row.getAttribute('data-state')).toBe('raised');
    // the live ack clock (critical: 5 minutes) counts on the row
    expect(await row.locator('[data-testid="clock"] .clock-time').textContent()).toMatch(/^0[0-5]:\d\d$/);
    await row.click();
    await caseState(page, 'raised');
    await act(page, 'a', 'ack', { note: '值班员张已接单' });
    await caseState(page, 'acknowledged');
    await act(page, 'd', 'dispatch', { assist: '' });
    await caseState(page, 'dispatched');
    expect(await page.locator('[data-testid="archive-no"]').textContent()).toMatch(/SH-\d{4}-\d+-\d{6} · 应急哨/);
    await logout(page);

    await loginAs(page, 'traffic');
    // a department user lands on its department view with its whistle in it
    const mine = page.locator('[data-widget="department-view"] tr[data-case-id="bt-1"]');
    await mine.waitFor({ timeout: 20_000 });
    await mine.click();
    await caseState(page, 'dispatched');
    await act(page, 'i', 'checkin');
    await caseState(page, 'on_site');
    await act(page, 'r', 'resolve', { notes: '车辆已驶离，道路恢复通行' });
    await caseState(page, 'resolved');
    await logout(page);

    await loginAs(page, 'zhang');
    await page.goto(new URL('/console/#/case/bt-1', gw.url).href);
    await caseState(page, 'resolved');
    await act(page, 'x', 'close', { feedback: '已处置完毕，感谢反映' });
    await caseState(page, 'closed');

    const rows = page.locator('[data-testid="audit-row"]');
    await page.waitForFunction("document.querySelectorAll('[data-testid=audit-row]').length >= 6");
    const steps = await rows.evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-action'), tr.getAttribute('data-actor'), tr.getAttribute('data-at')]),
    );
    const users = new Map((await identity.listUsers()).map((u) => [u.username, u]));
    expect(users.size).toBeGreaterThan(0);
    expect(steps.map(([a]) => a)).toEqual(['raised', 'ack', 'dispatch', 'checkin', 'resolve', 'close']);
    const actors = steps.map(([, who]) => who);
    expect(actors[0]).toBe('system');
    // who: the officer for ack, dispatch and close, the department for check-in and resolve
    expect(actors[1]).toBe(actors[2]);
    expect(actors[1]).toBe(actors[5]);
    expect(actors[3]).toBe(actors[4]);
    expect(actors[1]).not.toBe(actors[3]);
    const text = await page.locator('[data-testid="audit"]').textContent();
    expect(text).toContain('zhang (officer)');
    expect(text).toContain('traffic (department dept-traffic-police)');
    // when: every entry has a time, in order
    const times = steps.map(([, , at]) => Date.parse(at!));
    expect(times.every((t) => Number.isFinite(t))).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    await page.screenshot({ path: join(REPO, 'artifacts/console-case-1600x1000.png'), fullPage: true });

    // npm run audit:verify on the trail's export passes; one altered entry makes it fail
    const reader = new DeskReader({ bus: gw.bus, store: gw.store, group: gw.desk.group, casesTopic: gw.topics.cases });
    expect((await verifyStoredTrail(reader)).ok).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'console-bt-'));
    const good = join(dir, 'trail.ndjson');
    const ndjson = await exportTrail(reader);
    writeFileSync(good, ndjson);
    const verify = (file: string) =>
      spawnSync('npm', ['run', '--silent', 'audit:verify', '--', '--file', file], { cwd: REPO, encoding: 'utf8' });
    const ok = verify(good);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    const bad = join(dir, 'altered.ndjson');
    writeFileSync(bad, ndjson.replace('车辆已驶离', '车辆未驶离'));
    expect(ndjson).toContain('车辆已驶离');
    const broken = verify(bad);
    expect(broken.status).toBe(1);
    expect(broken.stdout + broken.stderr).toContain('BROKEN');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('someone else acted first: the console says who, and the case is shown fresh', async () => {
    await gw.raise('bt-2');
    const a = await browser.newPage();
    const b = await (await browser.newContext()).newPage();
    await loginAs(a, 'zhang');
    await loginAs(b, 'wang');
    for (const p of [a, b]) {
      await p.goto(new URL('/console/#/case/bt-2', gw.url).href);
      await caseState(p, 'raised');
    }
    // wang opens the ack form on version 1; zhang acks first; wang then sends his
    await b.locator('[data-testid="case-page"]').click({ position: { x: 5, y: 5 } });
    await b.keyboard.press('a');
    await b.waitForSelector('[data-testid="form-ack"]');
    await act(a, 'a', 'ack');
    await caseState(a, 'acknowledged');
    await b.click('[data-testid="action-submit"]');
    const notice = b.locator('[data-testid="conflict"]');
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.textContent()).toContain('zhang');
    expect(await notice.textContent()).toContain('acted first');
    await caseState(b, 'acknowledged');
    await a.close();
    await b.close();
  });

  it('an overdue case is unmistakable on the wall and in the queue; a step reaches the other screens at once', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const officer = await ctx.newPage();
    await loginAs(officer, 'zhang'); // the session cookie also opens the wall's socket in this context
    const wall = await ctx.newPage();
    await wall.goto(gw.url);
    await wall.waitForSelector('[data-widget="cases-panel"][data-fresh="true"]', { timeout: 30_000 });
    expect(await wall.locator('[data-widget="cases-panel"] [data-state="closed"] b').textContent()).toBe('1');

    // a step by another officer reaches this console and the wall: measured, not asserted
    await gw.raise('bt-4');
    await officer.waitForSelector('tr[data-case-id="bt-4"][data-state="raised"]', { timeout: 20_000 });
    const t0 = Date.now();
    const ack = await fetch(new URL('/api/v1/alerts/bt-4/ack', gw.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenOf('wang')}` },
      body: JSON.stringify({ expectedVersion: 1 }),
    });
    expect(ack.status).toBe(200);
    const tAnswer = Date.now() - t0;
    await officer.waitForSelector('tr[data-case-id="bt-4"][data-state="acknowledged"]', { timeout: 20_000 });
    const tConsole = Date.now() - t0;
    console.log(`officer action → 200: ${tAnswer} ms; → other console's queue: ${tConsole} ms (one run)`);

    await gw.raise('bt-3');
    await gw.desk.tick(Date.now() + 10 * 60_000); // the desk's event time passes the 5-minute ack deadline
    const row = wall.locator('[data-widget="cases-panel"] .case-overdue-row[data-case-id="bt-3"]');
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('超时 OVERDUE');
    expect(
      Number(await wall.locator('[data-widget="cases-panel"]').getAttribute('data-overdue')),
    ).toBeGreaterThanOrEqual(1);
    const q = officer.locator('tr[data-case-id="bt-3"]');
    await officer.waitForSelector('tr[data-case-id="bt-3"][data-overdue="true"]', { timeout: 30_000 });
    expect(await q.locator('.overdue-tag').textContent()).toContain('OVERDUE');
    // overdue first in the queue
    expect(await officer.locator('[data-widget="case-queue"] tbody tr').first().getAttribute('data-case-id')).toBe(
      'bt-3',
    );
    await wall.screenshot({ path: join(REPO, 'artifacts/wall-cases-1920x1080.png') });
    await ctx.close();
  });
});

async function tokenOf(username: string): Promise<string> {
  const r = await identity.login(username, TEST_PASSWORD, `bt-${username}`);
  if (!r.ok) throw new Error(`login ${username}: ${r.code}`);
  return r.token;
}
