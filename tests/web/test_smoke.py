from youth_app.models import Role


def test_start_page_is_swedish_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'<html lang="sv" dir="ltr">' in response.data


def test_each_role_lands_on_its_own_page(client_as):
    for role, path in [(Role.YOUTH, "/youth/"), (Role.PROVIDER, "/provider/"),
                       (Role.CASEWORKER, "/caseworker/"), (Role.ADMINISTRATOR, "/admin/")]:
        assert client_as(role).get(path).status_code == 200
