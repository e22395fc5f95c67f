-- Lexical edge cases: comments, strings that look like SQL, keywords as names, odd spacing.
-- dialect: postgres

-- title: table names inside strings and comments are not tables
-- sources: app.audit
-- targets: app.audit_copy
-- columns: app.audit.note -> app.audit_copy.note
-- FROM fake.table_in_comment
INSERT INTO app.audit_copy (note) /* SELECT * FROM fake.other */ SELECT note FROM app.audit WHERE note <> 'select * from fake.in_string; drop table x';

-- title: keyword-like column and table names quoted
-- sources: app.user, app.order
-- targets:
SELECT u."select", o."from" FROM app."user" u JOIN app."order" o ON o."user" = u.id;

-- title: dollar quoted string with semicolons
-- sources: app.templates
-- targets: app.rendered
-- columns: app.templates.body -> app.rendered.body
INSERT INTO app.rendered (body) SELECT replace(body, $$;$$, $tag$; -- not a comment$tag$) FROM app.templates;

-- title: newlines and tabs everywhere
-- sources: app.events
-- targets: app.event_counts
-- columns: app.events.kind -> app.event_counts.kind
INSERT
	INTO
		app.event_counts
			(kind, n)
SELECT
	kind
	,
	count(*)
FROM
	app.events
GROUP
BY
	kind;

-- title: mixed case keywords and names
-- sources: app.sessions
-- targets: app.session_days
-- columns: app.sessions.started_at -> app.session_days.day
InSeRt InTo App.Session_Days (Day) SeLeCt Date_Trunc('day', Started_At) FrOm App.Sessions;

-- title: trailing semicolons and empty statements
-- sources: app.a
-- targets: app.b
-- columns: app.a.x -> app.b.x
;;INSERT INTO app.b (x) SELECT x FROM app.a;;;

-- title: long in list
-- sources: app.users
-- targets:
SELECT id FROM app.users WHERE id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);

-- title: escaped quotes in strings
-- sources: app.notes
-- targets:
SELECT id FROM app.notes WHERE body LIKE '%it''s a FROM trap%' AND title = E'esc\'aped';

-- title: unicode identifiers
-- sources: app.café_orders
-- targets:
SELECT "prix" FROM app."café_orders";

-- title: deeply parenthesised expression
-- sources: app.metrics
-- targets: app.scores
-- columns: app.metrics.a -> app.scores.score, app.metrics.b -> app.scores.score, app.metrics.c -> app.scores.score
INSERT INTO app.scores (score) SELECT ((((a + 1) * ((b - 2))) / (((c)))) ) FROM app.metrics;

-- title: comment at the end without newline
-- sources: app.t1
-- targets:
SELECT * FROM app.t1 -- trailing comment

-- title: cast shorthand chains
-- sources: app.raw_json
-- targets: app.parsed
-- columns: app.raw_json.doc -> app.parsed.n
INSERT INTO app.parsed (n) SELECT (doc::jsonb->>'n')::int FROM app.raw_json;
