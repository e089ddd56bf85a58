"""The privacy notice names what GDPR art. 13 asks for; help and contact come from config."""
import html

import pytest

from youth_app import facts

#: Per language: the words that show each element of article 13 is on the page.
ELEMENTS = {
    "sv": {"controller": "Personuppgiftsansvarig", "dpo": "dataskyddsombud",
           "public interest": "allmänt intresse", "authority": "myndighetsutövning",
           "legal obligation": "rättslig förpliktelse", "consent": "samtycke",
           "recipients": "Vem som ser dina uppgifter", "retention": "Hur länge vi sparar",
           "access": "Tillgång", "rectification": "Rättelse", "erasure": "Radering",
           "restriction": "Begränsning", "objection": "invändning",
           "priority": "socialtjänstens handläggare"},
    "en": {"controller": "data controller", "dpo": "data protection officer",
           "public interest": "public interest", "authority": "official authority",
           "legal obligation": "legal obligation", "consent": "consent",
           "recipients": "Who sees your data", "retention": "How long we keep",
           "access": "Access", "rectification": "Rectification", "erasure": "Erasure",
           "restriction": "Restriction", "objection": "object",
           "priority": "social services' caseworkers"},
    "ar": {"controller": "المتحكّم في البيانات", "dpo": "مسؤول حماية البيانات",
           "public interest": "للمصلحة العامة", "authority": "السلطة الرسمية",
           "legal obligation": "التزام قانوني", "consent": "موافقت",
           "recipients": "من يطّلع على بياناتك", "retention": "مدة احتفاظنا",
           "access": "الاطّلاع", "rectification": "التصحيح", "erasure": "المحو",
           "restriction": "التقييد", "objection": "الاعتراض",
           "priority": "الخدمات الاجتماعية"},
}


def _page(client, path, language):
    client.post("/language", data={"language": language, "next": path})
    return html.unescape(client.get(path).get_data(as_text=True))


@pytest.mark.parametrize("language", sorted(ELEMENTS))
def test_privacy_notice_names_every_article_13_element(app, client, language):
    page = _page(client, "/privacy", language)
    for element, words in ELEMENTS[language].items():
        assert words in page, (language, element)
    for key in ("CONTROLLER", "MUNICIPALITY_NAME", "DPO_EMAIL", "CONTACT_EMAIL",
                "CONTACT_PHONE"):
        assert app.config[key] in page, key
    assert "IMY" in page and "https://www.imy.se" in page
    assert f"{facts.ADULT_AGE}" in page and f"{facts.SMALL}" in page


def test_privacy_and_help_take_contacts_from_configuration(app_factory):
    other = app_factory(CONTROLLER="Barn- och utbildningsnämnden", MUNICIPALITY_NAME="Orust kommun",
                        DPO_EMAIL="dpo@orust.example", CONTACT_EMAIL="fritid@orust.example",
                        CONTACT_PHONE="0304-33 40 00")
    client = other.test_client()
    privacy = _page(client, "/privacy", "sv")
    assert "Personuppgiftsansvarig är Barn- och utbildningsnämnden, Orust kommun" in privacy
    assert "dpo@orust.example" in privacy and "Lysekil" not in privacy
    helped = _page(client, "/help", "sv")
    assert "fritid@orust.example" in helped and "0304-33 40 00" in helped
    assert 'href="tel:0304334000"' in helped


@pytest.mark.parametrize("language,words", [
    ("sv", ["För unga", "För vårdnadshavare", "För anordnare", "Vad är lotten?",
            "Kan jag ändra mina val?", "Vad kostar det?", "Hjälp och kontakt"]),
    ("en", ["For young people", "For guardians", "For providers", "What is the lottery?",
            "What does my guardian need to do?", "Who do I contact with questions?"]),
    ("ar", ["للشباب", "لأولياء الأمور", "ما هي القرعة؟"]),
])
def test_help_page_explains_it_for_each_group(client, language, words):
    page = _page(client, "/help", language)
    for word in words:
        assert word in page
    assert page.count("<dt>") >= 8


def test_footer_links_to_help_and_privacy(client):
    page = client.get("/").get_data(as_text=True)
    footer = page[page.index('<footer'):]
    assert 'href="/help"' in footer and 'href="/privacy"' in footer
