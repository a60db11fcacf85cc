"""The second factor of the demo's auditor, `auditrice`: a fixed TOTP key (30 s, 6 digits,
SHA-1), the one in the README, so that a person can add it to an authenticator app or compute
today's code without one:

    python -m audits.demo_totp                      # prints the code to type now
    oathtool --totp -b MF2WI2LUFVYHEZLQFVSGK3LPFVKE6VCQ

A demo key only: real auditors enrol their own (a random key, shown once as a QR code)."""

import base64
import binascii

from django_otp.oath import totp

# base32, as authenticator apps take it; public on purpose (README), for the demo only.
DEMO_TOTP_SECRET = "MF2WI2LUFVYHEZLQFVSGK3LPFVKE6VCQ"  # noqa: S105
DEMO_TOTP_KEY = binascii.hexlify(base64.b32decode(DEMO_TOTP_SECRET)).decode()  # django-otp's


def current_code() -> str:
    """The code an authenticator app shows now for the demo key."""
    return f"{totp(base64.b32decode(DEMO_TOTP_SECRET)):06d}"


if __name__ == "__main__":
    print(current_code())
