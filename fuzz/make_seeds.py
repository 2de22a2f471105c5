#!/usr/bin/env python3
"""Writes the seed corpus of the `reference_request` fuzz target.

Run from the repository root: python3 fuzz/make_seeds.py
The input format (target selector, header selector, body with placeholders) is described in
fuzz_targets/reference_request.rs. Target selectors index the operations in name order, so
rerun this when operations are added to schemas/.
"""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "corpus", "reference_request")
OPS = sorted(f[:-5] for f in os.listdir(os.path.join(ROOT, "schemas", "operations")) if f.endswith(".json"))
MISSING = len(OPS)
GARBAGE = len(OPS) + 1

# header selector bits: 0-2 content type (0 = awsJson1_1), 3 = no Authorization, 4 = GET
OK = 0x00


def op(name):
    return OPS.index(name)


NEW = "N3w-Passw0rd!"
SEEDS = {
    # valid requests that reach the semantics
    "forgot_password_valid": (op("ForgotPassword"), OK, {"ClientId": "@client@", "Username": "alice"}),
    "forgot_password_secret_hash": (op("ForgotPassword"), OK, {"ClientId": "@sclient@", "Username": "alice", "SecretHash": "@hash@"}),
    "forgot_password_enabled_unknown_user": (op("ForgotPassword"), OK, {"ClientId": "@eclient@", "Username": "nobody"}),
    "forgot_password_force_change_password": (op("ForgotPassword"), OK, {"ClientId": "@client@", "Username": "bob"}),
    "forgot_password_unknown_client": (op("ForgotPassword"), OK, {"ClientId": "abc", "Username": "alice"}),
    "confirm_forgot_password_valid": (op("ConfirmForgotPassword"), OK, {"ClientId": "@client@", "Username": "alice", "ConfirmationCode": "@code@", "Password": NEW}),
    "confirm_forgot_password_wrong_code": (op("ConfirmForgotPassword"), OK, {"ClientId": "@client@", "Username": "alice", "ConfirmationCode": "000000", "Password": NEW}),
    "confirm_forgot_password_weak_password": (op("ConfirmForgotPassword"), OK, {"ClientId": "@client@", "Username": "alice", "ConfirmationCode": "@code@", "Password": "weak"}),
    "confirm_forgot_password_secret_missing": (op("ConfirmForgotPassword"), OK, {"ClientId": "@sclient@", "Username": "alice", "ConfirmationCode": "@code@", "Password": NEW}),
    "initiate_auth_valid": (op("InitiateAuth"), OK, {"ClientId": "@client@", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
    "admin_get_user_valid": (op("AdminGetUser"), OK, {"UserPoolId": "@pool@", "Username": "alice"}),
    # broken ones
    "broken_not_json": (op("ForgotPassword"), OK, b'{"ClientId":'),
    "broken_top_level_array": (op("ForgotPassword"), OK, b"[]"),
    "broken_empty_body": (op("ConfirmForgotPassword"), OK, b""),
    "broken_object_for_string": (op("ConfirmForgotPassword"), OK, {"ClientId": "@client@", "Username": "alice", "ConfirmationCode": {"a": 1}, "Password": NEW}),
    "broken_validation_errors": (op("ConfirmForgotPassword"), OK, {"ClientId": "a b", "Username": "", "ConfirmationCode": "1 2", "Password": ""}),
    "broken_unknown_target": (GARBAGE, OK, {"ClientId": "@client@", "Username": "alice"}),
    "broken_missing_target": (MISSING, OK, {"ClientId": "@client@", "Username": "alice"}),
    "broken_content_type": (op("ForgotPassword"), 0x03, {"ClientId": "@client@", "Username": "alice"}),
    "broken_admin_without_auth": (op("AdminGetUser"), 0x08, {"UserPoolId": "@pool@", "Username": "alice"}),
    "broken_get": (op("ForgotPassword"), 0x10, {"ClientId": "@client@", "Username": "alice"}),
}

os.makedirs(OUT, exist_ok=True)
for name, (target, headers, body) in SEEDS.items():
    if not isinstance(body, bytes):
        body = json.dumps(body, separators=(",", ":")).encode()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([target % 256, headers]) + body)
print(f"wrote {len(SEEDS)} seeds to {os.path.relpath(OUT, ROOT)}")
