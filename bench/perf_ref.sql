-- The yardstick's data (copied unchanged from the project's shared bench, reference.sh's perf_ref.sql):
-- 200,000 victims and 5,000,000 services over 100 shelters and 24 months, in tables of their own (ref_*).
DROP TABLE IF EXISTS ref_victim, ref_service;
CREATE TABLE ref_victim(id bigint primary key, shelter int, role smallint, tip bool, nat text, intake date, exit date);
CREATE TABLE ref_service(id bigserial primary key, victim bigint, shelter int, date date, category smallint);
INSERT INTO ref_victim
SELECT g, (g % 100), CASE WHEN random() < 0.7 THEN 0 ELSE 1 END, random() < 0.3,
       (ARRAY['MX','MX','GT','US','HN',''])[1 + (random()*5)::int],
       d, CASE WHEN random() < 0.7 THEN d + (random()*200)::int END
FROM (SELECT g, date '2024-01-01' + (random()*720)::int AS d FROM generate_series(1,200000) g) s;
INSERT INTO ref_service(victim, shelter, date, category)
SELECT v.id, v.shelter, v.intake + (random()* (coalesce(v.exit, date '2025-12-31') - v.intake))::int, (random()*5)::int
FROM ref_victim v, generate_series(1, 25) k;
CREATE INDEX ON ref_service(shelter, date);
ANALYZE ref_victim; ANALYZE ref_service;
