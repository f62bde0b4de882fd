-- demo_cases: inserts $n demo cases generated inside DuckDB, already in reported_at order.
-- Built by gridboard/demo.py, which first creates the tables below and the macro demo_u(h, k):
-- the k-th uniform draw in [0, 1) of the case whose hash is h. Every draw of case i comes from
-- h = hash(i, $seed), so a seed gives the same cases whatever the thread count (random() would
-- not; phone digits re-hash h XOR k the same way as demo_u). Weighted choices are "tickets":
-- an item repeated in proportion to its weight, picked by a uniform index.
--   demo_ids(i)                         0 .. $n - 1, scanned in parallel
--   demo_time(q, t)                     knots of $bins equal-probability time bins (q = 0 .. $bins),
--                                       seconds after $start
--   demo_units(row_id, grid_row, unit_id, area, q, lon, lat, place)   grids and micro-grids;
--                                       grid_row numbers their grid; area 0 urban, 1 rural,
--                                       2 dedicated; q = the grid's hidden quality, decline = 1
--                                       for the planted declining grids (worse as time goes on)
--   demo_unit_tickets(ticket, row_id)   $unit_tickets tickets by case load
--   demo_kinds(kind_id, category, ...)  the subcategories of demo_case_kinds.sql
--   demo_kind_tickets(kind_key, kind_id)   by area and season:
--                                       kind_key = (area * 4 + season) * $kind_tickets + ticket
-- The tables are read as lists of a one-row `lookup` and indexed per case: a hash join here
-- would scramble the row order once the scan runs on two threads (DuckDB 2.0 then appends the
-- second half first), list indexing keeps it. The cross product copies the lists into every
-- chunk of 2,048 cases, so they are kept short (demo.py sizes the ticket tables).
-- Each case is first simulated to the end (raw times, epoch microseconds), then cut at $as_of:
-- whatever happens after $as_of is NULL, and status follows from what is left. Codes stay
-- integers until the last projection (source 0 grid_patrol, 1 hotline, 2 app, 3 sensor,
-- 4 other; level 0 grid, 1 community, 2 town, 3 county): cheaper than comparing strings.
INSERT INTO cases (case_id, unit_id, source, category, subcategory, title, reported_at, dispatched_at,
                   responded_at, closed_at, callback_at, due_at, status, handled_level, department,
                   satisfaction, reopened, supervised, lon, lat, reporter_phone)
WITH lookup AS (
    SELECT
        (SELECT list(t ORDER BY q) FROM demo_time) AS l_t,
        (SELECT list(row_id ORDER BY ticket) FROM demo_unit_tickets) AS l_unit_of,
        (SELECT list(kind_id ORDER BY kind_key) FROM demo_kind_tickets) AS l_kind_of,
        u.*, g.*, k.*
    FROM (
        SELECT list(unit_id ORDER BY row_id) AS l_unit_id,
               list(grid_row ORDER BY row_id) AS l_grid_of,
               list(area ORDER BY row_id) AS l_area,
               list(lon ORDER BY row_id) AS l_lon,
               list(lat ORDER BY row_id) AS l_lat,
               list(place ORDER BY row_id) AS l_place
        FROM demo_units
    ) AS u, (
        -- what a grid's hidden quality q does (its micro-grids share it), once per grid
        SELECT list(ln(10) + ln(1.6 - 0.6 * q) ORDER BY grid_row) AS l_disp_mu,    -- operator dispatch, log minutes
               list(ln(8) + 2.0 * (1 - q) ORDER BY grid_row) AS l_sign_mu,         -- sign-for after dispatch, log minutes
               list(0.10 + 0.55 * pow(1 - q, 1.3) ORDER BY grid_row) AS l_rho0,    -- median close time / time limit
               list(0.3 + 3.0 * q ORDER BY grid_row) AS l_grid_e,                  -- grid-resolved share 1 - (1 - s)^e
               list(0.008 + 0.045 * (1 - q) ORDER BY grid_row) AS l_p_reopen,
               list(0.006 + 0.08 * pow(1 - q, 1.5) ORDER BY grid_row) AS l_p_dissatisfied0,
               list(0.05 + 0.10 * (1 - q) ORDER BY grid_row) AS l_p_basic,
               list(decline ORDER BY grid_row) AS l_decline
        FROM (SELECT DISTINCT grid_row, q, decline FROM demo_units)
    ) AS g, (
        SELECT list(category ORDER BY kind_id) AS l_category,
               list(subcategory ORDER BY kind_id) AS l_subcategory,
               list(department ORDER BY kind_id) AS l_department,
               list(limit_hours ORDER BY kind_id) AS l_limit_hours,
               list(ln(1 - grid_share) ORDER BY kind_id) AS l_ln_keep,
               list(town_desk ORDER BY kind_id) AS l_town_desk,
               list(title_head ORDER BY kind_id) AS l_title_head,
               list(phrases ORDER BY kind_id) AS l_phrases,
               list(src1 ORDER BY kind_id) AS l_src1,
               list(src2 ORDER BY kind_id) AS l_src2,
               list(src3 ORDER BY kind_id) AS l_src3,
               list(src4 ORDER BY kind_id) AS l_src4
        FROM demo_kinds
    ) AS k
),
drawn AS (
    -- jittered stratified positions: case i lies in [i, i + 1) / $n of the time distribution,
    -- so reported_at rises with i and the rows go in already sorted (zone maps prune on time)
    SELECT d.i, d.h, d.pos, CAST(floor(d.pos) AS INTEGER) + 1 AS b,
           lk.l_unit_of[CAST(floor(demo_u(d.h, 1) * $unit_tickets) AS INTEGER) + 1] + 1 AS u,
           lk.*
    FROM (SELECT i, hash(i, $seed) AS h, (i + demo_u(hash(i, $seed), 0)) / $n * $bins AS pos FROM demo_ids) AS d,
         lookup AS lk
),
timed AS (
    SELECT *, epoch_us($start) + CAST(floor(l_t[b] + (pos - b + 1) * (l_t[b + 1] - l_t[b])) AS BIGINT) * 1000000
                  AS rep_us
    FROM drawn
),
ticketed AS (
    -- the case mix depends on the area and the season (0 winter Dec-Feb, 1 spring, 2 summer, 3 autumn)
    SELECT *, l_kind_of[kt] + 1 AS k, l_grid_of[u] + 1 AS g
    FROM (SELECT *, (l_area[u] * 4 + (month(make_timestamp(rep_us)) % 12) // 3) * $kind_tickets
                    + CAST(floor(demo_u(h, 2) * $kind_tickets) AS INTEGER) + 1 AS kt
          FROM timed)
),
kinded AS (
    SELECT i, h, rep_us,
           l_unit_id[u] AS unit_id, l_lon[u] AS unit_lon, l_lat[u] AS unit_lat, l_place[u] AS place,
           l_disp_mu[g] AS disp_mu, l_sign_mu[g] AS sign_mu, l_rho0[g] AS rho0, l_grid_e[g] AS grid_e,
           l_p_reopen[g] AS p_reopen, l_p_dissatisfied0[g] AS p_dissatisfied0, l_p_basic[g] AS p_basic,
           -- a declining grid slips from its quality to a poor one over the two years (0 → 1)
           l_decline[g] * CAST(rep_us - epoch_us($start) AS DOUBLE) / (epoch_us($as_of) - epoch_us($start)) AS slip,
           l_phrases[k][1 + CAST(floor(demo_u(h, 22) * len(l_phrases[k])) AS INTEGER)] AS phrase,
           l_category[k] AS category, l_subcategory[k] AS subcategory,
           l_department[k] AS department, l_limit_hours[k] AS limit_hours,
           l_ln_keep[k] AS ln_keep, l_town_desk[k] AS town_desk,
           l_title_head[k] AS title_head,
           l_src1[k] AS src1, l_src2[k] AS src2,
           l_src3[k] AS src3, l_src4[k] AS src4,
           demo_u(h, 3) AS u_src, demo_u(h, 4) AS u_grid, demo_u(h, 5) AS u_level,
           demo_u(h, 18) AS u_sat, demo_u(h, 19) AS u_sup,
           -- two Box-Muller pairs give four standard normals
           sqrt(-2 * ln(1 - demo_u(h, 10))) AS r1, 2 * pi() * demo_u(h, 11) AS a1,
           sqrt(-2 * ln(1 - demo_u(h, 12))) AS r2, 2 * pi() * demo_u(h, 13) AS a2
    FROM ticketed
),
coded AS (
    SELECT *,
           CASE WHEN u_src < src1 THEN 0 WHEN u_src < src2 THEN 1 WHEN u_src < src3 THEN 2
                WHEN u_src < src4 THEN 3 ELSE 4 END AS src,
           -- the level that will resolve it: good grids keep more inside the grid (the share
           -- 1 - (1 - s)^e, e = 0.3 at q = 0 up to 3.3 at q = 1, stays a probability)
           CASE WHEN u_grid < 1 - exp(grid_e * (1 - 0.8 * slip) * ln_keep) THEN 0
                WHEN u_level < 0.55 THEN 1
                WHEN u_level < 0.88 OR town_desk THEN 2
                ELSE 3 END AS lvl,
           CAST(rep_us - epoch_us($start) AS DOUBLE) / (epoch_us($as_of) - epoch_us($start)) AS t_frac,
           (rep_us // 3600000000) % 24 AS hour_of_day,
           demo_u(h, 6) < 0.015 AS cancel_sim,
           demo_u(h, 7) < p_reopen + 0.08 * slip AS reopen_sim,
           -- the current backlog: a share $stuck_p of the last 30 days' cases is still unsolved
           -- at $as_of (demo.py raises the share for small demos so a backlog always shows)
           rep_us >= epoch_us($as_of) - 30 * 86400000000 AND demo_u(h, 8) < $stuck_p AS stuck_sim
    FROM kinded
),
flags AS (
    SELECT *,
           demo_u(h, 17) < CASE src WHEN 1 THEN 0.97 WHEN 2 THEN 0.93 WHEN 0 THEN 0.86 WHEN 3 THEN 0.35 ELSE 0.80 END
               AS surveyed_sim,
           -- dispatch: grid workers and sensors file straight into the system; calls wait for an operator
           60 * exp(CASE src WHEN 0 THEN ln(2) + 0.6 * r1 * cos(a1)
                             WHEN 3 THEN ln(3) + 0.5 * r1 * cos(a1)
                             ELSE disp_mu + 0.7 * r1 * cos(a1) END) AS disp_s,
           -- half of the non-urgent night reports wait for the 08:00 shift
           CASE WHEN limit_hours > 24 AND (hour_of_day >= 22 OR hour_of_day < 7) AND demo_u(h, 14) < 0.5
                THEN CAST((rep_us // 86400000000) * 86400000000 - rep_us AS DOUBLE) / 1000000
                     + 3600 * (8 + CASE WHEN hour_of_day >= 22 THEN 24 ELSE 0 END)
                ELSE 0 END AS night_s,
           -- grid quality moves both the sign-for time and the close time (share of the time limit)
           60 * exp(sign_mu + 2.5 * slip + 0.9 * r1 * sin(a1)) AS sign_s,
           -- median close time as a share of the limit: grid quality, resolving level, a slow
           -- improvement over the two years, and a reopened case takes longer
           rho0 * [0.4, 0.8, 1.0, 1.4][lvl + 1] * (1.15 - 0.3 * t_frac) * (1 + 3.0 * slip)
               * CASE WHEN reopen_sim THEN 1.6 ELSE 1 END AS rho
    FROM coded
),
durations AS (
    SELECT *,
           disp_s + night_s + sign_s AS resp_s,
           greatest(disp_s + night_s + sign_s + 300 + 600 * demo_u(h, 15),
                    least(12.0, exp(ln(rho) + 0.85 * r2 * cos(a2))) * limit_hours * 3600,
                    CASE WHEN stuck_sim
                         THEN CAST(epoch_us($as_of) - rep_us AS DOUBLE) / 1000000 + 3600 * (1 + 240 * demo_u(h, 9))
                         ELSE 0 END
           ) AS close_s
    FROM flags
),
raw AS (
    SELECT *,
           rep_us + CAST(round(disp_s) AS BIGINT) * 1000000 AS disp_us,
           rep_us + CAST(round(resp_s) AS BIGINT) * 1000000 AS resp_us,
           CASE WHEN NOT cancel_sim THEN rep_us + CAST(round(close_s) AS BIGINT) * 1000000 END AS close_us,
           CASE WHEN cancel_sim THEN rep_us + CAST(1800 + floor(demo_u(h, 16) * 86400) AS BIGINT) * 1000000 END
               AS cancel_us,
           CASE WHEN surveyed_sim AND NOT cancel_sim THEN rep_us + CAST(round(
               close_s + 3600 * greatest(0.2, least(72.0, exp(ln(6) + 0.8 * r2 * sin(a2))))) AS BIGINT) * 1000000 END
               AS callback_us,
           rep_us + CAST(round(0.6 * close_s) AS BIGINT) * 1000000 AS reopen_us,
           rep_us + CAST(limit_hours AS BIGINT) * 3600000000 AS due_us,
           close_s > limit_hours * 3600 AS late_sim,
           epoch_us($as_of) AS as_us
    FROM durations
),
cut AS (
    SELECT *,
           coalesce(cancel_us <= as_us, FALSE) AS cancelled,
           CASE WHEN disp_us <= as_us AND (cancel_us IS NULL OR disp_us <= cancel_us) THEN disp_us END AS disp_at,
           CASE WHEN resp_us <= as_us AND (cancel_us IS NULL OR resp_us <= cancel_us) THEN resp_us END AS resp_at,
           CASE WHEN close_us <= as_us THEN close_us END AS close_at,
           CASE WHEN callback_us <= as_us THEN callback_us END AS callback_at,
           -- dissatisfaction grows in weak grids, after a failed first fix and after a missed deadline
           p_dissatisfied0 + 0.4 * slip + CASE WHEN reopen_sim THEN 0.10 ELSE 0 END
               + CASE WHEN late_sim THEN 0.06 ELSE 0 END AS p_dissatisfied
    FROM raw
)
SELECT
    'SS' || strftime(make_timestamp(rep_us), '%y%m%d') || lpad(CAST(i AS TEXT), 8, '0') AS case_id,
    unit_id,
    ['grid_patrol', 'hotline', 'app', 'sensor', 'other'][src + 1] AS source,
    category,
    subcategory,
    title_head || place || phrase AS title,
    make_timestamp(rep_us) AS reported_at,
    make_timestamp(disp_at) AS dispatched_at,
    make_timestamp(resp_at) AS responded_at,
    make_timestamp(close_at) AS closed_at,
    make_timestamp(callback_at) AS callback_at,
    make_timestamp(due_us) AS due_at,
    CASE
        WHEN cancelled THEN 'cancelled'
        WHEN close_at IS NOT NULL THEN 'closed'
        WHEN resp_at IS NOT NULL THEN 'in_progress'
        ELSE 'open'
    END AS status,
    CASE WHEN close_at IS NOT NULL THEN ['grid', 'community', 'town', 'county'][lvl + 1] END AS handled_level,
    CASE WHEN disp_at IS NOT NULL THEN department END AS department,
    CASE
        WHEN callback_at IS NULL THEN NULL
        WHEN u_sat < p_dissatisfied THEN 'dissatisfied'
        WHEN u_sat < p_dissatisfied + p_basic THEN 'basic'
        ELSE 'satisfied'
    END AS satisfaction,
    reopen_sim AND NOT cancel_sim AND reopen_us <= as_us AS reopened,
    NOT cancelled AND (
        -- a 督办 goes out 4 h after a missed deadline, for half of the late cases
        (late_sim AND u_sup < 0.5 AND close_s > (limit_hours + 4) * 3600 AND due_us + 14400000000 <= as_us)
        -- and now and then on a leader's instruction the day after the report
        OR (u_sup > 0.993 AND rep_us + 86400000000 <= as_us)
    ) AS supervised,
    round(unit_lon + (demo_u(h, 23) - 0.5) * 0.004, 6) AS lon,
    round(unit_lat + (demo_u(h, 24) - 0.5) * 0.003, 6) AS lat,
    CASE WHEN src IN (1, 2) THEN
        '1' || ['3', '5', '7', '8', '9'][1 + CAST(hash(xor(h, CAST(20 AS UBIGINT))) % 5 AS INTEGER)]
            || lpad(CAST(hash(xor(h, CAST(21 AS UBIGINT))) % 1000000000 AS TEXT), 9, '0')
    END AS reporter_phone
FROM cut
