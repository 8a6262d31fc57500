#!/usr/bin/env python3
"""Differential tester: random schemas, data and queries on Borealis and MariaDB 10.11.

Usage: difftest.py --borealis BIN [--queries N] [--seed S] [--rounds R]
       (scripts/difftest.sh runs it for long runs; tests/difftest.rs runs a bounded one)

Both servers are started fresh on loopback (the classes of scripts/soak.py). Each round
makes a random schema of 2-4 tables (INT, VARCHAR with an explicit collation, DECIMAL and
DATE columns, NULLable and not, primary keys and secondary indexes), fills it with values
from small domains (so that joins and comparisons meet, NULLs included), sends the same
statements to both servers and then the round's queries: joins of 1-4 tables (inner, left,
right, comma), WHERE trees of AND/OR/NOT up to depth 24 over comparisons, BETWEEN, IN
lists, IS NULL, LIKE, IN/EXISTS/scalar subqueries (correlated or not), ANY/ALL, GROUP BY
with aggregates and HAVING, DISTINCT, UNION, ORDER BY with LIMIT, CASE/COALESCE/arithmetic.

A query's result is compared as a multiset of rows in the servers' own text form (no
client-side conversion), or as a sequence when its ORDER BY fixes the order; an error on
one side only, or two different error codes, is a difference. Every difference is a bug
in Borealis unless it matches an entry of tests/difftest_known.txt, which names each
documented MySQL-vs-MariaDB difference (Borealis answers as MySQL 8.0) with its reason.
The generator stays inside what both servers define the same way where it can: every
non-aggregated output of a grouped query is a group key (MySQL's ONLY_FULL_GROUP_BY),
no floating point, no comparisons between strings and numbers, LIMIT only under an ORDER
BY that orders every output column.

Differences are printed with the seed, the schema, the query and both answers; the exit
status is 1 when any is unexplained. The same seed gives the same schemas and queries.
"""

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pymysql  # noqa: E402
from soak import PW, Borealis, MariaDb, free_port  # noqa: E402

KNOWN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                     "difftest_known.txt")
DB = "dt"


def connect(port, user, password):
    # conv={}, use_unicode=False: every value arrives as the bytes the server sent, and is
    # compared as sent (a value the column's metadata misdescribes still compares).
    return pymysql.connect(host="127.0.0.1", port=port, user=user, password=password,
                           autocommit=True, conv={}, use_unicode=False, read_timeout=120,
                           charset="utf8mb4")


def load_known():
    """[(regex, reason)] from tests/difftest_known.txt: `regex<TAB>reason` per line."""
    out = []
    with open(KNOWN) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            pat, _, reason = line.partition("\t")
            out.append((re.compile(pat), reason.strip()))
    return out


class Table:
    def __init__(self, name, cols, rows):
        self.name, self.cols, self.rows = name, cols, rows


# Column kinds: ("int"|"str"|"dec"|"date", nullable)
STR_VALUES = ["a", "A", "b", "ab", "Ab", "abc", "b ", "", "x", "xyz", "%", "é", "E"]
DATE_VALUES = ["2020-01-01", "2020-02-29", "2021-12-31", "1999-06-15", "2020-01-02"]


class Gen:
    def __init__(self, rnd, depth=24, subqueries=True):
        self.r = rnd
        # Whether predicates and outputs may hold subqueries (IN/EXISTS/ANY/ALL/scalar).
        self.subqueries = subqueries
        # The deepest WHERE tree of a top-level query (AND/OR/NOT levels).
        self.depth = depth
        self.tables = []
        # Subquery aliases are unique in a query (s1, s2, ...), as people write them.
        self.aliases = 0

    # ---- schema and data -------------------------------------------------------------

    def schema(self):
        r = self.r
        stmts = [f"DROP DATABASE IF EXISTS {DB}", f"CREATE DATABASE {DB}", f"USE {DB}"]
        self.tables = []
        for ti in range(r.randint(2, 4)):
            name = f"t{ti}"
            cols = [("id", "int", False)]
            defs = ["id INT NOT NULL PRIMARY KEY"]
            for ci in range(r.randint(2, 5)):
                kind = r.choice(["int", "int", "str", "dec", "date"])
                nullable = r.random() < 0.7
                cname = f"c{ci}"
                ty = {"int": "INT", "dec": "DECIMAL(6,2)", "date": "DATE",
                      "str": "VARCHAR(8) COLLATE " + r.choice(
                          ["utf8mb4_general_ci", "utf8mb4_bin"])}[kind]
                defs.append(f"{cname} {ty}{'' if nullable else ' NOT NULL'}")
                cols.append((cname, kind, nullable))
            idx = [c for c in cols[1:] if r.random() < 0.4]
            for c in idx:
                defs.append(f"KEY k_{c[0]} ({c[0]})")
            stmts.append(f"CREATE TABLE {name} ({', '.join(defs)})")
            n = r.choice([0, 1, 3, 8, 15, 20])
            rows = []
            ids = r.sample(range(1, 40), n)
            for i in ids:
                row = [str(i)]
                for (_, kind, nullable) in cols[1:]:
                    if nullable and r.random() < 0.2:
                        row.append("NULL")
                    else:
                        row.append(self.value(kind))
                rows.append(row)
            if rows:
                stmts.append(f"INSERT INTO {name} VALUES " +
                             ", ".join("(" + ", ".join(x) + ")" for x in rows))
            self.tables.append(Table(name, cols, rows))
        return stmts

    def value(self, kind):
        r = self.r
        if kind == "int":
            return str(r.randint(-3, 10))
        if kind == "dec":
            return r.choice(["0.00", "1.50", "-2.25", "10.00", "3.33", "1.5"])
        if kind == "date":
            return f"'{r.choice(DATE_VALUES)}'"
        return "'" + r.choice(STR_VALUES) + "'"

    # ---- queries ---------------------------------------------------------------------

    def query(self):
        r = self.r
        self.aliases = 0
        if r.random() < 0.1:
            a = self.select(top=False)
            b = self.select(top=False, width=a[1])
            op = r.choice(["UNION", "UNION ALL"])
            return f"({a[0]}) {op} ({b[0]})", False
        sql, _, ordered = self.select(top=True)
        return sql, ordered

    def select(self, top, width=None, outer=None, scalar=False):
        """(sql, output width, ordered): one SELECT block."""
        r = self.r
        scope, from_sql = self.from_clause(outer)
        where = ""
        if r.random() < 0.8:
            where = " WHERE " + self.pred(scope + (outer or []),
                                          r.randint(1, self.depth if top else 4))
        grouped = r.random() < 0.3
        distinct = not grouped and r.random() < 0.15
        outs = []
        group_keys = []
        want = width or (1 if scalar else r.randint(1, 4))
        if grouped:
            keys = r.sample(scope, min(len(scope), r.randint(0, 2)))
            group_keys = [f"{a}.{c}" for (a, c, _k, _n) in keys]
            for g in group_keys:
                if len(outs) < want:
                    outs.append(g)
            while len(outs) < want:
                outs.append(self.aggregate(scope))
        else:
            while len(outs) < want:
                outs.append(self.scalar(scope + (outer or []), 2))
        sql = "SELECT " + ("DISTINCT " if distinct else "") + ", ".join(
            f"{o} AS o{i}" for i, o in enumerate(outs)) + " FROM " + from_sql + where
        if grouped and group_keys:
            sql += " GROUP BY " + ", ".join(group_keys)
        if grouped and r.random() < 0.3:
            sql += f" HAVING {self.aggregate(scope)} {r.choice(['>', '<', '=', '>='])} {r.randint(0, 5)}"
        ordered = False
        if top and r.random() < 0.4:
            sql += " ORDER BY " + ", ".join(
                f"o{i} {r.choice(['ASC', 'DESC'])}" for i in range(len(outs)))
            # Every output ordered, but equal rows may still differ in columns that don't
            # show; a LIMIT then cuts rows that are equal in what shows.
            if r.random() < 0.5:
                sql += f" LIMIT {r.randint(0, 10)}"
                if r.random() < 0.3:
                    sql += f" OFFSET {r.randint(0, 5)}"
            ordered = True
        return sql, len(outs), ordered

    def from_clause(self, outer):
        r = self.r
        n = r.choice([1, 1, 2, 2, 3, 4]) if outer is None else r.choice([1, 1, 2])
        n = min(n, len(self.tables))
        picks = [r.choice(self.tables) for _ in range(n)]
        scope = []
        parts = []
        base = len(outer or [])
        for i, t in enumerate(picks):
            alias = f"a{base + i}" if outer is None else f"s{base}_{i}"
            cols = [(alias, c, k, nl) for (c, k, nl) in t.cols]
            if i == 0:
                parts.append(f"{t.name} {alias}")
            else:
                kind = r.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN", ",", "JOIN"])
                if kind == ",":
                    parts.append(f", {t.name} {alias}")
                else:
                    on = self.join_cond(scope, cols)
                    parts.append(f" {kind} {t.name} {alias} ON {on}")
            scope += cols
        return scope, "".join(parts)

    def join_cond(self, left, right):
        r = self.r
        pairs = [(a, b) for a in left for b in right if a[2] == b[2]]
        if pairs and r.random() < 0.85:
            a, b = r.choice(pairs)
            cond = f"{a[0]}.{a[1]} = {b[0]}.{b[1]}"
            if r.random() < 0.2:
                cond += " AND " + self.pred(left + right, 2)
            return cond
        return self.pred(left + right, 2)

    def col(self, scope, kind=None):
        cands = [c for c in scope if kind is None or c[2] == kind]
        if not cands:
            return None
        a, c, k, _ = self.r.choice(cands)
        return f"{a}.{c}", k

    def literal(self, kind):
        if kind == "int" and self.r.random() < 0.1:
            return "NULL"
        return self.value(kind)

    def operand(self, scope, kind):
        """An expression of `kind`: a column, a literal or a small computation."""
        r = self.r
        c = self.col(scope, kind)
        x = r.random()
        if c is None or x < 0.25:
            return self.literal(kind)
        if kind == "int" and x < 0.35:
            return f"({c[0]} {r.choice(['+', '-', '*'])} {r.randint(-2, 3)})"
        if kind == "int" and x < 0.4:
            return f"COALESCE({c[0]}, {r.randint(-1, 2)})"
        if kind == "str" and x < 0.35:
            return f"CONCAT({c[0]}, '{r.choice(['', 'a', 'b'])}')"
        return c[0]

    def pred(self, scope, depth):
        r = self.r
        if depth > 1 and r.random() < 0.75:
            op = r.choice(["AND", "OR", "AND", "OR", "NOT"])
            if op == "NOT":
                return f"NOT ({self.pred(scope, depth - 1)})"
            left_depth = depth - 1
            right_depth = r.randint(1, max(1, depth - 1))
            if r.random() < 0.5:
                left_depth, right_depth = right_depth, left_depth
            return f"({self.pred(scope, left_depth)} {op} {self.pred(scope, right_depth)})"
        return self.atom(scope)

    def atom(self, scope):
        r = self.r
        kind = r.choice(["int", "int", "str", "dec", "date"])
        if self.col(scope, kind) is None:
            kind = r.choice([c[2] for c in scope])
        a = self.operand(scope, kind)
        x = r.random() * (1.0 if self.subqueries else 0.7)
        if x < 0.35:
            return f"{a} {r.choice(['=', '<>', '<', '<=', '>', '>=', '<=>'])} {self.operand(scope, kind)}"
        if x < 0.45:
            return f"{a} IS {r.choice(['', 'NOT '])}NULL"
        if x < 0.55:
            lo, hi = sorted([self.literal(kind), self.literal(kind)])
            return f"{a} {r.choice(['', 'NOT '])}BETWEEN {lo} AND {hi}"
        if x < 0.65:
            items = ", ".join(self.literal(kind) for _ in range(r.randint(1, 4)))
            return f"{a} {r.choice(['', 'NOT '])}IN ({items})"
        if x < 0.7 and kind == "str":
            return f"{a} LIKE '{r.choice(['a%', '%b', '_', 'a_c', '%'])}'"
        if not self.subqueries:
            return f"{a} IS NOT NULL"
        if x < 0.8:
            sub, _, _ = self.subquery(scope, kind)
            if sub is None:
                return f"{a} IS NULL"
            q = r.choice(["IN", "NOT IN", "= ANY", "<> ALL", "> ALL", "< ANY", ">= ALL"])
            return f"{a} {q} ({sub})"
        if x < 0.9:
            sub, _, _ = self.subquery(scope, None)
            return f"{r.choice(['', 'NOT '])}EXISTS ({sub})"
        sub, _, _ = self.subquery(scope, kind, scalar=True)
        if sub is None:
            return f"{a} IS NOT NULL"
        return f"{a} {r.choice(['=', '<', '>=', '<>'])} ({sub})"

    def subquery(self, outer, kind, scalar=False):
        """A SELECT of one column of `kind` (any kind when None), maybe correlated."""
        r = self.r
        t = r.choice(self.tables)
        self.aliases += 1
        alias = f"s{self.aliases}"
        cols = [(alias, c, k, nl) for (c, k, nl) in t.cols]
        if kind is not None:
            cands = [c for c in cols if c[2] == kind]
            if not cands:
                return None, None, None
            out = f"{alias}.{r.choice(cands)[1]}"
        else:
            out = "1"
        if scalar:
            agg = r.choice(["MAX", "MIN", "COUNT"]) if kind != "int" else r.choice(
                ["MAX", "MIN", "COUNT", "SUM"])
            if agg in ("COUNT", "SUM") and kind != "int":
                agg = "MAX"
            out = f"{agg}({out})"
        conds = []
        if r.random() < 0.6:
            pairs = [(a, b) for a in outer for b in cols if a[2] == b[2]]
            if pairs:
                a, b = r.choice(pairs)
                conds.append(f"{b[0]}.{b[1]} {r.choice(['=', '=', '<', '<>'])} {a[0]}.{a[1]}")
        if r.random() < 0.5:
            conds.append(self.pred(cols, 2))
        sql = f"SELECT {out} FROM {t.name} {alias}"
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        return sql, 1, False

    def aggregate(self, scope):
        r = self.r
        f = r.choice(["COUNT(*)", "COUNT", "SUM", "MIN", "MAX", "AVG", "COUNT_DISTINCT",
                      "GROUP_CONCAT"])
        if f == "COUNT(*)":
            return f
        kind = "int" if f in ("SUM", "AVG") else None
        c = self.col(scope, kind) or self.col(scope, None)
        if f in ("SUM", "AVG") and c[1] not in ("int", "dec"):
            return "COUNT(*)"
        if f == "COUNT_DISTINCT":
            return f"COUNT(DISTINCT {c[0]})"
        if f == "GROUP_CONCAT":
            return f"GROUP_CONCAT({c[0]} ORDER BY {c[0]} SEPARATOR '|')"
        return f"{f}({c[0]})"

    def scalar(self, scope, depth):
        r = self.r
        x = r.random()
        kind = r.choice([c[2] for c in scope])
        if x < 0.5 or depth == 0:
            return self.operand(scope, kind)
        if x < 0.65:
            return f"CASE WHEN {self.pred(scope, 2)} THEN {self.operand(scope, kind)} " \
                   f"ELSE {self.operand(scope, kind)} END"
        if x < 0.75:
            return f"({self.pred(scope, 2)})"
        if x < 0.85 and kind == "str":
            return f"{r.choice(['UPPER', 'LOWER', 'LENGTH', 'REVERSE'])}({self.operand(scope, kind)})"
        if x < 0.9 and self.subqueries:
            sub, _, _ = self.subquery(scope, kind, scalar=True)
            if sub:
                return f"({sub})"
        return f"IFNULL({self.operand(scope, kind)}, {self.literal(kind)})"


def run_sql(conn, sql):
    """('ok', rows) or ('err', code)."""
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return "ok", [tuple(row) for row in cur.fetchall()]
    except pymysql.err.MySQLError as e:
        if isinstance(e, pymysql.err.InterfaceError) or (e.args and e.args[0] in (2006, 2013)):
            raise
        return "err", e.args[0] if e.args else None, e.args[1] if len(e.args) > 1 else ""


def same(a, b, ordered):
    if a[0] != b[0]:
        return False
    if a[0] == "err":
        return a[1] == b[1]
    if ordered:
        return a[1] == b[1]
    key = lambda row: tuple(b"\0NULL" if v is None else v for v in row)  # noqa: E731
    return sorted(a[1], key=key) == sorted(b[1], key=key)


def fold(v):
    """A value as a case- and accent-insensitive PAD SPACE collation sees it."""
    if v is None:
        return None
    t = unicodedata.normalize("NFKD", v.decode("utf-8", "replace"))
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    # GROUP_CONCAT's parts too ('b|b ' and 'b |b' are the same under PAD SPACE).
    return "|".join(p.rstrip(" ") for p in t.split("|"))


def same_but_representative(a, b, sql, ordered):
    """True when two row sets differ only in which of several equal strings stands for a
    group: GROUP BY, DISTINCT and UNION keep one row per set of values equal under the
    column's collation ('b' and 'b ', 'A' and 'a'), and MySQL documents that the server is
    free to show any of them; and ORDER BY may list rows whose keys tie under the
    collation in any order (tests/difftest_known.txt's first rule)."""
    if a[0] != "ok" or b[0] != "ok":
        return False
    key = lambda row: tuple("\0NULL" if x is None else x for x in map(fold, row))  # noqa: E731
    if ordered:
        # Rows whose ORDER BY keys tie under the collation come in either order, and a
        # LIMIT may cut between them.
        return list(map(key, a[1])) == list(map(key, b[1]))
    if not re.search(r"GROUP BY|GROUP_CONCAT|DISTINCT|UNION", sql):
        return False
    return sorted(map(key, a[1])) == sorted(map(key, b[1]))


def show(res, limit=8):
    if res[0] == "err":
        return f"ERROR {res[1]}: {res[2][:200]}"
    rows = res[1]
    head = "\n    ".join(repr(r) for r in rows[:limit])
    more = f"\n    ... {len(rows) - limit} more" if len(rows) > limit else ""
    return f"{len(rows)} rows\n    {head}{more}"


def only(a, b):
    """The rows one answer has more of than the other (both are row sets)."""
    if a[0] != "ok" or b[0] != "ok":
        return ""
    from collections import Counter
    ca, cb = Counter(a[1]), Counter(b[1])
    extra, missing = list((ca - cb).elements()), list((cb - ca).elements())
    return (f"only borealis: {extra[:5]}{' ...' if len(extra) > 5 else ''}\n"
            f"only mariadb:  {missing[:5]}{' ...' if len(missing) > 5 else ''}\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--borealis", required=True, help="the borealis binary")
    p.add_argument("--queries", type=int, default=2000, help="queries in all")
    p.add_argument("--per-schema", type=int, default=200, help="queries per random schema")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--depth", type=int, default=24, help="deepest top-level WHERE tree")
    p.add_argument("--no-subqueries", dest="subqueries", action="store_false",
                   help="no subqueries in predicates and outputs")
    p.add_argument("--max-report", type=int, default=20, help="differences printed in full")
    p.add_argument("--max-unexplained", type=int, default=0,
                   help="exit 0 with up to this many unexplained differences (a ratchet for "
                        "the bounded run while known bugs are open; they are still printed)")
    p.add_argument("--fault", choices=["drop-row"],
                   help="test the tester: drop the last row of Borealis' non-empty answers")
    opts = p.parse_args()
    if opts.seed is None:
        opts.seed = random.randrange(1 << 32)
    print(f"difftest: seed {opts.seed}, {opts.queries} queries", flush=True)
    known = load_known()
    work = tempfile.mkdtemp(prefix="borealis-difftest.")
    b = Borealis(opts.borealis, os.path.join(work, "borealis"), free_port(), [])
    m = None
    try:
        b.start("difftest")
        m = MariaDb(work)
        code = run(opts, b, m, known)
        b.check_log()
    finally:
        if m is not None:
            m.proc.terminate()
            m.proc.wait()
        if b.proc is not None and b.proc.poll() is None:
            b.stop()
    if code == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"difftest: work directory kept: {work}")
    return code


def run(opts, b, m, known):
    rnd = random.Random(opts.seed)
    gen = Gen(rnd, opts.depth, opts.subqueries)
    cb = connect(b.port, "admin", PW)
    cm = connect(m.port, "root", "")
    for c in (cb, cm):
        with c.cursor() as cur:
            # The same session settings on both sides: MySQL 8.0's sql_mode without
            # ONLY_FULL_GROUP_BY (MariaDB lacks its exact rules), UTC, no statement timeout.
            cur.execute("SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,"
                        "NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'")
            cur.execute("SET time_zone = '+00:00'")
            # MySQL's default (MariaDB's is 1M): long GROUP_CONCATs are cut the same.
            cur.execute("SET SESSION group_concat_max_len = 1024")
            cur.execute("SET NAMES utf8mb4 COLLATE utf8mb4_general_ci")
    done = diffs = explained = errors_both = 0
    started = time.monotonic()
    schema = []
    while done < opts.queries:
        schema = gen.schema()
        for s in schema:
            rb, rm = run_sql(cb, s), run_sql(cm, s)
            if rb[0] == "err" or rm[0] == "err":
                print(f"difftest: schema statement failed: {s}\n  borealis: {show(rb)}\n"
                      f"  mariadb: {show(rm)}")
                return 1
        for _ in range(min(opts.per_schema, opts.queries - done)):
            sql, ordered = gen.query()
            done += 1
            if done % 10000 == 0:
                print(f"difftest: {done} queries, {diffs} unexplained differences, "
                      f"{time.monotonic() - started:.0f} s", flush=True)
            rb, rm = run_sql(cb, sql), run_sql(cm, sql)
            if opts.fault == "drop-row" and rb[0] == "ok" and rb[1]:
                rb = ("ok", rb[1][:-1])
            if rb[0] == "err" and rm[0] == "err":
                errors_both += 1
            if same(rb, rm, ordered):
                continue
            why = next((reason for pat, reason in known if pat.search(sql)), None)
            if why is None and same_but_representative(rb, rm, sql, ordered):
                why = "a group's representative"
            if why:
                explained += 1
                continue
            diffs += 1
            if diffs <= opts.max_report:
                print(f"--- difference {diffs} (seed {opts.seed}, query {done})\n"
                      f"schema:\n  " + ";\n  ".join(schema) + f";\nquery:\n  {sql};\n"
                      f"borealis: {show(rb)}\nmariadb:  {show(rm)}\n{only(rb, rm)}",
                      flush=True)
    secs = time.monotonic() - started
    print(f"difftest: {done} queries in {secs:.0f} s, {diffs} unexplained differences, "
          f"{explained} explained by tests/difftest_known.txt, {errors_both} errors on "
          f"both sides", flush=True)
    return 1 if diffs > opts.max_unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
