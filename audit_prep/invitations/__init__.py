"""Invitations by e-mail: joining a structure takes the invitee's consent.

`tokens` (the single-use secret: derived, hashed, never stored), `errors` (the refusals, with
their stable codes), `accounts` (who accepts: the signed-in account whose e-mail matches, or one
created on acceptance), `services` (invite, re-send, withdraw, accept, decline), `mail` (the
e-mail, sent by the `workers.send_invitation` task after commit). See decision 0017.
"""
