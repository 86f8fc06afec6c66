"""Signing in: the password, then a second factor, and proving it again before danger.

The two steps and sign-out (``views``, ``forms``, ``urls``, mounted at ``/accounts/``); the
second factors and which of them a role may use (``factors``): TOTP (``two_factor``),
security keys (``security_keys``, ``webauthn_views``, ``webauthn_helper``) and recovery codes
(``recovery_codes``, ``recovery_models``); the enrolment code after a reset
(``enrolment_codes``, ``enrolment_views``); a user's own sign-in methods
(``sign_in_methods_views``, under ``/account/``); step-up before dangerous actions
(``step_up``); the verified factor bound to its session (``second_factor_binding``); the
password backend (``auth_backend``), the failed-login ceiling per address (``throttle``) and
where to go next (``next_url``). docs/sign-in.md describes the whole.

Request-wide checks stay in ``access/middleware.py``, and the per-request load of the
signed-in user in ``access/session_user.py``.
"""
