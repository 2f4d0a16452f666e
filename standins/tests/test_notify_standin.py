"""The Notify stand-in speaks the Notify API as its reference client (`notifications-python-client`)
expects: it takes SMS, e-mail and letters (templated and precompiled) signed with a service's
API key and keeps them, and refuses a wrong key, a stale token and a bad body with Notify's
error bodies."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from notifications_python_client import authentication
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from vroeg.deploy.processes import NOTIFY_STANDIN, ServiceProcess, free_port
from vroeg.followup import notify
from vroeg.standins.notify.app import DEVELOPMENT_API_KEY
from vroeg.standins.notify.protocol import DEFAULT_TEMPLATES, load_templates

SMS = str(notify.DEVELOPMENT_SMS_TEMPLATE_ID)
EMAIL = str(notify.DEVELOPMENT_EMAIL_TEMPLATE_ID)
LETTER = "c7d4e2a1-9f3b-4c6d-8e5a-0b1f2a3c4d56"
OTHER_SERVICE_KEY = (
    "andere_gemeente-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d-5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
)
CONTACT = {"gemeente": "Amsterdam", "telefoon": "14 020", "website": "amsterdam.nl"}


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    log = Path(tmp_path_factory.mktemp("notify")) / "notify.log"
    keys = f"{DEVELOPMENT_API_KEY},{OTHER_SERVICE_KEY}"
    process = ServiceProcess(NOTIFY_STANDIN, free_port(), {"VROEG_NOTIFY_API_KEYS": keys}, log)
    process.start()
    process.wait_ready(30)
    yield process
    process.stop()


def client(standin: ServiceProcess, key: str = DEVELOPMENT_API_KEY) -> NotificationsAPIClient:
    return NotificationsAPIClient(key, base_url=standin.url)  # type: ignore[no-untyped-call]


def received(standin: ServiceProcess) -> dict[str, dict[str, Any]]:
    """What the stand-in kept, by notification id."""
    answer = httpx.get(f"{standin.url}/_stand-in/received", timeout=5).json()
    return {entry["id"]: entry for entry in answer["received"]}


def refusal(call: Any) -> tuple[int, list[dict[str, str]]]:
    with pytest.raises(HTTPError) as caught:
        call()
    return caught.value.status_code, caught.value.message  # type: ignore[return-value]


def test_the_standin_and_followup_agree_on_the_development_key_and_templates() -> None:
    assert notify.DEVELOPMENT_API_KEY == DEVELOPMENT_API_KEY
    templates = load_templates(DEFAULT_TEMPLATES)
    assert templates[SMS].type == "sms"
    assert templates[EMAIL].type == "email"


def test_sms_email_and_letters_are_accepted_and_kept(standin: ServiceProcess) -> None:
    notify_client = client(standin)
    sms = notify_client.send_sms_notification(
        "+31 6 12345678", SMS, {"naam": "Jeroen", **CONTACT}, reference="poging-1"
    )
    email = notify_client.send_email_notification(
        "jeroen@example.nl",
        EMAIL,
        {"naam": "Jeroen", "email": "geldzorgen@amsterdam.nl", **CONTACT},
        reference="poging-2",
    )
    letter = notify_client.send_letter_notification(
        LETTER,
        {
            "address_line_1": "Jeroen van 't Hoff-Ëlberg",
            "address_line_2": "Ĳsselstraat 12",
            "address_line_3": "1011 AB  AMSTERDAM",
            "naam": "Jeroen",
            **CONTACT,
        },
        reference="poging-3",
    )
    pdf = b"%PDF-1.7\n% a letter we rendered ourselves\n"
    precompiled = notify_client.send_precompiled_letter_notification("poging-4", io.BytesIO(pdf))

    assert sms["reference"] == "poging-1"
    assert sms["content"]["body"].startswith("Beste Jeroen, de gemeente Amsterdam wil u helpen")
    assert sms["template"]["id"] == SMS
    assert sms["template"]["version"] == 1
    assert sms["template"]["uri"].startswith(standin.url)
    assert sms["uri"] == f"{standin.url}/v2/notifications/{sms['id']}"
    assert email["content"]["subject"] == "Hulp bij uw rekeningen"
    assert "geldzorgen@amsterdam.nl" in email["content"]["body"]
    assert letter["content"]["subject"] == "Hulp bij uw rekeningen"
    assert precompiled == {"id": precompiled["id"], "reference": "poging-4", "postage": "second"}

    kept = received(standin)
    service_id = DEVELOPMENT_API_KEY[-73:-37]
    for answer in (sms, email, letter, precompiled):
        assert kept[answer["id"]]["service_id"] == service_id
        assert kept[answer["id"]]["key_name"] == "vroeg_ontwikkeling"
    assert kept[sms["id"]]["request"]["phone_number"] == "+31 6 12345678"
    assert kept[email["id"]]["request"]["email_address"] == "jeroen@example.nl"
    assert base64.b64decode(kept[precompiled["id"]]["request"]["content"]) == pdf

    status = notify_client.get_notification_by_id(letter["id"])
    assert status["type"] == "letter"
    assert status["line_1"] == "Jeroen van 't Hoff-Ëlberg"
    assert status["status"] == "accepted"
    assert notify_client.get_pdf_for_letter(precompiled["id"]).read() == pdf
    listed = notify_client.get_all_notifications(template_type="sms", reference="poging-1")
    assert [n["id"] for n in listed["notifications"]] == [sms["id"]]


def test_another_service_sees_only_its_own_notifications(standin: ServiceProcess) -> None:
    ours = client(standin).send_sms_notification("0612345678", SMS, {"naam": "A", **CONTACT})
    other = client(standin, OTHER_SERVICE_KEY)
    assert ours["id"] not in [n["id"] for n in other.get_all_notifications()["notifications"]]
    status, errors = refusal(lambda: other.get_notification_by_id(ours["id"]))
    assert status == 404
    assert errors == [{"error": "NoResultFound", "message": "No result found"}]


def test_a_wrong_secret_is_refused_with_an_auth_error(standin: ServiceProcess) -> None:
    wrong = DEVELOPMENT_API_KEY[:-36] + "00000000-0000-4000-8000-000000000000"
    before = received(standin)
    status, errors = refusal(
        lambda: client(standin, wrong).send_sms_notification("0612345678", SMS, CONTACT)
    )
    assert status == 403
    assert errors == [{"error": "AuthError", "message": "Invalid token: API key not found"}]
    assert received(standin) == before


# Ahead of the stand-in's clock by a few seconds more than 30: the token reaches it a moment
# after it was signed, on a loaded machine a second or more, and both clocks count whole seconds.
@pytest.mark.parametrize("skew_s", [-31, 35, -3600])
def test_a_token_not_issued_within_30_seconds_is_refused(
    standin: ServiceProcess, monkeypatch: pytest.MonkeyPatch, skew_s: int
) -> None:
    clock = authentication.epoch_seconds
    monkeypatch.setattr(authentication, "epoch_seconds", lambda: clock() + skew_s)
    status, errors = refusal(
        lambda: client(standin).send_sms_notification("0612345678", SMS, CONTACT)
    )
    assert status == 403
    message = "Error: Your system clock must be accurate to within 30 seconds"
    assert errors == [{"error": "AuthError", "message": message}]


def test_a_token_a_little_off_is_accepted(
    standin: ServiceProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = authentication.epoch_seconds
    monkeypatch.setattr(authentication, "epoch_seconds", lambda: clock() - 20)
    notification = client(standin).send_sms_notification(
        "0612345678", SMS, {"naam": "A", **CONTACT}
    )
    assert notification["id"] in received(standin)


def test_a_request_without_a_bearer_token_is_unauthorized(standin: ServiceProcess) -> None:
    for headers, message in (
        ({}, "Unauthorized: authentication token must be provided"),
        ({"Authorization": "Basic abc"}, "Unauthorized: authentication bearer scheme must be used"),
    ):
        response = httpx.get(f"{standin.url}/v2/notifications", headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.json() == {
            "status_code": 401,
            "errors": [{"error": "AuthError", "message": message}],
        }


@pytest.mark.parametrize(
    ("send", "expected"),
    [
        (
            lambda c: c.send_sms_notification("06-CALL-ME", SMS, CONTACT),
            {
                "error": "ValidationError",
                "message": "phone_number Must not contain letters or symbols",
            },
        ),
        (
            lambda c: c.send_email_notification("geen e-mailadres", EMAIL, CONTACT),
            {"error": "ValidationError", "message": "email_address Not a valid email address"},
        ),
        (
            lambda c: c.send_sms_notification("0612345678", "sjabloon-1"),
            {"error": "ValidationError", "message": "template_id is not a valid UUID"},
        ),
        (
            lambda c: c.post("/v2/notifications/sms", data={"phone_number": "0612345678"}),
            {"error": "ValidationError", "message": "template_id is a required property"},
        ),
        (
            lambda c: c.send_sms_notification("0612345678", "00000000-0000-4000-8000-000000000000"),
            {"error": "BadRequestError", "message": "Template not found"},
        ),
        (
            lambda c: c.send_email_notification("a@example.nl", SMS, CONTACT),
            {
                "error": "BadRequestError",
                "message": "sms template is not suitable for email notification",
            },
        ),
        (
            lambda c: c.send_sms_notification("0612345678", SMS, {"gemeente": "Amsterdam"}),
            {
                "error": "BadRequestError",
                "message": "Missing personalisation: naam, telefoon, website",
            },
        ),
        (
            lambda c: c.send_letter_notification(
                LETTER, {"address_line_1": "J. Jansen", "naam": "J", **CONTACT}
            ),
            {"error": "ValidationError", "message": "Address must be at least 3 lines"},
        ),
        (
            lambda c: c.post("/v2/notifications/letter", data={"reference": "r", "content": "%%%"}),
            {
                "error": "BadRequestError",
                "message": "Cannot decode letter content (invalid base64 encoding)",
            },
        ),
        (
            lambda c: c.post("/v2/notifications/letter", data={"content": "JVBERg=="}),
            {"error": "ValidationError", "message": "reference is a required property"},
        ),
    ],
)
def test_a_bad_body_gets_notifys_error_and_is_not_kept(
    standin: ServiceProcess, send: Any, expected: dict[str, str]
) -> None:
    before = received(standin)
    status, errors = refusal(lambda: send(client(standin)))
    assert status == 400
    assert errors == [expected]
    assert received(standin) == before


def test_a_body_that_is_not_json_is_a_bad_request(standin: ServiceProcess) -> None:
    token = authentication.create_jwt_token(  # type: ignore[no-untyped-call]
        DEVELOPMENT_API_KEY[-36:], DEVELOPMENT_API_KEY[-73:-37]
    )
    response = httpx.post(
        f"{standin.url}/v2/notifications/sms",
        content=b"{not json",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json() == {
        "status_code": 400,
        "errors": [{"error": "BadRequestError", "message": "Invalid JSON supplied in POST data"}],
    }
