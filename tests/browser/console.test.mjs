// The console in a real browser: the system's Chromium, headless, driven by Playwright, against a
// running meshgov with its workers and the AWS emulator, the demo mesh seeded
// (scripts/console-browser.sh runs it; the test command runs that). Each person is a browser
// context of their own, so their cookies are their own.
//
// Env: BASE_URL (the service), CHROMIUM (the browser's executable), CONSUMER_ACCOUNT (marketing's
// AWS account in the demo mesh).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const BASE = process.env.BASE_URL;
const ACCOUNT = process.env.CONSUMER_ACCOUNT ?? "333344445555";
assert.ok(BASE, "BASE_URL must be set");

let browser;
const policyViolations = [];

before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
});

/** A person's browser: signed in through the development role picker. */
async function signedIn(name, role, domains) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
  });
  await page.goto(`${BASE}/console/catalog`);
  // Not signed in: to the sign-in page.
  assert.match(page.url(), /\/console\/sign-in$/);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Role").selectOption(role);
  await page.getByLabel("Domains").fill(domains);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(/\/console\/catalog$/);
  await assertText(page, `Signed in as ${name}`);
  return { context, page };
}

async function assertText(page, text) {
  const body = await page.locator("body").innerText();
  assert.ok(body.includes(text), `"${text}" not on ${page.url()}:\n${body.slice(0, 2000)}`);
}

test("a consumer requests access, a steward approves it from the pending requests, the consumer sees it granted", async () => {
  const consumer = await signedIn("maya", "consumer", "marketing");
  const steward = await signedIn("sofia", "steward", "");
  const role = `arn:aws:iam::${ACCOUNT}:role/browser-${Date.now()}`;

  // The consumer finds the product by searching the catalog, keyboard only.
  let page = consumer.page;
  await page.getByLabel("Search").fill("inventory");
  await page.getByLabel("Search").press("Enter");
  await page.getByRole("link", { name: "Inventory positions" }).click();
  await page.waitForURL(/\/console\/domains\/supply-chain\/products\/inventory-positions$/);
  await assertText(page, "Schema");

  // A refused request shows its problem next to the field, and the form keeps what was typed.
  await page.getByLabel("IAM role (or account id) that will query").fill("not an arn");
  await page.getByLabel("Why you need it").fill("stock-outs by campaign");
  await page.getByRole("button", { name: "Request access" }).click();
  assert.equal(await page.locator("#principal-error").isVisible(), true);
  assert.equal(await page.getByLabel("Why you need it").inputValue(), "stock-outs by campaign");

  // Then a good one.
  await page.getByLabel("IAM role (or account id) that will query").fill(role);
  await page.getByRole("button", { name: "Request access" }).click();
  await page.waitForURL(/\/(request|[0-9a-f-]{36})$/);
  assert.match(page.url(), /\/console\/subscriptions\/[0-9a-f-]{36}$/, await page.locator("main").innerText());
  const subscription = page.url();
  assert.equal(await page.locator("#status").innerText(), "pending");
  assert.equal(await page.getByRole("button", { name: "Approve" }).count(), 0, "a consumer is offered no decision");

  // The steward: the request is among the pending ones; approved from its page.
  const s = steward.page;
  await s.getByRole("link", { name: "Pending requests" }).click();
  await s.locator(`a[href="${new URL(subscription).pathname}"]`).click();
  await assertText(s, role);
  await s.getByLabel("Comment (optional)").fill("approved in the browser test");
  await s.getByRole("button", { name: "Approve" }).click();
  await s.waitForURL(subscription);
  assert.equal(await s.locator("#status").innerText(), "approved");
  // The decision is in the audit log, whose chain verifies.
  await s.getByRole("link", { name: "Audit log" }).click();
  await s.getByLabel("Action").fill("subscription.approved");
  await s.getByRole("button", { name: "Filter" }).click();
  await assertText(s, "sofia");
  await s.getByRole("link", { name: "Verify the chain" }).click();
  await assertText(s, "Verified:");

  // The consumer sees it granted once the worker has applied it in Lake Formation.
  const deadline = Date.now() + 60_000;
  let provisioning = "";
  while (Date.now() < deadline) {
    await page.goto(subscription);
    provisioning = await page.locator("#provisioning").innerText();
    if (provisioning === "granted") break;
    await page.waitForTimeout(500);
  }
  assert.equal(provisioning, "granted");
  await assertText(page, "SELECT");

  await consumer.context.close();
  await steward.context.close();
});

test("a form without its CSRF token is refused, and a consumer cannot reach the steward's pages", async () => {
  const consumer = await signedIn("maya", "consumer", "marketing");
  const page = consumer.page;
  await page.goto(`${BASE}/console/domains/retail-pos/products/store-master`);
  await page.getByLabel("IAM role (or account id) that will query").fill(`arn:aws:iam::${ACCOUNT}:role/forged-${Date.now()}`);
  await page.getByLabel("Why you need it").fill("no token");
  // As a page on another site would post it: without the token.
  await page.locator('form[action$="/request"] input[name="csrf"]').evaluate((input) => input.remove());
  const answer = page.waitForResponse((r) => r.url().endsWith("/request"));
  await page.getByRole("button", { name: "Request access" }).click();
  assert.equal((await answer).status(), 403);
  await assertText(page, "did not come from this console");

  // The steward's pages: not linked for a consumer, and refused when reached by address.
  assert.equal(await page.getByRole("link", { name: "Audit log" }).count(), 0);
  const audit = await page.goto(`${BASE}/console/audit`);
  assert.equal(audit.status(), 403);
  await assertText(page, "only stewards and admins may read the audit trail");

  await consumer.context.close();
});

test("no page broke the Content-Security-Policy", () => {
  assert.deepEqual(policyViolations, []);
});
