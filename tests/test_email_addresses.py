"""The e-mail address check of the comment form and the site settings (newsroom/forms.py):
the everyday address is answered without email_validator, and the verdict is always the
one email_validator gives, for the addresses answered at once and for the rest."""

from __future__ import annotations

import email_validator
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import EmailField, Form

from newsroom.forms import EmailAddress, plainly_valid_email

INVALID = "Please enter a valid e-mail address."


class AddressForm(Form):
    email = EmailField(validators=[EmailAddress(INVALID)])


def form_accepts(address: str) -> bool:
    form = AddressForm(data={"email": address})
    return form.validate()


def library_accepts(address: str) -> bool:
    """email_validator's verdict with the options WTForms' Email check gives it."""
    try:
        email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return False
    return True


# Each is answered at once: everyday addresses, and the longest parts allowed.
PLAIN = [
    "reader@example.com",
    "Jane.Doe+news@mail.example.co.uk",
    "o'brien@example.ie",
    "a!#$%&'*+/=?^_`{|}~-z@example.org",
    "x@a-b.example.com",
    "1@2.example",
    f"{'l' * 64}@example.com",
    f"reader@{'d' * 63}.example",
    # 254 characters in all, the most an address may have.
    f"{'l' * 64}@{'a' * 63}.{'b' * 63}.{'c' * 57}.com",
]

# Each is asked of email_validator: its rules decide.
ASKED = [
    # Valid, but not the everyday kind.
    ("Reader@Example.COM", True),
    ("reader@bücher.example", True),
    ("jürgen@example.de", True),
    ("reader@xn--bcher-kva.example", True),
    ("reader@example.com.", False),
    # Longer than RFC 5321 allows before the @-sign, which email_validator allows unless strict.
    (f"{'l' * 65}@example.com", True),
    # Refused.
    ("", False),
    ("reader", False),
    ("reader@", False),
    ("@example.com", False),
    ("reader@example", False),
    ("reader@localhost", False),
    ("reader@printer.local", False),
    ("reader@site.test", False),
    ("reader@x.invalid", False),
    ("reader@1.0.168.192.in-addr.arpa", False),
    ("reader@hidden.onion", False),
    ("reader@example.123", False),
    (".reader@example.com", False),
    ("reader.@example.com", False),
    ("re..ader@example.com", False),
    ("reader@-example.com", False),
    ("reader@example-.com", False),
    ("reader@ex..ample.com", False),
    ("reader@ab--cd.example.com", False),
    ("re ader@example.com", False),
    ("reader@exa mple.com", False),
    ("reader@@example.com", False),
    ('"quoted"@example.com', False),
    ("reader@[192.0.2.1]", False),
    ("Reader <reader@example.com>", False),
    ("reader@example.com\n", False),
    (f"reader@{'d' * 64}.example", False),
    (f"{'l' * 64}@{'a' * 63}.{'b' * 63}.{'c' * 58}.com", False),
]


@pytest.mark.parametrize("address", PLAIN)
def test_an_everyday_address_is_answered_at_once_and_email_validator_agrees(address):
    assert plainly_valid_email(address)
    assert library_accepts(address)
    assert form_accepts(address)


@pytest.mark.parametrize(("address", "valid"), ASKED)
def test_any_other_address_is_asked_of_email_validator(address, valid):
    assert not plainly_valid_email(address)
    assert library_accepts(address) == valid
    assert form_accepts(address) == valid


def test_a_domain_the_application_adds_to_the_special_use_list_is_asked(monkeypatch):
    monkeypatch.setattr(
        email_validator,
        "SPECIAL_USE_DOMAIN_NAMES",
        [*email_validator.SPECIAL_USE_DOMAIN_NAMES, "internal"],
    )
    assert not plainly_valid_email("reader@desk.internal")
    assert not form_accepts("reader@desk.internal")


# Addresses near the edges of the everyday kind: built of the parts it allows, some as long
# as allowed or longer, the top-level domain of any kind (special-use names among them);
# then often one character put in, swapped or taken out, from among those it refuses.
_ATEXT = "abcXYZ09!#$%&'*+/=?^_`{|}~-"
_ODD = ' .@-_"(),:;<>[\\]\x7fü\nAZ0ΑＡ。'
_atom = st.text(st.sampled_from(_ATEXT), min_size=1, max_size=10)
_local = st.one_of(
    st.lists(_atom, min_size=1, max_size=4).map(".".join),
    st.integers(60, 68).map(lambda n: "l" * n),
)
_label = st.one_of(
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True),
    st.integers(60, 65).map(lambda n: "d" * n),
    st.sampled_from(["xn--bcher-kva", "ab--cd", "a--b"]),
)
_common_tld = st.from_regex(r"[a-z]{2,7}", fullmatch=True)
_tld = st.one_of(
    _common_tld,
    _common_tld,
    st.from_regex(r"[a-z]", fullmatch=True),
    st.sampled_from(["a1", "12", "COM", "local", "localhost", "test", "arpa", "onion", ""]),
)


@st.composite
def edge_addresses(draw) -> str:
    labels = draw(st.lists(_label, min_size=1, max_size=4))
    address = f"{draw(_local)}@{'.'.join([*labels, draw(_tld)])}"
    change = draw(st.sampled_from(["none", "none", "none", "insert", "replace", "delete"]))
    if change == "none":
        return address
    at = draw(st.integers(0, len(address) - 1))
    odd = draw(st.sampled_from(_ODD))
    keep = address[at + 1 :] if change != "insert" else address[at:]
    return address[:at] + ("" if change == "delete" else odd) + keep


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(edge_addresses(), edge_addresses(), st.emails(), st.text(max_size=80)))
def test_the_verdict_is_always_email_validators(address):
    accepted = library_accepts(address)
    if plainly_valid_email(address):
        assert accepted, address
    assert form_accepts(address) == accepted, address
