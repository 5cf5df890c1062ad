-- The yardstick's passes (copied unchanged from the project's shared bench, reference.sh's perf_query.sql):
-- the reference is the sum of the first two statements' times, the third is one shelter-month.
\timing on
-- one pass: victims served per shelter-month (open intervals), by role and TIP, origin
WITH months AS (SELECT generate_series(date '2024-01-01', date '2025-12-01', interval '1 month')::date AS m),
vm AS (
  SELECT v.shelter, m.m, v.role, v.tip, v.nat
  FROM ref_victim v JOIN months m
    ON v.intake <= (m.m + interval '1 month - 1 day')::date AND (v.exit IS NULL OR v.exit >= m.m)
)
SELECT count(*) FROM (
SELECT shelter, m,
  count(*) FILTER (WHERE role=0) served, count(*) FILTER (WHERE role=1) secondary,
  count(*) FILTER (WHERE role=0 AND tip) tip, count(*) FILTER (WHERE role=0 AND tip AND nat='MX') mx
FROM vm GROUP BY shelter, m) x;
-- one pass: services per shelter-month by category, and distinct victims for two categories
SELECT count(*) FROM (
SELECT shelter, date_trunc('month', date) m,
  count(*) FILTER (WHERE category=0) legal, count(*) FILTER (WHERE category=1) medical,
  count(*) FILTER (WHERE category=2) mh, count(*) FILTER (WHERE category=3) social,
  count(DISTINCT victim) FILTER (WHERE category=4) voc, count(DISTINCT victim) FILTER (WHERE category=5) school
FROM ref_service GROUP BY 1, 2) y;
-- one shelter-month
SELECT category, count(*), count(DISTINCT victim) FROM ref_service WHERE shelter=7 AND date >= '2025-03-01' AND date < '2025-04-01' GROUP BY 1;
