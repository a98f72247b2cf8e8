"""Starts moto_server for local runs.

With --enforce-iam, moto authenticates every request and enforces IAM user policies, so the
least-privilege policy is proven for real. moto's signature check wrongly rejects object keys that
contain ':' (our file names) and query values with '/', so it is replaced by a no-op here: the access
key must still exist and the policy is still evaluated.
"""
import sys

if "--enforce-iam" in sys.argv:
    sys.argv.remove("--enforce-iam")
    from moto.iam.access_control import IAMRequestBase

    IAMRequestBase.check_signature = lambda self: None

from moto.server import main

sys.exit(main(sys.argv[1:]))
