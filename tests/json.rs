//! The JSON type and function family, end to end with the real `mysql` client. MariaDB's
//! JSON is a LONGTEXT that keeps the text as written, so the expected answers here are
//! MySQL 8.0's, taken from the examples of the MySQL 8.0 reference manual ("JSON Function
//! Reference" and "The JSON Data Type"): normalised documents (`{"a": 1}`, keys ordered),
//! its error codes (3140, 3141, 3143, 3146, 3149, 3152, 3153, 3158, 1582). The replica test
//! checks that a MariaDB replica ends with the same documents.

mod harness;

use harness::*;

fn sql(b: &Borealis, q: &str) -> std::process::Output {
    b.mysql(&["-N", "-B", "--raw", "-e", q], "")
}

fn one(b: &Borealis, q: &str) -> String {
    let out = sql(b, q);
    assert!(out.status.success(), "{q}: {}", text(&out.stderr));
    text(&out.stdout).trim_end_matches('\n').to_string()
}

fn code(b: &Borealis, q: &str) -> String {
    let out = sql(b, q);
    assert!(!out.status.success(), "{q} should fail");
    text(&out.stderr)
}

#[test]
fn functions_answer_as_mysql_8() {
    let b = Borealis::start("json-fn");
    let cases: &[(&str, &str)] = &[
        ("SELECT JSON_OBJECT('id', 87, 'name', 'carrot')", r#"{"id": 87, "name": "carrot"}"#),
        ("SELECT JSON_OBJECT('key1', 1, 'key2', 'abc', 'key1', 'def')", r#"{"key1": "def", "key2": "abc"}"#),
        ("SELECT JSON_ARRAY(1, 'abc', NULL, 1 = 1, 1.10, 0.5e0)", r#"[1, "abc", null, true, 1.10, 0.5]"#),
        ("SELECT JSON_QUOTE('null'), JSON_QUOTE('\"null\"')", "\"null\"\t\"\\\"null\\\"\""),
        ("SELECT JSON_QUOTE('[1, 2, 3]')", "\"[1, 2, 3]\""),
        ("SELECT JSON_UNQUOTE('\"abc\"'), JSON_UNQUOTE('[1, 2, 3]')", "abc\t[1, 2, 3]"),
        ("SELECT JSON_EXTRACT('[10, 20, [30, 40]]', '$[1]')", "20"),
        ("SELECT JSON_EXTRACT('[10, 20, [30, 40]]', '$[1]', '$[0]')", "[20, 10]"),
        ("SELECT JSON_EXTRACT('[10, 20, [30, 40]]', '$[2][*]')", "[30, 40]"),
        ("SELECT JSON_EXTRACT('{\"a\": 1}', '$.b')", "NULL"),
        ("SELECT JSON_KEYS('{\"a\": 1, \"b\": {\"c\": 30}}')", r#"["a", "b"]"#),
        ("SELECT JSON_KEYS('{\"a\": 1, \"b\": {\"c\": 30}}', '$.b')", r#"["c"]"#),
        ("SELECT JSON_CONTAINS('{\"a\": 1, \"b\": 2, \"c\": {\"d\": 4}}', '1', '$.a')", "1"),
        ("SELECT JSON_CONTAINS('{\"a\": 1, \"b\": 2, \"c\": {\"d\": 4}}', '1', '$.b')", "0"),
        ("SELECT JSON_CONTAINS('{\"a\": 1, \"b\": 2, \"c\": {\"d\": 4}}', '{\"d\": 4}', '$.a')", "0"),
        ("SELECT JSON_CONTAINS('{\"a\": 1, \"b\": 2, \"c\": {\"d\": 4}}', '{\"d\": 4}', '$.c')", "1"),
        ("SELECT JSON_CONTAINS_PATH('{\"a\": 1, \"b\": 2, \"c\": {\"d\": 4}}', 'one', '$.a', '$.e')", "1"),
        ("SELECT JSON_CONTAINS_PATH('{\"a\": 1, \"b\": 2, \"c\": {\"d\": 4}}', 'all', '$.a', '$.e')", "0"),
        ("SELECT JSON_CONTAINS_PATH('{\"a\": 1, \"b\": 2, \"c\": {\"d\": 4}}', 'one', '$.c.d')", "1"),
        ("SELECT JSON_OVERLAPS('[1,3,5,7]', '[2,5,7]'), JSON_OVERLAPS('[1,3,5,7]', '[2,6,8]')", "1\t0"),
        ("SELECT JSON_OVERLAPS('{\"a\":1,\"b\":10,\"d\":10}', '{\"c\":1,\"e\":10,\"f\":1,\"d\":10}')", "1"),
        ("SELECT 17 MEMBER OF('[23, \"abc\", 17, \"ab\", 10]'), 'ab' MEMBER OF('[23, \"abc\", 17, \"ab\", 10]')", "1\t1"),
        ("SELECT 7 MEMBER OF('[23, \"abc\", 17, \"ab\", 10]')", "0"),
        ("SELECT JSON_ARRAY_APPEND('[\"a\", [\"b\", \"c\"], \"d\"]', '$[1]', 1)", r#"["a", ["b", "c", 1], "d"]"#),
        ("SELECT JSON_ARRAY_APPEND('[\"a\", [\"b\", \"c\"], \"d\"]', '$[0]', 2)", r#"[["a", 2], ["b", "c"], "d"]"#),
        ("SELECT JSON_ARRAY_APPEND('[\"a\", [\"b\", \"c\"], \"d\"]', '$[1][0]', 3)", r#"["a", [["b", 3], "c"], "d"]"#),
        ("SELECT JSON_ARRAY_APPEND('{\"a\": 1, \"b\": [2, 3], \"c\": 4}', '$.c', 'y')", r#"{"a": 1, "b": [2, 3], "c": [4, "y"]}"#),
        ("SELECT JSON_ARRAY_INSERT('[\"a\", {\"b\": [1, 2]}, [3, 4]]', '$[1]', 'x')", r#"["a", "x", {"b": [1, 2]}, [3, 4]]"#),
        ("SELECT JSON_ARRAY_INSERT('[\"a\", {\"b\": [1, 2]}, [3, 4]]', '$[100]', 'x')", r#"["a", {"b": [1, 2]}, [3, 4], "x"]"#),
        ("SELECT JSON_ARRAY_INSERT('[\"a\", {\"b\": [1, 2]}, [3, 4]]', '$[1].b[0]', 'x')", r#"["a", {"b": ["x", 1, 2]}, [3, 4]]"#),
        ("SELECT JSON_ARRAY_INSERT('[\"a\", {\"b\": [1, 2]}, [3, 4]]', '$[2][1]', 'y')", r#"["a", {"b": [1, 2]}, [3, "y", 4]]"#),
        ("SELECT JSON_INSERT('{ \"a\": 1, \"b\": [2, 3]}', '$.a', 10, '$.c', '[true, false]')", r#"{"a": 1, "b": [2, 3], "c": "[true, false]"}"#),
        ("SELECT JSON_INSERT('{ \"a\": 1, \"b\": [2, 3]}', '$.a', 10, '$.c', CAST('[true, false]' AS JSON))", r#"{"a": 1, "b": [2, 3], "c": [true, false]}"#),
        ("SELECT JSON_SET('{ \"a\": 1, \"b\": [2, 3]}', '$.a', 10, '$.c', '[true, false]')", r#"{"a": 10, "b": [2, 3], "c": "[true, false]"}"#),
        ("SELECT JSON_REPLACE('{ \"a\": 1, \"b\": [2, 3]}', '$.a', 10, '$.c', '[true, false]')", r#"{"a": 10, "b": [2, 3]}"#),
        ("SELECT JSON_REMOVE('[\"a\", [\"b\", \"c\"], \"d\"]', '$[1]')", r#"["a", "d"]"#),
        ("SELECT JSON_MERGE_PATCH('[1, 2]', '[true, false]')", "[true, false]"),
        ("SELECT JSON_MERGE_PATCH('{\"name\": \"x\"}', '{\"id\": 47}')", r#"{"id": 47, "name": "x"}"#),
        ("SELECT JSON_MERGE_PATCH('1', 'true'), JSON_MERGE_PATCH('[1, 2]', '{\"id\": 47}')", "true\t{\"id\": 47}"),
        ("SELECT JSON_MERGE_PATCH('{ \"a\": 1, \"b\":2 }','{ \"a\": 3, \"c\":4 }')", r#"{"a": 3, "b": 2, "c": 4}"#),
        ("SELECT JSON_MERGE_PATCH('{\"a\":1, \"b\":2}', '{\"b\":null}')", r#"{"a": 1}"#),
        ("SELECT JSON_MERGE_PRESERVE('[1, 2]', '[true, false]')", "[1, 2, true, false]"),
        ("SELECT JSON_MERGE_PRESERVE('1', 'true'), JSON_MERGE_PRESERVE('[1, 2]', '{\"id\": 47}')", "[1, true]\t[1, 2, {\"id\": 47}]"),
        ("SELECT JSON_MERGE_PRESERVE('{ \"a\": 1, \"b\": 2 }', '{ \"a\": 3, \"c\": 4 }')", r#"{"a": [1, 3], "b": 2, "c": 4}"#),
        ("SELECT JSON_DEPTH('{}'), JSON_DEPTH('[]'), JSON_DEPTH('true'), JSON_DEPTH('[10, 20]'), JSON_DEPTH('[[], {}]'), JSON_DEPTH('[10, {\"a\": 20}]')", "1\t1\t1\t2\t2\t3"),
        ("SELECT JSON_LENGTH('[1, 2, {\"a\": 3}]'), JSON_LENGTH('{\"a\": 1, \"b\": {\"c\": 30}}'), JSON_LENGTH('{\"a\": 1, \"b\": {\"c\": 30}}', '$.b')", "3\t2\t1"),
        ("SELECT JSON_TYPE('{\"a\": [10, true]}'), JSON_TYPE(JSON_EXTRACT('{\"a\": [10, true]}', '$.a')), JSON_TYPE(JSON_EXTRACT('{\"a\": [10, true]}', '$.a[0]')), JSON_TYPE(JSON_EXTRACT('{\"a\": [10, true]}', '$.a[1]'))", "OBJECT\tARRAY\tINTEGER\tBOOLEAN"),
        ("SELECT JSON_TYPE(NULL), JSON_VALID('{\"a\": 1}'), JSON_VALID('hello'), JSON_VALID('\"hello\"')", "NULL\t1\t0\t1"),
        ("SELECT JSON_SEARCH('[\"abc\", [{\"k\": \"10\"}, \"def\"], {\"x\":\"abc\"}, {\"y\":\"bcd\"}]', 'one', 'abc')", "\"$[0]\""),
        ("SELECT JSON_SEARCH('[\"abc\", [{\"k\": \"10\"}, \"def\"], {\"x\":\"abc\"}, {\"y\":\"bcd\"}]', 'all', 'abc')", r#"["$[0]", "$[2].x"]"#),
        ("SELECT JSON_SEARCH('[\"abc\", [{\"k\": \"10\"}, \"def\"], {\"x\":\"abc\"}, {\"y\":\"bcd\"}]', 'all', 'ghi')", "NULL"),
        ("SELECT JSON_SEARCH('[\"abc\", [{\"k\": \"10\"}, \"def\"], {\"x\":\"abc\"}, {\"y\":\"bcd\"}]', 'all', '10')", "\"$[1][0].k\""),
        ("SELECT JSON_SEARCH('[\"abc\", [{\"k\": \"10\"}, \"def\"], {\"x\":\"abc\"}, {\"y\":\"bcd\"}]', 'all', '%b%')", r#"["$[0]", "$[2].x", "$[3].y"]"#),
        ("SELECT JSON_PRETTY('[1,3,5]')", "[\n  1,\n  3,\n  5\n]"),
        ("SELECT JSON_PRETTY('{\"a\":\"10\",\"b\":\"15\",\"x\":\"25\"}')", "{\n  \"a\": \"10\",\n  \"b\": \"15\",\n  \"x\": \"25\"\n}"),
        ("SELECT JSON_EXTRACT('{\"a\": \"b\"}', '$.a') = 'b', JSON_EXTRACT('{\"a\": 2}', '$.a') = 2", "1\t1"),
        ("SELECT CAST('{\"b\": 1, \"a\": [1.5, null]}' AS JSON)", r#"{"a": [1.5, null], "b": 1}"#),
        ("SELECT CAST(1 AS JSON), CAST(NULL AS JSON)", "1\tNULL"),
    ];
    let mut bad = Vec::new();
    for (q, want) in cases {
        let out = sql(&b, q);
        let got = text(&out.stdout).trim_end_matches('\n').to_string();
        if !out.status.success() || got != *want {
            bad.push(format!(
                "{q}\n  want: {want}\n  got:  {got}{}",
                text(&out.stderr)
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));

    for (q, want) in [
        ("SELECT JSON_EXTRACT('{\"a\":1', '$.a')", "ERROR 3141 (22032) at line 1: Invalid JSON text in argument 1 to function json_extract: \"Missing a comma or '}' after an object member.\" at position 6."),
        ("SELECT JSON_EXTRACT('{}', 'a')", "ERROR 3143 (42000)"),
        ("SELECT JSON_TYPE(1)", "ERROR 3146 (22032) at line 1: Invalid data type for JSON data in argument 1 to function json_type; a JSON string or JSON type is required."),
        ("SELECT JSON_SET('{}', '$.*', 1)", "ERROR 3149 (42000)"),
        ("SELECT JSON_REMOVE('{}', '$')", "ERROR 3153 (42000)"),
        ("SELECT JSON_OBJECT(NULL, 1)", "ERROR 3158 (22032)"),
        ("SELECT JSON_OBJECT('a')", "ERROR 1582 (42000)"),
        ("SELECT JSON_CONTAINS_PATH('{}', 'some', '$')", "ERROR 3150 (42000)"),
    ] {
        let e = code(&b, q);
        assert!(e.contains(want), "{q}: {e}");
    }
}

#[test]
fn json_column_validates_normalises_and_replicates() {
    let b = Borealis::start("json-col");
    create_repl_user(b.port);
    let status = one(&b, "SHOW MASTER STATUS");
    let mut st = status.split('\t');
    let (file, pos) = (
        st.next().unwrap().to_string(),
        st.next().unwrap().parse().unwrap(),
    );
    let m = replica("json-replica");
    start_replica(&m, b.port, &file, pos);

    one(
        &b,
        "CREATE DATABASE j; CREATE TABLE j.t1 (id INT PRIMARY KEY, jdoc JSON); \
         INSERT INTO j.t1 VALUES (1, '{\"key2\": \"value2\", \"key1\": \"value1\"}'), \
         (2, JSON_OBJECT('n', 1.10, 'list', JSON_ARRAY(1, 'x'))), (3, NULL)",
    );
    assert_eq!(
        one(&b, "SELECT jdoc FROM j.t1 ORDER BY id"),
        "{\"key1\": \"value1\", \"key2\": \"value2\"}\n{\"n\": 1.10, \"list\": [1, \"x\"]}\nNULL"
    );
    let e = code(&b, "INSERT INTO j.t1 VALUES (4, '[1, 2,')");
    assert!(
        e.contains("ERROR 3140 (22032) at line 1: Invalid JSON text: \"Invalid value.\" at position 6 in value for column 't1.jdoc'."),
        "{e}"
    );
    let e = code(&b, "INSERT INTO j.t1 VALUES (4, 5)");
    assert!(e.contains("ERROR 3140 (22032)"), "{e}");
    assert!(
        one(&b, "SHOW CREATE TABLE j.t1").contains("`jdoc` json DEFAULT NULL"),
        "{}",
        one(&b, "SHOW CREATE TABLE j.t1")
    );
    assert_eq!(
        one(&b, "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_NAME = 't1' AND COLUMN_NAME = 'jdoc'"),
        "json"
    );
    let e = code(&b, "CREATE INDEX ix ON j.t1 (jdoc)");
    assert!(e.contains("ERROR 3152 (42000)"), "{e}");

    // Paths on the column, `->` and `->>`, an UPDATE through JSON_SET.
    assert_eq!(
        one(
            &b,
            "SELECT id, jdoc->'$.key1', jdoc->>'$.key1' FROM j.t1 WHERE jdoc->>'$.key1' = 'value1'"
        ),
        "1\t\"value1\"\tvalue1"
    );
    assert_eq!(one(&b, "SELECT id FROM j.t1 WHERE jdoc->'$.n' > 1"), "2");
    one(
        &b,
        "UPDATE j.t1 SET jdoc = JSON_SET(jdoc, '$.key3', 3, '$.key1', 'v') WHERE id = 1",
    );
    assert_eq!(
        one(&b, "SELECT jdoc FROM j.t1 WHERE id = 1"),
        "{\"key1\": \"v\", \"key2\": \"value2\", \"key3\": 3}"
    );
    // The column's metadata is MySQL's JSON type (245): PyMySQL sees it and decodes the
    // document as text.
    let py = format!(
        "import pymysql\n\
         c = pymysql.connect(host='127.0.0.1', port={}, user='admin', password='{PASSWORD}')\n\
         cur = c.cursor()\n\
         cur.execute('SELECT jdoc FROM j.t1 WHERE id = 1')\n\
         print(cur.description[0][1], type(cur.fetchone()[0]).__name__)\n",
        b.port
    );
    let out = std::process::Command::new("python3")
        .args(["-c", &py])
        .output()
        .expect("python3");
    assert_eq!(text(&out.stdout).trim(), "245 str", "{}", text(&out.stderr));

    // A MariaDB replica (JSON is its LONGTEXT) ends with the same documents.
    wait_converged(&m, b.port, &["j.t1"]);
    assert_eq!(
        msql(&m, "SELECT jdoc FROM j.t1 ORDER BY id"),
        one(&b, "SELECT jdoc FROM j.t1 ORDER BY id") + "\n"
    );

    // Stored documents survive a restart unchanged.
    let b = b.restart();
    assert_eq!(one(&b, "SELECT jdoc->'$.n' FROM j.t1 WHERE id = 2"), "1.10");
}
