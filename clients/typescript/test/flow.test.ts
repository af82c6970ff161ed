// A user's flow through the generated TypeScript client, against a running meshgov and the AWS
// emulator. Run by `scripts/clients.sh flow BASE_URL`, which picks fresh names and accounts, mints
// the tokens and passes everything in the environment (see clients/tests/test_flow.py for the
// list): MESHGOV_URL, MESHGOV_FLOW_TOKEN_{ADMIN,STEWARD,PRODUCER,CONSUMER},
// MESHGOV_FLOW_{PRODUCER,CONSUMER}_{DOMAIN,ACCOUNT}, EMULATOR_URL and EMULATOR_PYTHON.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import {
  approveSubscription,
  createClient,
  createConfig,
  createDomain,
  createProduct,
  getJob,
  getProduct,
  getProductSchema,
  getSubscription,
  listAudit,
  listEvents,
  publishProduct,
  requestSubscription,
  searchProducts,
  syncProduct,
  updateProduct,
  type Client,
  type NewSubscription,
  type Problem,
} from '../src/index.js';

const TIMEOUT_MS = 60_000;
const TABLES = ['orders', 'order_lines'];

function env(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set (run this test with scripts/clients.sh flow BASE_URL)`);
  return value;
}

function client(role: 'admin' | 'steward' | 'producer' | 'consumer'): Client {
  return createClient(
    createConfig({ baseUrl: env('MESHGOV_URL'), auth: env(`MESHGOV_FLOW_TOKEN_${role.toUpperCase()}`) }),
  );
}

/** What every SDK function resolves to (without throwOnError). */
type Result<T> = { data?: T | undefined; error?: Problem | undefined; response: Response };

/** The body of a successful response with this status. */
function ok<T>(result: Result<T>, status: number): T {
  assert.equal(result.response.status, status, `expected HTTP ${status}: ${JSON.stringify(result.error)}`);
  assert.ok(result.data !== undefined, 'a body');
  return result.data;
}

/** The problem document of an error response, as the client parsed it. */
function problem(result: Result<unknown>, status: number, code: string): Problem {
  assert.equal(result.response.status, status, `expected HTTP ${status}: ${JSON.stringify(result.data)}`);
  assert.ok(result.error, 'a problem document');
  const p: Problem = result.error;
  assert.equal(p.code, code, JSON.stringify(p));
  assert.equal(p.status, status);
  assert.ok(p.request_id);
  assert.match(result.response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  return p;
}

async function waitFor<T>(what: string, poll: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = await poll();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `timed out after ${TIMEOUT_MS / 1000}s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a producer publishes, a consumer subscribes, a steward approves', async () => {
  const [admin, steward, producer, consumer] = [client('admin'), client('steward'), client('producer'), client('consumer')];
  const prodDomain = env('MESHGOV_FLOW_PRODUCER_DOMAIN');
  const consDomain = env('MESHGOV_FLOW_CONSUMER_DOMAIN');
  const prodAccount = env('MESHGOV_FLOW_PRODUCER_ACCOUNT');
  const consAccount = env('MESHGOV_FLOW_CONSUMER_ACCOUNT');
  const word = prodDomain.replaceAll('-', ''); // one search word, unique to this run
  const database = `${word}_db`;

  // The producer's Glue catalog, in its own account in the emulator.
  const helper = fileURLToPath(new URL('../../tests/glue_catalog.py', import.meta.url));
  execFileSync(env('EMULATOR_PYTHON'), [helper, env('EMULATOR_URL'), prodAccount, database, ...TABLES], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });

  // Onboarding (admin): a producer domain in central mode and a consumer domain.
  const domain = ok(
    await createDomain({
      client: admin,
      body: {
        slug: prodDomain,
        name: `Producer ${word}`,
        description: 'Producer domain of a client flow test',
        aws_account_id: prodAccount,
        sync_role_arn: `arn:aws:iam::${prodAccount}:role/meshgov-catalog-reader`,
        owners: ['flow-owner@example.com'],
        approval_policy: 'stewards',
        catalog_mode: 'central',
        data_access_role_arn: 'arn:aws:iam::123456789012:role/meshgov-data-access',
        link_role_arn: `arn:aws:iam::${prodAccount}:role/meshgov-links`,
      },
    }),
    201,
  );
  assert.equal(domain.slug, prodDomain);
  ok(
    await createDomain({
      client: admin,
      body: {
        slug: consDomain,
        name: `Consumer ${word}`,
        aws_account_id: consAccount,
        sync_role_arn: `arn:aws:iam::${consAccount}:role/meshgov-catalog-reader`,
        approval_policy: 'stewards',
        link_role_arn: `arn:aws:iam::${consAccount}:role/meshgov-links`,
      },
    }),
    201,
  );

  // 422: an invalid body (the account id is not 12 digits), with per-field errors.
  const invalid = problem(
    await createDomain({ client: admin, body: { slug: `${prodDomain}-bad`, name: 'Bad', aws_account_id: '12345' } }),
    422,
    'validation_failed',
  );
  assert.ok(invalid.errors?.some((e) => e.field === 'aws_account_id'), JSON.stringify(invalid));

  // The producer registers a product over the database, publishes it and syncs it.
  const path = { domain: prodDomain, product: 'orders' };
  const created = ok(
    await createProduct({
      client: producer,
      path: { domain: prodDomain },
      body: {
        slug: 'orders',
        name: `Orders ${word}`,
        description: 'Orders and order lines, for the client flow test.',
        classification: 'internal',
        tags: ['flow', 'orders'],
        source: { database, tables: TABLES },
      },
    }),
    201,
  );
  assert.equal(created.status, 'draft');
  assert.equal(ok(await publishProduct({ client: producer, path }), 200).status, 'published');
  const queued = await syncProduct({ client: producer, path });
  const job = ok(queued, 202);
  assert.equal(queued.response.headers.get('location'), `/api/v1/jobs/${job.id}`);
  await waitFor(`sync job ${job.id}`, async () => {
    const j = ok(await getJob({ client: producer, path: { id: job.id } }), 200);
    assert.notEqual(j.status, 'failed', JSON.stringify(j));
    return j.status === 'succeeded' ? j : undefined;
  });
  const schema = ok(await getProductSchema({ client: consumer, path }), 200);
  assert.deepEqual(schema.tables.map((t) => t.name).sort(), [...TABLES].sort());
  for (const table of schema.tables) {
    assert.deepEqual(table.columns?.map((c) => c.name), ['id', 'region', 'amount']);
  }

  // Search finds it.
  const found = ok(await searchProducts({ client: consumer, query: { q: word } }), 200);
  assert.deepEqual(found.items.map((p) => [p.domain, p.slug]), [[prodDomain, 'orders']]);

  // 412: PATCH with the current ETag, then again with that (now stale) ETag.
  const read = await getProduct({ client: producer, path });
  ok(read, 200);
  const etag = read.response.headers.get('etag');
  assert.ok(etag, 'an ETag');
  const patched = await updateProduct({
    client: producer,
    path,
    headers: { 'If-Match': etag },
    body: { description: 'Changed once.' },
  });
  assert.equal(ok(patched, 200).description, 'Changed once.');
  assert.notEqual(patched.response.headers.get('etag'), etag);
  problem(
    await updateProduct({ client: producer, path, headers: { 'If-Match': etag }, body: { description: 'Changed twice.' } }),
    412,
    'precondition_failed',
  );

  // The consumer asks for access for a role of its account, with an Idempotency-Key; a retry
  // with the same key and body returns the same subscription.
  const request: NewSubscription = {
    domain: prodDomain,
    product: 'orders',
    consumer_domain: consDomain,
    principal: `arn:aws:iam::${consAccount}:role/analyst`,
    justification: 'Client flow test',
    tables: [{ name: 'orders' }, { name: 'order_lines', columns: ['id', 'amount'] }],
  };
  const key = randomUUID();
  const requested = await requestSubscription({ client: consumer, body: request, headers: { 'Idempotency-Key': key } });
  const sub = ok(requested, 201);
  assert.equal(requested.response.headers.get('location'), `/api/v1/subscriptions/${sub.id}`);
  assert.equal(requested.response.headers.get('idempotent-replayed'), null);
  const again = await requestSubscription({ client: consumer, body: request, headers: { 'Idempotency-Key': key } });
  assert.equal(ok(again, 201).id, sub.id);
  assert.equal(again.response.headers.get('idempotent-replayed'), 'true');

  // A steward approves; the grants are applied in Lake Formation by a job.
  const decision = await approveSubscription({ client: steward, path: { id: sub.id }, body: { comment: 'ok for the flow test' } });
  const approved = ok(decision, 202);
  assert.equal(approved.status, 'approved');
  assert.equal(decision.response.headers.get('etag'), `"${approved.version}"`);
  const granted = await waitFor(`subscription ${sub.id} to be granted`, async () => {
    const s = ok(await getSubscription({ client: consumer, path: { id: sub.id } }), 200);
    assert.ok(!['grant_failed', 'revoke_failed'].includes(s.provisioning), JSON.stringify(s));
    return s.provisioning === 'granted' ? s : undefined;
  });
  assert.ok(granted.grants && granted.grants.length > 0, JSON.stringify(granted));
  assert.ok(granted.grants.every((g) => g.state === 'granted'), JSON.stringify(granted.grants));

  // The audit log, two events a page, following next_cursor.
  const first = ok(await listAudit({ client: steward, query: { limit: 2 } }), 200);
  assert.equal(first.items.length, 2);
  assert.ok(first.next_cursor, 'a next_cursor');
  const second = ok(await listAudit({ client: steward, query: { limit: 2, cursor: first.next_cursor } }), 200);
  assert.ok(second.items.length > 0);
  const seqs = [...first.items, ...second.items].map((e) => e.seq);
  assert.equal(new Set(seqs).size, seqs.length);
  const ours = ok(await listAudit({ client: steward, query: { target: `subscription:${sub.id}`, limit: 200 } }), 200);
  const actions = new Set(ours.items.map((e) => e.action));
  assert.ok(actions.has('subscription.requested') && actions.has('subscription.approved'), [...actions].join());

  // The event feed from just before the subscription's first event, following next_after.
  const start = Math.min(...ours.items.map((e) => e.seq)) - 1;
  const feed = ok(await listEvents({ client: consumer, query: { after: start, limit: 2 } }), 200);
  const firstEvent = feed.events[0];
  assert.ok(firstEvent, 'an event');
  assert.equal(firstEvent.seq, start + 1);
  assert.equal(firstEvent.subject, `subscription:${sub.id}`);
  assert.ok(feed.next_after >= (feed.events.at(-1)?.seq ?? 0));
  const more = ok(await listEvents({ client: consumer, query: { after: feed.next_after, limit: 2 } }), 200);
  assert.ok(more.events.every((e) => e.seq > feed.next_after));
});
