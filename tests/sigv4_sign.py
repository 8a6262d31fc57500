"""Signs an RDS Query API POST with botocore's own SigV4 signer, as the AWS CLI does, and
prints the headers a client sends with it, one `Name: value` a line. The caller sends
them, with whatever body it likes: tampering happens after signing, as an attacker's would.

Usage: sigv4_sign.py HOST:PORT ACCESS_KEY SECRET_KEY BODY CONTENT_HASH AGE_SECONDS

CONTENT_HASH: `none` (no X-Amz-Content-Sha256 header, as `aws rds` signs), `body` (the
header carries the SHA-256 of BODY and is signed) or `unsigned` (the header says
UNSIGNED-PAYLOAD and is signed). AGE_SECONDS: how long ago the request is dated.
"""

import datetime
import hashlib
import sys

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

host, access_key, secret_key, body, content_hash, age = sys.argv[1:7]

real_now = botocore.auth.get_current_datetime
botocore.auth.get_current_datetime = lambda: real_now() - datetime.timedelta(
    seconds=int(age)
)

headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
if content_hash == "body":
    headers["X-Amz-Content-SHA256"] = hashlib.sha256(body.encode()).hexdigest()
elif content_hash == "unsigned":
    headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
elif content_hash != "none":
    sys.exit(f"CONTENT_HASH must be none, body or unsigned, not {content_hash}")

request = AWSRequest(method="POST", url=f"http://{host}/", data=body, headers=headers)
botocore.auth.SigV4Auth(
    Credentials(access_key, secret_key), "rds", "us-east-1"
).add_auth(request)
print(f"Host: {host}")
for name, value in request.headers.items():
    print(f"{name}: {value}")
