"""The second factor in tests: a confirmed TOTP device, the code it shows at the (frozen) time,
and a browser session of an auditor that passed the step or not (decision 0023)."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

# A fixed key (hex): the RFC 6238 test key.
KEY = "3132333435363738393031323334353637383930"


def device_for(user, key: str = KEY) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="TOTP", key=key, confirmed=True)


def code_of(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The code the device's app shows now (`offset_steps` 30-second steps later)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                 drift=device.drift + offset_steps)
    return f"{value:0{device.digits}d}"


def signed_in(user, *, verified: bool = True, client: Client | None = None) -> Client:
    """A browser signed in as `user` with the password (the session owes the step when the
    person needs one), and, `verified`, past the second factor on their (new) device."""
    client = client or Client()
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or device_for(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
