"""Credentials of the fake Airbyte server (test-only values)."""

CLIENT_ID = "nexus-test-client"
CLIENT_SECRET = "s3cr3t-DO-NOT-LOG-9f2a7c"
CONNECTION_ID = "5b8f3c7e-2a41-4c1e-9d6a-0e7f4b2c9a10"
