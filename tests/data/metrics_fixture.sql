-- A tiny county for hand-computed metric tests (see tests/test_metrics.py for the answers).
-- as_of = 2026-03-10 12:00, period = [2026-03-01, 2026-03-11).
INSERT INTO units (unit_id, parent_id, level, name, grid_type, households) VALUES
    ('C',   NULL, 'county',     '测试县',   NULL,        NULL),
    ('T1',  'C',  'town',       '一镇',     NULL,        NULL),
    ('T2',  'C',  'town',       '二镇',     NULL,        NULL),
    ('M1',  'T1', 'community',  '东社区',   NULL,        NULL),
    ('V1',  'T2', 'village',    '西村',     NULL,        NULL),
    ('G1',  'M1', 'grid',       '东一网格', 'general',   400),
    ('G2',  'M1', 'grid',       '东二网格', 'dedicated', 300),
    ('G3',  'V1', 'grid',       '西一网格', 'general',   350),
    ('MG1', 'G1', 'micro_grid', '东一微网格', NULL,      60);

INSERT INTO cases (case_id, unit_id, source, category, reported_at, responded_at, closed_at, due_at,
                   status, handled_level, satisfaction, reopened, supervised) VALUES
    -- c1: closed on time in 12 h, responded in 10 min, satisfied, resolved in the grid
    ('c1',  'G1',  'grid_patrol', '环境卫生', '2026-03-01 08:00:00', '2026-03-01 08:10:00', '2026-03-01 20:00:00', '2026-03-02 08:00:00', 'closed',      'grid',      'satisfied',    false, false),
    -- c2: in a micro-grid; closed late after 48 h, responded in 30.5 min, basic, reopened
    ('c2',  'MG1', 'hotline',     '环境卫生', '2026-03-02 09:00:00', '2026-03-02 09:30:30', '2026-03-04 09:00:00', '2026-03-03 09:00:00', 'closed',      'community', 'basic',        true,  false),
    -- c3: responded after 20 s (1/3 min: date_diff would say 1), open past due, supervised, reopened
    -- and not closed again: not in reopen_rate until it closes (closed reopened / closed)
    ('c3',  'G2',  'app',         '安全隐患', '2026-03-05 10:00:50', '2026-03-05 10:01:10', NULL,                  '2026-03-06 10:00:00', 'in_progress', NULL,        NULL,           true,  true),
    -- c4: closed after as_of (open at as_of), due after as_of
    ('c4',  'G3',  'hotline',     '矛盾纠纷', '2026-03-09 10:00:00', '2026-03-09 11:00:00', '2026-03-10 14:00:00', '2026-03-12 10:00:00', 'closed',      'town',      NULL,           false, false),
    -- c5: cancelled: left out of everything
    ('c5',  'G1',  'hotline',     '环境卫生', '2026-03-03 10:00:00', '2026-03-03 10:05:00', '2026-03-03 11:00:00', '2026-03-04 10:00:00', 'cancelled',   'grid',      'satisfied',    true,  true),
    -- c6: reported just before the period; c7: exactly at its (exclusive) end
    ('c6',  'G1',  'hotline',     '环境卫生', '2026-02-28 23:59:59', '2026-03-01 00:10:00', '2026-03-01 02:00:00', '2026-03-02 00:00:00', 'closed',      'grid',      'satisfied',    false, false),
    ('c7',  'G1',  'hotline',     '环境卫生', '2026-03-11 00:00:00', NULL,                  NULL,                  '2026-03-12 00:00:00', 'open',        NULL,        NULL,           false, false),
    -- c8: closed on time in 1 h, responded in 5 min, dissatisfied
    ('c8',  'G2',  'grid_patrol', '环境卫生', '2026-03-06 08:00:00', '2026-03-06 08:05:00', '2026-03-06 09:00:00', '2026-03-06 12:00:00', 'closed',      'grid',      'dissatisfied', false, false),
    -- c9: micro-grid, open, not responded, due after as_of
    ('c9',  'MG1', 'sensor',      '安全隐患', '2026-03-10 11:00:00', NULL,                  NULL,                  '2026-03-11 11:00:00', 'open',        NULL,        NULL,           false, false),
    -- c10: closed in 1 h, no time limit, never surveyed
    ('c10', 'G3',  'grid_patrol', '矛盾纠纷', '2026-03-07 07:00:00', '2026-03-07 07:40:00', '2026-03-07 08:00:00', NULL,                  'closed',      'grid',      NULL,           false, false),
    -- c11: responded after as_of (not counted), due 15 min after report: overdue at as_of
    ('c11', 'G3',  'hotline',     NULL,       '2026-03-10 11:30:00', '2026-03-10 12:30:00', NULL,                  '2026-03-10 11:45:00', 'in_progress', NULL,        NULL,           false, false);
