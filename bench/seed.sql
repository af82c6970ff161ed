-- Seeds the benchmark database with a consumer-goods (CPG) data mesh: ~40 domains and
-- :products data products (default 500,000), all in SQL so it takes a couple of minutes.
--
--   psql "$URL" -v ON_ERROR_STOP=1 -v products=500000 -f bench/seed.sql
--
-- Deterministic: every "random" choice is a hash of the row number, so two runs seed the same
-- catalog. Words are drawn with skewed probabilities (lists are ordered most common first), so
-- full-text terms have a realistic spread: "sales" is in a large share of products, a project
-- code name at the end of its list in a few dozen.
--
-- Ids are UUIDv7-shaped (48-bit millisecond timestamp, version 7, variant 10) and increase with
-- the row number, one product a minute from 2024-06-01, like products created over the months
-- by the service itself (it pages by id).

\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '64MB';

-- uniform [0,1) from (row, salt)
CREATE FUNCTION pg_temp.u(i bigint, k bigint) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (hashint8extended(i, k) & 2147483647)::float8 / 2147483648.0 $$;

-- element of a at fraction x in [0,1)
CREATE FUNCTION pg_temp.pick(a text[], x float8) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT a[1 + floor(x * cardinality(a))::int] $$;

-- a UUIDv7-shaped id: ms timestamp, version 7, 12 bits of counter, variant 10, 62 hashed bits
CREATE FUNCTION pg_temp.ordered_uuid(ms bigint, i bigint) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (lpad(to_hex(ms), 12, '0') || '7' || lpad(to_hex(i & 4095), 3, '0')
                  || to_hex(8 + ((hashint8extended(i, 7) >> 2) & 3))
                  || lpad(to_hex(hashint8extended(i, 8) & 1152921504606846975), 15, '0'))::uuid $$;

CREATE FUNCTION pg_temp.slugify(s text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT trim(both '-' from regexp_replace(lower(s), '[^a-z0-9]+', '-', 'g')) $$;

BEGIN;

TRUNCATE products, domains CASCADE;

-- Secondary indexes are dropped during the load and rebuilt from their own definitions after it
-- (whatever the migrations say they are); the constraint indexes (primary key, unique) stay.
CREATE TEMP TABLE bench_saved_indexes AS
SELECT i.indexname, i.indexdef
FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = 'products'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname);
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT indexname FROM bench_saved_indexes LOOP
        EXECUTE format('DROP INDEX %I', r.indexname);
    END LOOP;
END $$;

-- Domains of a consumer-goods company, the busiest first.
INSERT INTO domains (id, slug, name, description, aws_account_id, sync_role_arn, external_id, owners,
                     approval_policy, created_at, updated_at)
SELECT pg_temp.ordered_uuid(1704067200000 + k * 3600000, k),
       slug,
       initcap(replace(slug, '-', ' ')),
       'Data products of the ' || replace(slug, '-', ' ') || ' domain of the group.',
       acct,
       'arn:aws:iam::' || acct || ':role/meshgov-catalog-reader',
       'ext-' || md5('bench-domain-' || slug),
       ARRAY[replace(slug, '-', '.') || '.lead@cpg.example'],
       (ARRAY['stewards', 'owners', 'either'])[1 + k % 3],
       to_timestamp((1704067200000 + k * 3600000) / 1000.0),
       to_timestamp((1704067200000 + k * 3600000) / 1000.0)
FROM unnest(ARRAY[
    'sales', 'supply-chain', 'marketing', 'finance', 'e-commerce', 'manufacturing', 'procurement',
    'logistics', 'revenue-growth', 'trade-marketing', 'category-management', 'consumer-insights',
    'demand-planning', 'customer-service', 'retail-execution', 'media', 'brand-snacks',
    'brand-beverages', 'brand-personal-care', 'brand-home-care', 'brand-dairy', 'brand-petcare',
    'quality', 'research-development', 'regulatory', 'sustainability', 'hr', 'it-operations',
    'treasury', 'tax', 'legal', 'pricing', 'field-sales', 'key-accounts', 'distributors',
    'direct-to-consumer', 'loyalty', 'innovation', 'packaging', 'health-safety'
]) WITH ORDINALITY AS t(slug, k),
LATERAL (SELECT lpad((100000000000 + k * 7919 * 1013)::text, 12, '0') AS acct) a;

CREATE TEMP TABLE bench_domains AS
SELECT row_number() OVER (ORDER BY id) AS k, id, slug FROM domains;

-- The products.
INSERT INTO products (id, domain_id, slug, name, description, classification, tags, owner,
                      source_database, source_tables, schema, schema_version, schema_synced_at,
                      status, version, created_at, updated_at, published_at)
SELECT pg_temp.ordered_uuid(ms, i),
       d.id,
       rtrim(left(pg_temp.slugify(w.grain || ' ' || w.subject || ' ' || w.category || ' ' || w.region), 50), '-')
           -- left() may cut just after a hyphen; the row number makes the slug unique
           || '-' || i,
       w.name,
       w.description,
       CASE WHEN pg_temp.u(i, 30) < 0.15 THEN 'public'
            WHEN pg_temp.u(i, 30) < 0.70 THEN 'internal'
            WHEN pg_temp.u(i, 30) < 0.92 THEN 'confidential'
            ELSE 'restricted' END,
       w.tags,
       w.owner,
       replace(d.slug, '-', '_') || '_' || replace(pg_temp.slugify(w.subject), '-', '_'),
       NULL,
       w.schema,
       1 + floor(pg_temp.u(i, 31) * 4)::int,
       to_timestamp(ms / 1000.0) + interval '1 hour',
       w.status,
       1 + floor(pg_temp.u(i, 32) * 3)::int,
       to_timestamp(ms / 1000.0),
       to_timestamp(ms / 1000.0) + interval '1 hour',
       CASE WHEN w.status <> 'draft' THEN to_timestamp(ms / 1000.0) + interval '2 hours' END
FROM generate_series(1::bigint, :products) AS g(i)
CROSS JOIN LATERAL (SELECT 1717200000000::bigint + i * 60000 + floor(pg_temp.u(i, 1) * 50000)::bigint AS ms) t
JOIN bench_domains d ON d.k = 1 + floor(power(pg_temp.u(i, 2), 1.7) * 40)::int
CROSS JOIN LATERAL (
    SELECT
        pg_temp.pick(ARRAY['sales', 'orders', 'inventory', 'shipments', 'promotions', 'pricing',
            'forecast', 'customers', 'stores', 'returns', 'margin', 'trade spend', 'production',
            'suppliers', 'quality', 'campaigns', 'media spend', 'loyalty', 'invoices', 'payments',
            'claims', 'deductions', 'budget', 'distributors', 'warehouses', 'freight', 'assortment',
            'planogram', 'shelf availability', 'consumption', 'household panel', 'surveys',
            'sentiment', 'recipes', 'ingredients', 'packaging', 'emissions', 'water usage', 'energy',
            'waste', 'recalls', 'allergens', 'complaints', 'audits', 'headcount', 'contracts',
            'rebates', 'listings', 'out of stocks', 'price elasticity'],
            power(pg_temp.u(i, 3), 2.4)) AS subject,
        pg_temp.pick(ARRAY['snacks', 'beverages', 'dairy', 'confectionery', 'haircare', 'skincare',
            'oral care', 'laundry', 'dishwashing', 'pet food', 'baby care', 'frozen foods', 'bakery',
            'coffee', 'tea', 'cereals', 'sauces', 'condiments', 'household cleaning', 'tissue',
            'deodorants', 'fragrances', 'cosmetics', 'ice cream', 'bottled water', 'juices',
            'energy drinks', 'plant based', 'infant nutrition', 'vitamins'],
            power(pg_temp.u(i, 4), 1.6)) AS category,
        pg_temp.pick(ARRAY['walmart', 'tesco', 'carrefour', 'kroger', 'costco', 'aldi', 'lidl',
            'amazon', 'target', 'ahold delhaize', 'sainsbury', 'rewe', 'edeka', 'auchan', 'metro',
            'walgreens', 'cvs', 'seven eleven', 'dollar general', 'woolworths', 'coles', 'jumbo',
            'mercadona', 'instacart', 'ocado'],
            power(pg_temp.u(i, 5), 1.8)) AS retailer,
        pg_temp.pick(ARRAY['global', 'emea', 'north america', 'latam', 'apac', 'united states',
            'united kingdom', 'germany', 'france', 'brazil', 'mexico', 'india', 'china', 'japan',
            'spain', 'italy', 'poland', 'nordics', 'benelux', 'australia'],
            power(pg_temp.u(i, 6), 1.5)) AS region,
        pg_temp.pick(ARRAY['daily', 'weekly', 'monthly', 'hourly', 'quarterly', 'real time',
            'yearly'], power(pg_temp.u(i, 7), 1.7)) AS grain,
        pg_temp.pick(ARRAY['net revenue', 'units', 'gross margin', 'volume', 'trade spend',
            'list price', 'cost of goods', 'fill rate', 'on shelf availability', 'share of shelf',
            'market share', 'distribution', 'velocity', 'baseline', 'uplift', 'roi', 'days of cover',
            'lead time', 'case fill', 'otif', 'forecast accuracy', 'bias', 'yield', 'scrap',
            'defect rate', 'nps', 'reach', 'frequency', 'penetration', 'repeat rate'],
            power(pg_temp.u(i, 8), 1.4)) AS measure1,
        pg_temp.pick(ARRAY['net revenue', 'units', 'gross margin', 'volume', 'trade spend',
            'list price', 'cost of goods', 'fill rate', 'on shelf availability', 'share of shelf',
            'market share', 'distribution', 'velocity', 'baseline', 'uplift', 'roi', 'days of cover',
            'lead time', 'case fill', 'otif', 'forecast accuracy', 'bias', 'yield', 'scrap',
            'defect rate', 'nps', 'reach', 'frequency', 'penetration', 'repeat rate'],
            pg_temp.u(i, 9)) AS measure2,
        pg_temp.pick(ARRAY['sap', 'salesforce', 'nielsen', 'circana', 'kantar', 'snowflake',
            'databricks', 'oracle', 'blue yonder', 'o9', 'kinaxis', 'google analytics', 'meta ads',
            'dunnhumby', 'retail link', 'edi', 'workday', 'coupa', 'ariba', 'manhattan'],
            power(pg_temp.u(i, 10), 1.5)) AS system,
        pg_temp.pick(ARRAY['promotion planning', 'demand sensing', 'replenishment',
            'price setting', 'joint business planning', 'budgeting', 'executive reporting',
            'store visits', 'media mix modelling', 'assortment reviews', 'sustainability reporting',
            'supplier scorecards', 'churn models', 'root cause analysis', 'capacity planning'],
            pg_temp.u(i, 11)) AS usecase,
        -- flavours: a medium tail
        pg_temp.pick(ARRAY['original', 'chocolate', 'vanilla', 'strawberry', 'salted', 'mint',
            'lemon', 'orange', 'barbecue', 'paprika', 'cheese', 'caramel', 'hazelnut', 'coconut',
            'mango', 'raspberry', 'cinnamon', 'ginger', 'peach', 'cherry', 'lime', 'honey', 'almond',
            'pistachio', 'matcha', 'blueberry', 'chili', 'garlic', 'truffle', 'lavender', 'yuzu',
            'elderflower', 'rhubarb', 'tamarind', 'cardamom', 'saffron', 'bergamot', 'kombucha',
            'sumac', 'calamansi'],
            power(pg_temp.u(i, 12), 2.5)) AS flavour,
        -- project code names: a long tail, the last ones in a few dozen products
        pg_temp.pick(ARRAY['atlas', 'phoenix', 'horizon', 'aurora', 'everest', 'nova', 'orion',
            'polaris', 'zenith', 'apollo', 'titan', 'vega', 'helix', 'summit', 'falcon', 'jupiter',
            'mercury', 'neptune', 'odyssey', 'pegasus', 'quasar', 'radiant', 'sirius', 'tundra',
            'umbra', 'vortex', 'willow', 'xenon', 'yosemite', 'zephyr', 'acacia', 'birch', 'cedar',
            'dahlia', 'ember', 'fjord', 'glacier', 'harbor', 'iris', 'juniper', 'kestrel', 'lagoon',
            'magnolia', 'nimbus', 'obsidian', 'prairie', 'quartz', 'redwood', 'sequoia', 'tamarack',
            'upland', 'verbena', 'wisteria', 'yarrow', 'zinnia', 'basalt', 'cobalt', 'dune',
            'estuary', 'flint', 'garnet', 'heron', 'indigo', 'jasper', 'kelp', 'lichen', 'marlin',
            'narwhal', 'osprey', 'pelican', 'quokka', 'raven', 'sparrow', 'toucan', 'urchin',
            'vulture', 'walrus', 'xerus', 'yak', 'zebu', 'albatross', 'bison', 'caracal', 'dingo',
            'egret', 'fennec', 'gecko', 'hyena', 'ibex', 'jackal', 'kinkajou', 'lemur', 'mongoose',
            'numbat', 'ocelot', 'pangolin', 'quetzal', 'saola', 'tarsier', 'wombat'],
            power(pg_temp.u(i, 13), 3.0)) AS codename,
        CASE WHEN pg_temp.u(i, 14) < 0.82 THEN 'published'
             WHEN pg_temp.u(i, 14) < 0.92 THEN 'draft'
             WHEN pg_temp.u(i, 14) < 0.98 THEN 'deprecated'
             ELSE 'retired' END AS status,
        pg_temp.pick(ARRAY['anna', 'ben', 'carla', 'david', 'elena', 'farid', 'grace', 'hiro',
            'ines', 'jonas', 'kemal', 'lucia', 'maya', 'nils', 'olga', 'pedro', 'qin', 'rosa',
            'samir', 'tara'], pg_temp.u(i, 15))
            || '.' || pg_temp.pick(ARRAY['smith', 'garcia', 'muller', 'rossi', 'dubois', 'kowalski',
            'silva', 'tanaka', 'nguyen', 'jansen', 'novak', 'berg', 'costa', 'fischer', 'lopez'],
            pg_temp.u(i, 16)) || '@cpg.example' AS owner
) v
CROSS JOIN LATERAL (
    SELECT
        CASE floor(pg_temp.u(i, 20) * 3)::int
            WHEN 0 THEN initcap(v.grain || ' ' || v.subject) || ' by Store and SKU – '
                        || initcap(v.category) || ', ' || initcap(v.region)
            WHEN 1 THEN initcap(v.category || ' ' || v.subject || ' ' || v.region)
                        || ' (' || initcap(v.retailer) || ')'
            ELSE initcap(v.retailer || ' ' || v.subject || ' and ' || v.measure1 || ' ' || v.grain)
        END AS name,
        initcap(v.grain) || ' ' || v.subject || ' of ' || v.category || ' at ' || initcap(v.retailer)
            || ' in ' || initcap(v.region) || ', from ' || upper(v.system) || ', with ' || v.measure1
            || ' and ' || v.measure2 || ' by product, store and week. '
            || 'Used for ' || v.usecase || ' by the ' || v.subject || ' team. '
            || CASE WHEN pg_temp.u(i, 21) < 0.30 THEN 'Covers the ' || v.flavour || ' range. ' ELSE '' END
            || CASE WHEN pg_temp.u(i, 22) < 0.12 THEN 'Built for project ' || initcap(v.codename) || '. ' ELSE '' END
            || CASE WHEN pg_temp.u(i, 23) < 0.25 THEN 'Late-arriving data is restated for up to four weeks; '
                    || 'figures before the restatement window are final. ' ELSE '' END
            AS description,
        ARRAY(
            SELECT DISTINCT pg_temp.pick(ARRAY['kpi', 'certified', 'gold', 'daily', 'pos', 'silver',
                'finance', 'weekly', 'forecast', 'syndicated', 'pii', 'gdpr', 'bronze', 'monthly',
                'dashboard', 'ml-feature', 'sox', 'shared', 'experimental', 'realtime', 'sap',
                'nielsen', 'retail-link', 'edi', 'esg', 'sensitive', 'deprecated-soon', 'pilot',
                'golden-record', 'cdp'], power(pg_temp.u(i * 16 + n, 24), 1.8))
            FROM generate_series(1, 1 + floor(pg_temp.u(i, 25) * 4)::int) AS s(n)
        ) AS tags,
        v.owner,
        v.status,
        v.subject,
        v.category,
        v.region,
        v.grain,
        (SELECT jsonb_build_object('tables', jsonb_agg(
                    jsonb_build_object(
                        'name', tb.prefix || '_' || replace(pg_temp.slugify(v.subject), '-', '_')
                                || CASE WHEN tn > 1 THEN '_' || tb.suffix ELSE '' END,
                        'columns', tb.columns)
                    ORDER BY tn))
         FROM generate_series(1, 1 + floor(power(pg_temp.u(i, 26), 1.5) * 4)::int) AS tt(tn)
         CROSS JOIN LATERAL (
             SELECT pg_temp.pick(ARRAY['fact', 'dim', 'agg', 'snapshot', 'stg'], pg_temp.u(i * 8 + tn, 27)) AS prefix,
                    pg_temp.pick(ARRAY['by_store', 'by_sku', 'by_week', 'by_customer', 'history',
                        'current', 'detail', 'summary'], pg_temp.u(i * 8 + tn, 28)) AS suffix,
                    (SELECT jsonb_agg(jsonb_build_object('name', col[1], 'type', col[2]) ORDER BY c)
                     FROM generate_series(1, 3 + floor(pg_temp.u(i * 8 + tn, 29) * 6)::int) AS cc(c)
                     CROSS JOIN LATERAL (
                         -- a walk through the 47 columns with a step coprime to 47: no repeats
                         SELECT string_to_array((ARRAY[
                             'date_key:date', 'store_id:string', 'sku_id:string', 'customer_id:string',
                             'units:bigint', 'net_sales_amount:decimal(18,2)', 'gross_amount:decimal(18,2)',
                             'currency:string', 'country_code:string', 'retailer_id:string', 'week_id:int',
                             'promo_id:string', 'discount_amount:decimal(18,2)', 'list_price:decimal(18,4)',
                             'cost_amount:decimal(18,2)', 'margin_pct:double', 'on_hand_qty:bigint',
                             'in_transit_qty:bigint', 'warehouse_id:string', 'supplier_id:string',
                             'order_id:string', 'order_line:int', 'shipped_at:timestamp', 'delivered_at:timestamp',
                             'carrier:string', 'freight_cost:decimal(18,2)', 'forecast_units:double',
                             'forecast_version:string', 'campaign_id:string', 'channel:string',
                             'impressions:bigint', 'clicks:bigint', 'spend_amount:decimal(18,2)',
                             'household_id:string', 'panel_weight:double', 'survey_score:int',
                             'sentiment_score:double', 'batch_id:string', 'plant_id:string',
                             'defect_code:string', 'co2e_kg:double', 'water_l:double', 'is_promo:boolean',
                             'brand:string', 'category:string', 'updated_at:timestamp', 'source_file:string'
                         ])[1 + ((floor(pg_temp.u(i * 8 + tn, 30) * 47)::int
                                  + (c - 1) * (1 + floor(pg_temp.u(i * 8 + tn, 31) * 46)::int)) % 47)], ':') AS col
                     ) cl) AS columns
         ) tb) AS schema
) w
ORDER BY i;

DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT indexdef FROM bench_saved_indexes LOOP
        EXECUTE r.indexdef;
    END LOOP;
END $$;

-- Paths of the products a consumer may read (everything but drafts), numbered for pgbench,
-- which cannot draw a random string itself.
DROP TABLE IF EXISTS bench_paths;
CREATE TABLE bench_paths AS
SELECT row_number() OVER (ORDER BY p.id) AS n, d.slug AS domain_slug, p.slug AS product_slug
FROM products p JOIN domains d ON d.id = p.domain_id
WHERE p.status <> 'draft';
ALTER TABLE bench_paths ADD PRIMARY KEY (n);

COMMIT;

VACUUM (ANALYZE) domains;
VACUUM (ANALYZE) products;
VACUUM (ANALYZE) bench_paths;
