import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import OutgoingMessage


def test_statement_names_the_law_and_the_supervisor(client):
    page = client.get("/accessibility").get_data(as_text=True)
    assert "2018:1937" in page
    assert "digg.se" in page


def test_a_reported_problem_reaches_the_municipality(app, client):
    response = client.post("/accessibility", data={
        "page": "/register/youth", "problem": "The date field cannot be read aloud.",
        "email": "parent@example.se"})
    assert response.status_code == 302
    with app.app_context():
        message = db.session.scalar(sa.select(OutgoingMessage))
        assert message.recipient == app.config["CONTACT_EMAIL"]
        assert "cannot be read aloud" in message.body
        assert "parent@example.se" in message.body


def test_an_empty_report_is_explained(client):
    response = client.post("/accessibility", data={"problem": ""})
    assert response.status_code == 200
    assert 'id="problem-error"' in response.get_data(as_text=True)
