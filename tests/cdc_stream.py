"""CDC through python-mysql-replication (PyPI `mysql-replication`) against Borealis.

Usage: cdc_stream.py PORT PASSWORD

With binlog_row_metadata=FULL, inserts, updates and deletes on a table are decoded by
BinLogStreamReader with the table's column names and the right values. Exits non-zero
with a message on any difference.
"""

import sys

import pymysql
from pymysqlreplication import BinLogStreamReader
from pymysqlreplication.row_event import DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent

port, password = int(sys.argv[1]), sys.argv[2]
settings = {"host": "127.0.0.1", "port": port, "user": "admin", "passwd": password}

conn = pymysql.connect(autocommit=True, **settings)
cur = conn.cursor()
cur.execute("SET GLOBAL binlog_row_metadata = FULL")
cur.execute("CREATE DATABASE cdc")
cur.execute(
    "CREATE TABLE cdc.people (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, "
    "score INT UNSIGNED, note TEXT, born DATE)"
)
cur.execute("SHOW MASTER STATUS")
log_file, log_pos = cur.fetchone()[:2]
cur.execute(
    "INSERT INTO cdc.people VALUES (1, 'ada', 4000000000, 'first', '1815-12-10'), "
    "(2, 'bob', NULL, NULL, NULL), (3, 'chloé', 7, 'x', '2000-02-29')"
)
cur.execute("UPDATE cdc.people SET score = 8, note = 'changed' WHERE id = 3")
cur.execute("DELETE FROM cdc.people WHERE id = 2")
conn.close()

stream = BinLogStreamReader(
    connection_settings=settings,
    server_id=4242,
    blocking=False,
    resume_stream=True,
    log_file=log_file,
    log_pos=log_pos,
    only_events=[WriteRowsEvent, UpdateRowsEvent, DeleteRowsEvent],
)
got = []
for ev in stream:
    for row in ev.rows:
        where = (ev.schema, ev.table)
        if isinstance(ev, WriteRowsEvent):
            got.append(("insert", where, row["values"]))
        elif isinstance(ev, UpdateRowsEvent):
            got.append(("update", where, row["before_values"], row["after_values"]))
        else:
            got.append(("delete", where, row["values"]))
stream.close()

import datetime  # noqa: E402

T = ("cdc", "people")
ada = {"id": 1, "name": "ada", "score": 4000000000, "note": "first", "born": datetime.date(1815, 12, 10)}
bob = {"id": 2, "name": "bob", "score": None, "note": None, "born": None}
chloe = {"id": 3, "name": "chloé", "score": 7, "note": "x", "born": datetime.date(2000, 2, 29)}
chloe2 = dict(chloe, score=8, note="changed")
want = [
    ("insert", T, ada),
    ("insert", T, bob),
    ("insert", T, chloe),
    ("update", T, chloe, chloe2),
    ("delete", T, bob),
]
if got != want:
    print("decoded events differ\n got:", got, "\nwant:", want, file=sys.stderr)
    sys.exit(1)
print("cdc ok:", len(got), "row events")
